"""The live feed: ``WS /api/v1/ws``, ``GET /api/v1/tasks/{id}/events`` (SSE), ``Prefer: wait``.

WebSocket protocol (DESIGN.md): authenticate with ``?token=`` or a first
``{"type": "auth", "token": …}`` (close 4401 on failure); then ``subscribe`` a task id or
``all``, ``unsubscribe``, ``submit`` a task, ``analyze`` (seed-000 shorthand), ``ping``.
The server sends events, ``ack``, ``pong`` and ``error`` messages.

Each connection has one sender (the only writer to the socket) fed by one queue: hub events
and the receiver's commands pass through it in order, which is what keeps replay and live
events ordered without locks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time

import redis
from flask import Response, request, stream_with_context
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from app import events, metrics
from app.config import get_settings
from app.core.errors import ApiError
from app.core.principal import Principal
from app.models.platform import FINISHED_STATES
from app.platform import task_service
from app.platform.auth import authenticate, local_principal, principal_from_token
from app.platform.hub import Follower, Listener, hub
from app.platform.task_view import task_json

log = logging.getLogger("kairos.feed")
sock = Sock()

AUTH_TIMEOUT = 10
CLOSE_UNAUTHORIZED, CLOSE_TOO_SLOW, CLOSE_SERVER_ERROR = 4401, 4408, 1011
CLOSE_TRY_AGAIN = 1013
SSE_KEEPALIVE = 15
# Seed-000 shorthands: {"type": "analyze", "job_id": …} submits careers.analyze.
SHORTHANDS = {"analyze": ("careers.analyze", "job_id")}


class FeedConnection:
    def __init__(self, ws, principal: Principal):
        self.ws = ws
        self.principal = principal
        self.listener = Listener()
        self.follower = Follower()
        self.tasks: set[str] = set()
        # Tasks submitted by a seed-000 shorthand: their clients expect exactly the seed's
        # messages, so the platform's own "running" notice is not sent to them.
        self.seed_tasks: set[str] = set()
        self.all = False

    # --- sender: the only writer ----------------------------------------------------------

    def _send_loop(self) -> None:
        try:
            while True:
                op, arg = self.listener.queue.get()
                if self.listener.overflowed:
                    self.ws.close(reason=CLOSE_TOO_SLOW, message="client too slow")
                    return
                if op == "close":
                    return
                if op == "send":
                    self.ws.send(events.as_json(arg))
                elif op == "event":
                    self._deliver(*arg)
                elif op == "subscribe":
                    task_id, after, ended = arg
                    hub.subscribe_task(self.listener, task_id)
                    self.tasks.add(task_id)
                    for event in self.follower.replay(task_id, after, read_row=ended):
                        self._send_event(event)
                elif op == "resync":
                    for task_id in list(self.tasks):
                        for event in self.follower.replay(task_id):
                            self._send_event(event)
        except ConnectionClosed:
            pass
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            # Redis is away: say "try again later"; the client resumes with last_event_id.
            log.warning("feed_redis_unavailable", extra={"error": str(exc)[:300]})
            with contextlib.suppress(Exception):
                self.ws.close(reason=CLOSE_TRY_AGAIN, message="try again later")
        except Exception:
            # A connection that can no longer be served is closed, never left silent.
            log.exception("feed_sender_failed")
            with contextlib.suppress(Exception):
                self.ws.close(reason=CLOSE_SERVER_ERROR, message="server error")

    def _deliver(self, event: dict, raw: str) -> None:
        if (event["task_id"] in self.tasks or self.all) and self.follower.accept(event):
            self._send_event(event, raw)

    def _send_event(self, event: dict, raw: str | None = None) -> None:
        task_id = event["task_id"]
        if task_id in self.seed_tasks and event.get("stage") == "running":
            return
        self.ws.send(raw or events.as_json(event))
        if event["type"] in events.TERMINAL:
            # Nothing follows an end: drop what was kept for this task, so a connection
            # following "all" for days does not grow.
            self.follower.forget(task_id)
            self.seed_tasks.discard(task_id)
            if task_id in self.tasks:
                self.tasks.discard(task_id)
                hub.unsubscribe_task(self.listener, task_id)

    def send(self, message: dict) -> None:
        self.listener.put(("send", message))

    # --- receiver: client messages ------------------------------------------------------------

    def run(self, first: str | None = None) -> None:
        """Serve the connection; ``first`` is a message read while authenticating (local
        mode), handled before the next."""
        metrics.WS_CONNECTIONS.inc()
        sender = threading.Thread(target=self._send_loop, name="kairos-ws-send", daemon=True)
        sender.start()
        try:
            if first is not None:
                self._handle(first)
            while True:
                raw = self.ws.receive()
                if raw is None:
                    continue
                self._handle(raw)
        except ConnectionClosed:
            pass
        finally:
            metrics.WS_CONNECTIONS.dec()
            hub.remove(self.listener)
            self.listener.queue.put(("close", None))

    def _handle(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            self.send(
                {"type": "error", "code": "VALIDATION_ERROR", "message": "Expected a JSON object"}
            )
            return
        handler = getattr(self, f"_on_{message.get('type')}", None)
        if message.get("type") in SHORTHANDS:
            handler = self._on_shorthand
        if handler is None:
            self.send(
                {
                    "type": "error",
                    "code": "VALIDATION_ERROR",
                    "message": f"Unknown message type: {message.get('type')!r}",
                }
            )
            return
        try:
            handler(message)
        except ApiError as exc:
            reply = {"type": "error", "code": exc.code, "message": exc.message}
            if exc.errors:
                reply["errors"] = exc.errors
            self.send(reply)

    def _on_ping(self, _message: dict) -> None:
        self.send({"type": "pong", "ts": events.now_iso()})

    def _on_subscribe(self, message: dict) -> None:
        target = message.get("task_id")
        if target == "all":
            self.all = True
            hub.subscribe_org(self.listener, self.principal.org_id)
            self.send({"type": "ack", "of": "subscribe", "task_id": "all"})
            return
        if not isinstance(target, str):
            raise ApiError(400, "VALIDATION_ERROR", "subscribe needs a task_id or 'all'")
        after = message.get("last_event_id")
        if after is not None:
            try:
                events.id_key(str(after))
            except ValueError:
                raise ApiError(
                    400, "VALIDATION_ERROR", "last_event_id is not an event id"
                ) from None
        state = task_service.state_of(self.principal, target)
        self.send({"type": "ack", "of": "subscribe", "task_id": target, "state": state})
        # Read before the hub subscription: a task not finished then sends its end live
        # (or in the stream, or after a resync), so its row need not be read again.
        self.listener.put(("subscribe", (target, after, state in FINISHED_STATES)))

    def _on_unsubscribe(self, message: dict) -> None:
        target = message.get("task_id")
        if target == "all":
            self.all = False
            hub.unsubscribe_org(self.listener, self.principal.org_id)
        elif isinstance(target, str):
            self.tasks.discard(target)
            hub.unsubscribe_task(self.listener, target)
        self.send({"type": "ack", "of": "unsubscribe", "task_id": target})

    def _on_submit(self, message: dict) -> None:
        params = message.get("params") or {}
        if not isinstance(message.get("kind"), str) or not isinstance(params, dict):
            raise ApiError(400, "VALIDATION_ERROR", "submit needs a kind and an object of params")
        self._submit(message["kind"], params, message.get("idempotency_key"))

    def _on_shorthand(self, message: dict) -> None:
        kind, field = SHORTHANDS[message["type"]]
        self._submit(kind, {field: message.get(field)}, message.get("idempotency_key"), seed=True)

    def _submit(self, kind: str, params: dict, key, seed: bool = False) -> None:
        key = task_service.checked_idempotency_key(key, "idempotency_key")
        task, _created = task_service.submit(self.principal, kind, params, key)
        if seed:
            self.seed_tasks.add(task.id)
        self.send(
            {
                "type": "ack",
                "of": "submit",
                "task_id": task.id,
                "task": task_json(task),
            }
        )
        self.listener.put(("subscribe", (task.id, None, True)))


def _ws_principal(ws) -> tuple[Principal | None, str | None]:
    """The connection's principal, and a first message to handle as usual once it is set up.

    With ``auth = "none"`` (seed 000's local mode) no credential is needed: the seed's client
    opens the socket and sends `{"type":"analyze",…}` at once, so a first message that is not
    an `auth` one (or none within AUTH_TIMEOUT) is the local owner's."""
    token = request.args.get("token")
    pending = None
    if not token:
        raw = ws.receive(timeout=AUTH_TIMEOUT)
        try:
            message = json.loads(raw) if raw else {}
        except ValueError:
            message = {}
        if isinstance(message, dict) and message.get("type") == "auth":
            token = message.get("token")
        elif raw:
            pending = raw
    if token:
        try:
            return principal_from_token(str(token)), None
        except ApiError:
            return None, None
    if get_settings().auth == "none":
        return local_principal(), pending
    return None, None


@sock.route("/api/v1/ws")
def feed(ws):
    try:
        principal, pending = _ws_principal(ws)
    except Exception:
        # After the upgrade an HTTP error page would corrupt the stream: close properly.
        log.exception("feed_auth_failed")
        ws.close(reason=CLOSE_SERVER_ERROR, message="server error")
        return
    if principal is None:
        ws.close(reason=CLOSE_UNAUTHORIZED, message="unauthorized")
        return
    connection = FeedConnection(ws, principal)
    connection.send({"type": "ack", "of": "auth", "org_id": principal.org_id})
    connection.run(first=pending)


# --- Server-Sent Events and Prefer: wait ------------------------------------------------------


def sse_response(task_id: str) -> Response:
    """Stream one task's events as ``text/event-stream`` until it ends."""
    token = request.args.get("token")
    # An empty ?token= is a bad credential, not "no credential": it never falls back.
    principal = principal_from_token(token) if token is not None else authenticate()
    task = task_service.get(principal, task_id)
    # Both places are checked when given (even empty): a bad one is never silently ignored.
    for value in (request.args.get("last_event_id"), request.headers.get("Last-Event-ID")):
        if value is None:
            continue
        try:
            events.id_key(value)
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "Last-Event-ID is not an event id") from None
    after = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")

    def frame(event: dict, raw: str | None = None) -> str:
        data = raw or events.as_json(event)
        return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"

    # Subscribe, then replay, before answering: if Redis is away this is a clean 503, not a
    # stream that breaks after its headers went out.
    listener, follower = Listener(), Follower()
    hub.subscribe_task(listener, task.id)
    try:
        stored = follower.replay(task.id, after)
    except ValueError:
        hub.remove(listener)
        raise ApiError(400, "VALIDATION_ERROR", "Last-Event-ID is not an event id") from None
    except Exception:
        hub.remove(listener)
        raise

    def stream():
        for event in stored:
            yield frame(event)
            if event["type"] in events.TERMINAL:
                return
        while True:
            try:
                op, arg = listener.queue.get(timeout=SSE_KEEPALIVE)
            except queue.Empty:
                yield ": keepalive\n\n"
                continue
            if op == "resync":
                batch = [(e, None) for e in follower.replay(task.id)]
            else:
                batch = [arg] if follower.accept(arg[0]) else []
            for event, raw in batch:
                yield frame(event, raw)
                if event["type"] in events.TERMINAL:
                    return

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = Response(
        stream_with_context(stream()), mimetype="text/event-stream", headers=headers
    )
    response.call_on_close(lambda: hub.remove(listener))
    return response


def wait_for_end(principal: Principal, task, seconds: float):
    """Hold until the task ends or ``seconds`` pass; return the freshest row."""
    if task.state in FINISHED_STATES or seconds <= 0:
        return task
    listener = Listener()
    hub.subscribe_task(listener, task.id)
    try:
        deadline = time.monotonic() + seconds
        task = task_service.get(principal, task.id)  # it may have ended before we subscribed
        while task.state not in FINISHED_STATES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                op, arg = listener.queue.get(timeout=remaining)
            except queue.Empty:
                break
            if op == "resync" or arg[0]["type"] in events.TERMINAL:
                task = task_service.get(principal, task.id)
        return task
    finally:
        hub.remove(listener)
