"""One event hub per API process: one Redis subscription, fanned out to local listeners.

A listener is a queue; the hub puts ``("event", (event, json))`` on the queues of those subscribed
to the event's task, or to every task of its org. If the subscription drops, the hub puts
``("resync", None)`` on every queue after reconnecting, so listeners can read what they
missed from the task streams.

Under gunicorn's gevent worker the thread below is a greenlet and the queues are gevent
queues (both patched), so thousands of listeners cost little.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading

from app import events
from app.redis_conn import pubsub_client

log = logging.getLogger("kairos.hub")

LISTENER_QUEUE_SIZE = 2000


class Listener:
    def __init__(self):
        self.queue: queue.Queue = queue.Queue(maxsize=LISTENER_QUEUE_SIZE)
        self.overflowed = False

    def put(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            # A client that cannot keep up is cut off rather than slowing everyone down.
            self.overflowed = True


class EventHub:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_task: dict[str, set[Listener]] = {}
        self._by_org: dict[str, set[Listener]] = {}
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._pubsub = None
        self._connected = False
        # Other channels on the same subscription: channel -> callback(message), called in the
        # hub's thread for each message, and with None after a reconnect (messages may have
        # been missed while the subscription was down).
        self._controls: dict[str, object] = {}

    def on_control(self, channel: str, callback) -> None:
        """Register before the hub starts (at import time)."""
        self._controls[channel] = callback

    def live(self) -> bool:
        """The subscription is up: a broadcast sent now reaches this process."""
        return self._connected

    def start_soon(self) -> None:
        """Start the subscription without waiting for it."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="kairos-hub", daemon=True
                    )
                    self._thread.start()

    def ensure_started(self, timeout: float = 5.0) -> None:
        self.start_soon()
        self._started.wait(timeout)

    def subscribe_task(self, listener: Listener, task_id: str) -> None:
        self.ensure_started()
        with self._lock:
            self._by_task.setdefault(task_id, set()).add(listener)

    def subscribe_org(self, listener: Listener, org_id: str) -> None:
        self.ensure_started()
        with self._lock:
            self._by_org.setdefault(org_id, set()).add(listener)

    def unsubscribe_task(self, listener: Listener, task_id: str) -> None:
        with self._lock:
            self._discard(self._by_task, task_id, listener)

    def unsubscribe_org(self, listener: Listener, org_id: str) -> None:
        with self._lock:
            self._discard(self._by_org, org_id, listener)

    def remove(self, listener: Listener) -> None:
        with self._lock:
            for index in (self._by_task, self._by_org):
                for key in [k for k, ls in index.items() if listener in ls]:
                    self._discard(index, key, listener)

    @staticmethod
    def _discard(index: dict, key: str, listener: Listener) -> None:
        listeners = index.get(key)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del index[key]

    def _dispatch(self, org_id: str, event: dict, raw: str) -> None:
        with self._lock:
            targets = self._by_task.get(event["task_id"], set()) | self._by_org.get(org_id, set())
        for listener in targets:
            listener.put(("event", (event, raw)))

    def _resync_all(self) -> None:
        with self._lock:
            targets = set().union(*self._by_task.values(), *self._by_org.values())
        for listener in targets:
            listener.put(("resync", None))

    def stop(self) -> None:
        """End the subscription (process shutdown); listeners get nothing more."""
        self._stopping.set()
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(Exception):
                pubsub.close()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._started.clear()
        self._connected = False
        self._stopping.clear()  # a later subscriber starts a fresh subscription

    def _run(self) -> None:
        delay, first = 0.5, True
        while not self._stopping.is_set():
            try:
                self._pubsub = pubsub = pubsub_client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(events.CHANNEL, *self._controls)
                for callback in self._controls.values():
                    callback(None)
                self._connected = True
                self._started.set()
                if not first:
                    self._resync_all()
                first, delay = False, 0.5
                for message in pubsub.listen():
                    if message["type"] != "message":
                        continue
                    control = self._controls.get(message["channel"])
                    if control is not None:
                        control(message["data"])
                        continue
                    try:
                        org_id, event, raw = events.parse_live(message["data"])
                    except (ValueError, KeyError):
                        log.warning("hub_bad_message")
                        continue
                    self._dispatch(org_id, event, raw)
            except Exception as exc:
                self._connected = False
                if self._stopping.is_set():
                    return
                log.warning("hub_disconnected", extra={"error": str(exc), "retry_in": delay})
                self._stopping.wait(delay)
                delay = min(delay * 2, 10)


hub = EventHub()


class Follower:
    """Replay-then-live for one client: drops live events it already sent, by stream id.

    Subscribe to the hub first, then replay the stream: every event is then either in the
    replay or arrives live afterwards (or both), and ids keep them in order without gaps.
    """

    def __init__(self):
        self.last: dict[str, tuple[int, int]] = {}

    def accept(self, event: dict) -> bool:
        key = events.id_key(event["id"])
        if key <= self.last.get(event["task_id"], (-1, -1)):
            return False
        self.last[event["task_id"]] = key
        return True

    def forget(self, task_id: str) -> None:
        self.last.pop(task_id, None)

    def replay(self, task_id: str, after: str | None = None, read_row: bool = True) -> list[dict]:
        """``read_row=False`` when the caller read the row unfinished before subscribing to
        the hub: its end then comes live, from the stream, or with a resync (which reads)."""
        if after is None and task_id in self.last:
            ms, seq = self.last[task_id]
            after = f"{ms}-{seq}"
        stored = events.replay(task_id, after)
        if read_row and not any(e["type"] in events.TERMINAL for e in stored):
            # The stream may have lost the end (Redis restarted empty): the row has it.
            end = final_event(task_id)
            if end is not None:
                stored.append(end)
        return [e for e in stored if self.accept(e)]


def final_event(task_id: str) -> dict | None:
    """The terminal event of a finished task, rebuilt from its row (the truth), with an id
    at its finishing time so it orders after everything the task published."""
    from sqlalchemy import select

    from app.db import get_engine
    from app.models import Task
    from app.models.platform import FINISHED_STATES

    query = select(Task.kind, Task.state, Task.result, Task.error, Task.finished_at).where(
        Task.id == task_id
    )
    with get_engine().connect() as conn:
        row = conn.execute(query).first()
    if row is None or row.finished_at is None or row.state not in FINISHED_STATES:
        return None
    if row.state == "succeeded":
        event = events.make_event("complete", task_id, row.kind, data=row.result)
    else:
        error = row.error or {"code": row.state.upper(), "message": row.state}
        event = events.make_event("error", task_id, row.kind, **error)
    event["id"] = f"{int(row.finished_at.timestamp() * 1000)}-0"
    return event
