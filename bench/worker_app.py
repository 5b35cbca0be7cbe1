"""The platform's Celery app plus one raw no-op task, for the e2e baseline.

Started as ``celery -A bench.worker_app:celery worker …``, one worker process serves both the
platform's ``platform.diagnostic`` (through ``workers.celery_app``'s includes) and
``bench.noop``, so both paths run on the same pool with the same settings.
"""

from __future__ import annotations

import time

import redis

from app.redis_conn import redis_url
from workers.celery_app import celery

DONE_KEY = "bench:noop:done"

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    # Made on first use, so each forked pool process has its own connection.
    global _client
    if _client is None:
        _client = redis.Redis.from_url(redis_url(), decode_responses=True)
    return _client


@celery.task(name="bench.noop")
def noop() -> None:
    _redis().lpush(DONE_KEY, f"{noop.request.id} {time.time()}")


__all__ = ["celery", "noop", "DONE_KEY"]
