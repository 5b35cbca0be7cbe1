"""The membership + revocation answer of a token, kept per process for at most ``TTL`` s.

Every request used to pay one database query for it. Now the answer for (org, user, token id)
is kept for ``TTL`` seconds, and dropped at once, in every web process, when any token is
revoked or any membership changes: the change is broadcast on ``CHANNEL``, which each
process's event hub (:mod:`app.platform.hub`, one Redis subscription per process) already
listens to. A removed member is therefore refused on their next request in every process,
and at the latest ``TTL`` s after the change if the broadcast was missed.

The cache is used only while the hub's subscription is up: with Redis away no broadcast can
arrive, so every request reads the database again (bypassed, never trusted longer). After the
subscription comes back the cache starts empty (broadcasts may have been missed meanwhile).
"""

from __future__ import annotations

import logging
import threading
import time

from app.platform.hub import hub
from app.redis_conn import get_redis

log = logging.getLogger("kairos.auth")

TTL = 1.0  # seconds; the longest a missed broadcast can let a removed member in
CHANNEL = "kairos:auth"
MAX_ENTRIES = 50_000  # tokens in use within one TTL; beyond that the cache starts over


class AuthCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, object]] = {}
        self._generation = 0
        self.ttl = TTL

    def generation(self) -> int | None:
        """The cache's generation to read under, or None when it must be bypassed."""
        if not hub.live():
            hub.start_soon()
            return None
        return self._generation

    def get(self, key: tuple):
        if not hub.live():
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: tuple, answer, generation: int | None) -> None:
        """Keep ``answer``, unless a drop happened since ``generation`` was read: an answer
        read from the database before a revocation must not outlive it."""
        if generation is None:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, answer)

    def drop_all(self, _message: str | None = None) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


cache = AuthCache()
# Revocations and membership changes are rare: any of them drops every entry of the process.
hub.on_control(CHANNEL, cache.drop_all)


def announce(what: str, org_id: str, user_id: str | None = None) -> None:
    """Tell every web process (this one included) that a token or membership changed. Called
    after the change is committed. If Redis is away the hubs are disconnected too, so every
    process is bypassing its cache anyway."""
    cache.drop_all()
    try:
        get_redis().publish(CHANNEL, f"{what}\n{org_id}\n{user_id or ''}")
    except Exception as exc:
        log.warning("auth_announce_failed", extra={"what": what, "error": str(exc)[:300]})
