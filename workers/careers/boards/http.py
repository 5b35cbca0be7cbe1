"""Fetching a board politely: a time budget per platform, retries with backoff on 429, 5xx and
connection errors (honoring Retry-After), and a per-platform rate limit.

The rate limiter only *reserves* a slot and says how long to wait; the fetcher does the waiting
with its own (injectable) sleep, so tests run on a fake clock and both limiters stay simple.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from workers.careers.boards.base import ScrapingError

log = logging.getLogger("kairos.careers.boards")

USER_AGENT = "kairos-careers/0.1 (job search assistant)"
RATE_LIMIT_PREFIX = "kairos:ratelimit:platform:"


class RateLimiter(Protocol):
    def reserve(self, platform: str, interval: float, max_wait: float) -> float | None:
        """Reserve the platform's next request slot, at least ``interval`` seconds after the
        previous one. Returns the seconds to wait for it, or None (and reserves nothing) when
        that would be longer than ``max_wait``."""
        ...


class LocalRateLimiter:
    """Slots per platform within this process (tests, a single worker)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._free_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, platform: str, interval: float, max_wait: float) -> float | None:
        with self._lock:
            now = self._clock()
            at = max(now, self._free_at.get(platform, now))
            if at - now > max_wait:
                return None
            self._free_at[platform] = at + interval
            return at - now


# The slot is kept in Redis so every worker process shares one schedule per platform (a token
# bucket holding one token, i.e. GCRA). Redis's own clock keeps hosts with skewed clocks in step.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if at - now > max_wait then
  return -1
end
redis.call('SET', KEYS[1], at + interval, 'PX', at - now + interval + 1000)
return at - now
"""


class RedisRateLimiter:
    """Slots per platform shared by all workers, keyed ``kairos:ratelimit:platform:<name>``."""

    def __init__(self, redis=None, prefix: str = RATE_LIMIT_PREFIX):
        if redis is None:
            from app.redis_conn import get_redis

            redis = get_redis()
        self._prefix = prefix
        self._script = redis.register_script(_RESERVE)

    def reserve(self, platform: str, interval: float, max_wait: float) -> float | None:
        import redis

        try:
            waited_ms = int(
                self._script(
                    keys=[self._prefix + platform],
                    args=[int(interval * 1000), int(max_wait * 1000)],
                )
            )
        except redis.RedisError as exc:
            # The limit is courtesy towards the boards; losing Redis must not fail searches.
            log.warning("rate limiter unavailable, not limiting %s: %s", platform, exc)
            return 0.0
        return None if waited_ms < 0 else waited_ms / 1000


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def new_client() -> httpx.Client:
    # One client shared by all platform threads: httpx.Client is thread-safe and pools sockets.
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=True,
    )


class Fetcher:
    def __init__(
        self,
        client: httpx.Client,
        limiter: RateLimiter,
        *,
        retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.limiter = limiter
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.clock = clock
        self.sleep = sleep

    def get_json(self, platform: str, url: str, *, deadline: float, interval: float = 0.0) -> Any:
        """The decoded JSON at ``url``, or ScrapingError once retries or time run out."""
        attempt = 0
        while True:
            try:
                return self._attempt(platform, url, deadline, interval)
            except ScrapingError as exc:
                if not exc.retryable:
                    raise
                if attempt >= self.retries:
                    raise ScrapingError(
                        platform, f"{exc.message} (gave up after {attempt + 1} attempts)"
                    ) from exc
                delay = self._delay(platform, exc, attempt, deadline)
                log.info("%s: %s; retrying in %.2fs", platform, exc.message, delay)
                self.sleep(delay)
                attempt += 1

    def _delay(self, platform: str, exc: ScrapingError, attempt: int, deadline: float) -> float:
        remaining = deadline - self.clock()
        if exc.retry_after is not None:
            # Waiting less than the board asked would only earn another 429.
            if exc.retry_after > min(self.retry_after_cap, remaining):
                raise ScrapingError(
                    platform,
                    f"{exc.message}; asked to retry after {exc.retry_after:.0f}s, "
                    "beyond this search's time budget",
                ) from exc
            return exc.retry_after
        delay = min(self.backoff_cap, self.backoff_base * 2**attempt)
        if delay >= remaining:
            raise ScrapingError(platform, f"{exc.message}; no time left to retry") from exc
        return delay

    def _attempt(self, platform: str, url: str, deadline: float, interval: float) -> Any:
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise ScrapingError(platform, "timed out")
        wait = self.limiter.reserve(platform, interval, remaining)
        if wait is None:
            raise ScrapingError(platform, "rate limit: no request slot within the time budget")
        if wait > 0:
            self.sleep(wait)
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise ScrapingError(platform, "timed out")
        try:
            response = self.client.get(url, timeout=remaining)
        except httpx.TimeoutException:
            raise ScrapingError(platform, "timed out waiting for the board") from None
        except httpx.TransportError as exc:
            raise ScrapingError(platform, f"connection failed ({exc})", retryable=True) from None
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise ScrapingError(platform, f"HTTP {status}", retry_after, retryable=True)
        if status == 404:
            raise ScrapingError(platform, "board not found (HTTP 404)")
        if status >= 400:
            raise ScrapingError(platform, f"HTTP {status}")
        try:
            return response.json()
        except ValueError:
            raise ScrapingError(platform, "the board answered with invalid JSON") from None
