"""The board fetch loop and its rate limiters: retries, Retry-After and backoff on a fake
clock (no sleeping), and request slots per platform, in one process or shared through Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from workers.careers.boards import LocalRateLimiter, RedisRateLimiter, ScrapingError
from workers.careers.boards.http import Fetcher, parse_retry_after

# --- the fetch loop on a fake clock ---------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def fetcher_for(replies: list[httpx.Response], fake: FakeTime, **kwargs) -> Fetcher:
    answers = iter(replies)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    return Fetcher(
        client, LocalRateLimiter(fake.clock), clock=fake.clock, sleep=fake.sleep, **kwargs
    )


def test_fetcher_waits_what_retry_after_says_then_backs_off_exponentially():
    fake = FakeTime()
    in_3s = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    replies = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, headers={"Retry-After": in_3s}),
        httpx.Response(500),
        httpx.Response(200, json={"jobs": []}),
    ]
    fetcher = fetcher_for(replies, fake, retries=3)

    assert fetcher.get_json("t", "http://t/x", deadline=fake.now + 60) == {"jobs": []}
    assert fake.slept[0] == 2
    assert 1.5 < fake.slept[1] <= 3
    assert fake.slept[2] == 2.0  # third try: 0.5 * 2**2


def test_fetcher_gives_up_at_once_when_retry_after_exceeds_the_budget():
    fake = FakeTime()
    fetcher = fetcher_for([httpx.Response(429, headers={"Retry-After": "120"})], fake)

    with pytest.raises(ScrapingError, match="retry after 120s"):
        fetcher.get_json("t", "http://t/x", deadline=fake.now + 15)
    assert fake.slept == []


def test_fetcher_retries_connection_errors_with_capped_backoff():
    fake = FakeTime()
    calls = []

    def refuse(request):
        calls.append(request)
        raise httpx.ConnectError("refused")

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    fetcher = Fetcher(
        client,
        LocalRateLimiter(fake.clock),
        retries=5,
        backoff_cap=1.0,
        clock=fake.clock,
        sleep=fake.sleep,
    )

    with pytest.raises(ScrapingError, match="gave up after 6 attempts"):
        fetcher.get_json("t", "http://t/x", deadline=fake.now + 60)
    assert fake.slept == [0.5, 1.0, 1.0, 1.0, 1.0]
    assert len(calls) == 6


def test_parse_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# --- rate limiters --------------------------------------------------------------------------------


def test_local_rate_limiter_spaces_requests_per_platform():
    fake = FakeTime()
    limiter = LocalRateLimiter(fake.clock)

    assert limiter.reserve("lever", 0.5, 10) == 0
    assert limiter.reserve("lever", 0.5, 10) == 0.5
    assert limiter.reserve("lever", 0.5, 10) == 1.0
    assert limiter.reserve("ashby", 0.5, 10) == 0  # another platform, its own schedule
    assert limiter.reserve("lever", 0.5, 0.9) is None  # would wait 1.5s: refused, not booked
    fake.now += 1.5
    assert limiter.reserve("lever", 0.5, 0.9) == 0


def test_redis_rate_limiter_shares_slots_between_workers():
    from app.redis_conn import get_redis

    redis = get_redis()
    prefix = f"kairos:test:ratelimit:{uuid.uuid4().hex}:"
    first, second = RedisRateLimiter(redis, prefix), RedisRateLimiter(redis, prefix)
    try:
        assert first.reserve("greenhouse", 5.0, 30) == 0
        assert 4.0 < second.reserve("greenhouse", 5.0, 30) <= 5.0
        assert first.reserve("greenhouse", 5.0, 1.0) is None
        assert second.reserve("lever", 5.0, 30) == 0
        assert 0 < redis.pttl(prefix + "greenhouse") <= 12_000  # expires once unused
    finally:
        redis.delete(prefix + "greenhouse", prefix + "lever")
