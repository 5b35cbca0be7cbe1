"""Live status changes: one Redis pub/sub channel per org, one subscription per API process.

The result recorder (a worker) calls :func:`publish_status_change` after it commits a check
that changed a resource's ``currentStatus``. Each API process runs one :class:`StatusHub`
(a pattern subscription on every org's channel) and fans messages out to the status page's
event streams, which filter them by visibility before a browser sees them.

Message (JSON, also what a browser receives as the ``data:`` of a ``status`` event)::

    {"type": "status", "org_id": "…", "resource_id": "…", "name": "API",
     "status": "not_available", "previous": "available",
     "latestCheckStatus": "NOT_AVAILABLE", "message": "HTTP 503", "errorCode": "503",
     "checkedAt": "2026-12-02T01:00:00Z", "latencyMs": 12.5, "ts": "…Z"}

Pub/sub is fire-and-forget: the page renders the truth from the database, and the stream only
moves it along; a browser that reconnects reloads nothing it missed but the next changes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from datetime import datetime

from app.events import now_iso
from app.redis_conn import get_redis, pubsub_client

log = logging.getLogger("kairos.monitoring.live")

CHANNEL_PREFIX = "kairos:monitoring:status:"
LISTENER_QUEUE_SIZE = 500


def channel(org_id: str) -> str:
    return f"{CHANNEL_PREFIX}{org_id}"


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def status_message(
    org_id: str,
    resource_id: str,
    name: str,
    status: str,
    previous: str | None,
    *,
    check_status: str | None = None,
    message: str | None = None,
    error_code: str | None = None,
    checked_at: datetime | str | None = None,
    latency_ms: float | None = None,
) -> dict:
    return {
        "type": "status",
        "org_id": org_id,
        "resource_id": resource_id,
        "name": name,
        "status": status,
        "previous": previous,
        "latestCheckStatus": check_status,
        "message": message,
        "errorCode": error_code,
        "checkedAt": _iso(checked_at),
        "latencyMs": latency_ms,
        "ts": now_iso(),
    }


def publish_status_change(
    org_id: str,
    resource_id: str,
    name: str,
    status: str,
    previous: str | None,
    *,
    client=None,
    **check,
) -> dict:
    """Announce that a resource's current status changed (call after the commit).

    ``check`` takes ``check_status``, ``message``, ``error_code``, ``checked_at`` and
    ``latency_ms``. Returns the message sent. Never raises: live updates are a convenience,
    and a Redis hiccup must not fail the check that was already recorded.
    """
    body = status_message(org_id, resource_id, name, status, previous, **check)
    try:
        (client or get_redis()).publish(channel(org_id), json.dumps(body, default=str))
    except Exception as exc:
        log.warning("status_publish_failed", extra={"org_id": org_id, "error": str(exc)})
    return body


class StatusListener:
    def __init__(self, org_id: str):
        self.org_id = org_id
        self.queue: queue.Queue = queue.Queue(maxsize=LISTENER_QUEUE_SIZE)
        self.overflowed = False

    def put(self, item: dict) -> None:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.overflowed = True  # a reader that cannot keep up is cut off


class StatusHub:
    """One pattern subscription per process, fanned out to local listeners by org."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_org: dict[str, set[StatusListener]] = {}
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._pubsub = None

    def add(self, listener: StatusListener, timeout: float = 5.0) -> None:
        with self._lock:
            self._by_org.setdefault(listener.org_id, set()).add(listener)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kairos-status-hub", daemon=True
                )
                self._thread.start()
        self._started.wait(timeout)

    def remove(self, listener: StatusListener) -> None:
        with self._lock:
            listeners = self._by_org.get(listener.org_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._by_org[listener.org_id]

    def stop(self) -> None:
        self._stopping.set()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                self._pubsub.close()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._started.clear()
        self._stopping.clear()

    def _dispatch(self, body: dict) -> None:
        with self._lock:
            targets = list(self._by_org.get(body.get("org_id", ""), ()))
        for listener in targets:
            listener.put(body)

    def _run(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            try:
                self._pubsub = pubsub = pubsub_client().pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(CHANNEL_PREFIX + "*")
                self._started.set()
                delay = 0.5
                for message in pubsub.listen():
                    if message["type"] != "pmessage":
                        continue
                    try:
                        body = json.loads(message["data"])
                    except (TypeError, ValueError):
                        log.warning("status_hub_bad_message")
                        continue
                    if isinstance(body, dict):
                        self._dispatch(body)
            except Exception as exc:
                if self._stopping.is_set():
                    return
                log.warning("status_hub_disconnected", extra={"error": str(exc)})
                self._stopping.wait(delay)
                delay = min(delay * 2, 10)


status_hub = StatusHub()
