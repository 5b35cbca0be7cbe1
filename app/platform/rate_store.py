"""The rate limiter's counters: counted in this process, synchronized with Redis in batches.

flask-limiter's fixed window asks its storage to add a hit and return the window's count. The
plain Redis storage pays one round trip per request for that; this one counts locally and
pushes the hits it holds in one ``INCRBY`` (returning the count of every process) when

- ``SYNC_INTERVAL`` has passed since its last push for that key, or
- the count it knows is within ``1 - NEAR_LIMIT`` of the limit: from there on every hit is
  pushed at once, so the decision to refuse is taken on the global count.

The trade-off: far from the limit a process learns about other processes' hits up to
``SYNC_INTERVAL`` late, so a burst that crosses ``NEAR_LIMIT`` of the limit faster than that
can pass the limit by the hits every process admitted in that interval. A busy key (a
benchmark's one credential) costs one round trip per interval instead of one per request.
If Redis is away, the count stays local (each process limits on its own) and is pushed when
Redis is back; the API never fails for the limiter (flask-limiter ``swallow_errors``).

The limit is read back from the key: limits' ``RateLimitItem.key_for`` ends every key with
``…/<amount>/<multiples>/<granularity>``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from limits.storage import Storage

from app.redis_conn import get_redis

SYNC_INTERVAL = 0.05  # seconds
NEAR_LIMIT = 0.9
PRUNE_ABOVE = 10_000  # local keys; expired ones are dropped beyond this
PREFIX = "kairos:rl:"

# ARGV: hits to add, window in seconds → {count, milliseconds left in the window}
_PUSH = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2]) * 1000
end
return {n, ttl}
"""


@dataclass
class _Counter:
    base: int = 0  # the global count at the last push
    pending: int = 0  # hits of this process not pushed yet
    synced_at: float = float("-inf")
    window_end: float = float("inf")


def _limit_of(key: str) -> int | None:
    try:
        return int(key.rsplit("/", 3)[1])
    except (IndexError, ValueError):
        return None


class BatchedRedisStorage(Storage):
    """``kairos://``: the platform's Redis (its shared pool), pushed in batches."""

    STORAGE_SCHEME = ["kairos"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}
        self._script = None
        self.sync_interval = SYNC_INTERVAL
        self.pushes = 0  # round trips made, for the benches

    @property
    def base_exceptions(self):
        import redis

        return redis.RedisError

    def _push(self, key: str, amount: int, expiry: int) -> tuple[int, int]:
        client = get_redis()
        if self._script is None or self._script.registered_client is not client:
            self._script = client.register_script(_PUSH)
        self.pushes += 1
        count, ttl_ms = self._script(keys=[PREFIX + key], args=[amount, int(expiry)])
        return int(count), int(ttl_ms)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.monotonic()
        limit = _limit_of(key)
        with self._lock:
            counter = self._counters.get(key)
            if counter is None or now >= counter.window_end:
                if len(self._counters) > PRUNE_ABOVE:
                    self._prune(now)
                # A window that ended locally: its pending hits went with it.
                counter = self._counters[key] = _Counter()
            counter.pending += amount
            known = counter.base + counter.pending
            near = limit is not None and known >= limit * NEAR_LIMIT
            if not near and now - counter.synced_at < self.sync_interval:
                return known
            delta, counter.pending = counter.pending, 0
            counter.synced_at = now  # one push at a time per interval, even if this one fails
        try:
            count, ttl_ms = self._push(key, delta, expiry)
        except Exception:
            with self._lock:
                counter.pending += delta  # pushed with the next sync, once Redis is back
                return counter.base + counter.pending
        with self._lock:
            counter.base = max(counter.base, count)
            counter.window_end = now + ttl_ms / 1000
            return counter.base + counter.pending

    def _prune(self, now: float) -> None:
        for key in [k for k, c in self._counters.items() if now >= c.window_end]:
            del self._counters[key]

    def get(self, key: str) -> int:
        with self._lock:
            counter = self._counters.get(key)
            return 0 if counter is None else counter.base + counter.pending

    def get_expiry(self, key: str) -> float:
        with self._lock:
            counter = self._counters.get(key)
            left = 0 if counter is None else max(0.0, counter.window_end - time.monotonic())
        return time.time() + (0 if left == float("inf") else left)

    def check(self) -> bool:
        try:
            return bool(get_redis().ping())
        except Exception:
            return False

    def reset(self) -> int | None:
        """Every counter, of every process (Redis), and this process's local view."""
        with self._lock:
            self._counters.clear()
        client = get_redis()
        keys = list(client.scan_iter(match=PREFIX + "*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)
        get_redis().delete(PREFIX + key)
