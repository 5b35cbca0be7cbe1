"""The limiter counts per process and pushes to Redis in batches; near the limit every hit
is pushed, so the 429 is decided on the count of every process."""

from __future__ import annotations

import dataclasses
import uuid

from app.platform.rate_store import BatchedRedisStorage


def _key(limit: int) -> str:
    # The shape limits' RateLimitItem.key_for gives: identifiers, then amount/multiples/unit.
    return f"LIMITER/test/{uuid.uuid4().hex}/{limit}/1/minute"


def _storage(interval: float) -> BatchedRedisStorage:
    storage = BatchedRedisStorage()
    storage.sync_interval = interval
    return storage


def test_two_processes_share_one_count_in_redis(platform):
    first, second = _storage(0), _storage(0)  # every hit pushed: the exact global count
    key = _key(10)
    counts = [(first if n % 2 else second).incr(key, 60) for n in range(12)]
    assert counts == list(range(1, 13))  # the 11th and 12th are past the limit: refused


def test_far_from_the_limit_hits_are_pushed_in_batches_and_near_it_one_by_one(platform):
    storage = _storage(3600)  # no push for the interval's sake during this test
    far = _key(1_000_000)
    assert [storage.incr(far, 60) for _ in range(200)] == list(range(1, 201))
    assert storage.pushes == 1  # the first hit of the window; the rest wait for the interval

    near = _key(10)
    counts = [storage.incr(near, 60) for _ in range(12)]
    assert counts == list(range(1, 13))
    # The first hit, then every hit from 90 % of the limit on (the 9th to the 12th).
    assert storage.pushes == 1 + 1 + 4
    assert _storage(0).incr(near, 60) == 13  # another process sees all of them


def test_the_api_refuses_past_a_low_limit_with_429_and_retry_after(api, platform):
    from app.config import configure, get_settings
    from app.platform.limits import limiter

    settings = get_settings()
    configure(dataclasses.replace(settings, rate_limit="3/minute"))
    with platform.app.app_context():
        limiter.reset()
    try:
        answers = [api.get("/api/v1/tasks") for _ in range(5)]
    finally:
        configure(settings)
        with platform.app.app_context():
            limiter.reset()
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert refused.json()["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
