"""The one Redis the platform uses: broker, event streams, rate limits, revocations, locks.

``KAIROS_REDIS_URL`` wins. Without it, a Redis answering on localhost:6379 is used; failing
that, a private server is started under ``var/redis/`` (see ``app.localredis``).
Each consumer wants the address in its own dialect, so this module converts one URL to all.
"""

from __future__ import annotations

import socket
from functools import lru_cache

import redis

from app.config import get_settings

LOCAL_DEFAULT = "redis://127.0.0.1:6379/0"


def redis_answers(host: str, port: int) -> bool:
    """A Redis server answers PING at host:port (without a client library's retries)."""
    try:
        with socket.create_connection((host, port), timeout=0.3) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def resolve_redis_url(announce=print) -> str:
    """Decide which Redis this process (and its children) use."""
    settings = get_settings()
    if settings.redis_url:
        return settings.redis_url
    if redis_answers("127.0.0.1", 6379):
        return LOCAL_DEFAULT
    from app.localredis import ensure_private_redis

    url, started = ensure_private_redis(settings.var_path)
    if started:
        announce(
            f"kairos: no Redis configured or on localhost:6379; started a private one at {url}"
        )
    return url


def redis_url() -> str:
    settings = get_settings()
    return settings.redis_url or resolve_redis_url(announce=lambda _msg: None)


def broker_url(url: str | None = None) -> str:
    """Where task messages go: ``url``, else ``broker_url`` (e.g. RabbitMQ), else the
    platform's Redis (in kombu's dialect)."""
    url = url or get_settings().broker_url or redis_url()
    if url.startswith("unix://"):
        return "redis+socket://" + url.removeprefix("unix://")
    return url


POOL_SIZE = 200
POOL_WAIT = 10  # seconds a caller waits for a free connection before giving up


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # A blocking pool: under gevent hundreds of greenlets of one process may reach Redis at
    # once (a reconnect storm of WebSockets); they queue for a connection instead of failing
    # the moment the pool is full, which is what redis-py's default pool does.
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT,
        decode_responses=True,
        health_check_interval=30,
        socket_timeout=10,
    )
    return redis.Redis(connection_pool=pool)


def get_redis() -> redis.Redis:
    return _client(redis_url())


def pubsub_client() -> redis.Redis:
    """A client for long-lived subscriptions: no read timeout; TCP keepalive where there is
    TCP (a unix socket has no such option)."""
    url = redis_url()
    options = {} if url.startswith("unix://") else {"socket_keepalive": True}
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=None, **options)


def reset_clients() -> None:
    _client.cache_clear()
