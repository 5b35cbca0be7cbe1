"""A beat scheduler that runs in one place only, however many beat processes are started.

Each beat process tries to hold a Redis lock (SET NX with a TTL, renewed every tick). The
holder sends the periodic tasks; the others stay idle and take over within ``beat_lock_ttl``
seconds (a setting, 30 by default) if the holder dies, or at their next ``beat_standby_interval``
if it stops gracefully. This is the single-beat guarantee, without a separate daemon.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

from celery.beat import PersistentScheduler

from app import runtime_config
from app.config import get_settings
from app.redis_conn import get_redis
from schedules import SCHEDULE

log = logging.getLogger("kairos.beat")

LOCK_KEY = "kairos:beat:lock"

# Renew only if we still hold it; delete only if we still hold it.
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) else return 0 end"  # noqa: E501
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"  # noqa: E501


class LockedScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holding = False
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        super().setup_schedule()
        self.merge_inplace(SCHEDULE)
        self.install_default_entries(self.schedule)

    def _hold_lock(self) -> bool:
        client = get_redis()
        ttl = get_settings().beat_lock_ttl
        if self.holding and client.eval(_RENEW, 1, LOCK_KEY, self.token, ttl):
            return True
        acquired = bool(client.set(LOCK_KEY, self.token, nx=True, ex=ttl))
        if acquired != self.holding:
            log.info(
                "beat_lock_acquired" if acquired else "beat_lock_lost", extra={"token": self.token}
            )
        self.holding = acquired
        return acquired

    def tick(self, *args, **kwargs):
        runtime_config.refresh()
        try:
            holding = self._hold_lock()
        except Exception as exc:
            log.warning("beat_lock_unavailable", extra={"error": str(exc)})
            holding = False
        if not holding:
            return get_settings().beat_standby_interval
        # Never sleep past the lock's renewal point.
        return min(super().tick(*args, **kwargs), get_settings().beat_lock_ttl / 3)

    def close(self):
        if self.holding:
            with contextlib.suppress(Exception):
                get_redis().eval(_RELEASE, 1, LOCK_KEY, self.token)
        super().close()
