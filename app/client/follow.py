"""Following a task on the WebSocket feed until it ends, with resume after a reconnect.

The feed replays a task's stored events to a new subscriber, and only those after
``last_event_id`` to one that resumes, so a dropped connection costs nothing: we reconnect
with backoff and subscribe again from the last event we showed. The end is read from the
task row (the durable truth), which also gives the result.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import websocket

from app.client.api import EXIT_AUTH, EXIT_CONNECTION, EXIT_REFUSED, Api, ClientError

TERMINAL = ("complete", "error")
RECV_TIMEOUT = 15  # then a ping; a second silent period means the connection is gone
MAX_FAILURES = 8  # consecutive failed connections before giving up (about a minute)


class _Dropped(Exception):
    pass


class Follower:
    def __init__(self, api: Api, on_event: Callable[[dict], None], connect_timeout: float = 10):
        self.api = api
        self.on_event = on_event
        self.connect_timeout = connect_timeout
        self.last_event_id: str | None = None
        self.reconnects = 0
        self.ws = None  # the connection in use
        self._delivered = False

    def follow(self, task_id: str) -> dict:
        """Show the task's events until its end; return the finished task row."""
        failures = 0
        while True:
            self._delivered = False
            try:
                self._session(task_id)
                return self.api.task(task_id)
            except (_Dropped, OSError, websocket.WebSocketException) as exc:
                # A connection that delivered events was a working one: count only the
                # failures in a row, so a long task survives many separate drops.
                failures = 1 if self._delivered else failures + 1
                if failures >= MAX_FAILURES:
                    raise ClientError(
                        f"lost the feed at {self.api.cfg.ws_url}: {exc or 'dropped'}",
                        EXIT_CONNECTION,
                        "CONNECTION_ERROR",
                    ) from None
            # The task may have ended while we were away: the row says so without the feed.
            task = self.api.task(task_id)
            if task["state"] in ("succeeded", "failed", "cancelled") and failures > 2:
                return task
            self.reconnects += 1
            time.sleep(min(0.25 * 2**failures, 8))

    def _connect(self, refreshed: bool = False):
        ws = websocket.create_connection(self.api.cfg.ws_url, timeout=self.connect_timeout)
        ws.send(json.dumps({"type": "auth", "token": self.api.cfg.token or ""}))
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_CLOSE):
                break
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            ws.close()
            if code != 4401:
                raise _Dropped()
            # An expired access token is refreshed once; anything else is an auth failure.
            if not refreshed and self.api.refresh():
                return self._connect(refreshed=True)
            raise ClientError("the feed refused the credential", EXIT_AUTH, "UNAUTHORIZED")
        message = json.loads(data)
        if message.get("type") != "ack" or message.get("of") != "auth":
            ws.close()
            raise _Dropped()
        return ws

    @staticmethod
    def _recv(ws) -> dict | None:
        try:
            raw = ws.recv()
        except websocket.WebSocketConnectionClosedException:
            return None
        if not raw:
            return None
        return json.loads(raw)

    def _session(self, task_id: str) -> None:
        ws = self.ws = self._connect()
        try:
            subscribe = {"type": "subscribe", "task_id": task_id}
            if self.last_event_id:
                subscribe["last_event_id"] = self.last_event_id
            ws.send(json.dumps(subscribe))
            ws.settimeout(RECV_TIMEOUT)
            silent = 0
            while True:
                try:
                    message = self._recv(ws)
                except websocket.WebSocketTimeoutException:
                    silent += 1
                    if silent > 1:
                        raise _Dropped() from None
                    ws.send(json.dumps({"type": "ping"}))
                    continue
                if message is None:
                    raise _Dropped()
                silent = 0
                kind = message.get("type")
                if kind == "error" and "task_id" not in message:
                    # A protocol answer (e.g. TASK_NOT_FOUND), not a task's failure.
                    raise ClientError(
                        message.get("message", "refused"), EXIT_REFUSED, message.get("code")
                    )
                if kind in ("ack", "pong") or message.get("task_id") != task_id:
                    continue
                self.last_event_id = message.get("id") or self.last_event_id
                self._delivered = True
                self.on_event(message)
                if kind in TERMINAL:
                    return
        finally:
            ws.close()


# --- showing progress ---------------------------------------------------------------------------


class PlainProgress:
    """One line per event: for logs, pipes and tests (no terminal control codes)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, event: dict) -> None:
        kind = event["type"]
        if kind == "progress":
            text = ": ".join(p for p in (event.get("stage"), event.get("message")) if p)
            self.stream.write(f"[{event.get('percent', 0):>3}%] {text}\n")
        elif kind == "error":
            self.stream.write(f"[ end] {event.get('code')}: {event.get('message')}\n")
        elif kind == "complete":
            self.stream.write("[100%] complete\n")
        self.stream.flush()


class RichProgress:
    """A live bar with the stage and message, on a terminal."""

    def __init__(self, title: str, console):
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        self.progress = Progress(
            TextColumn("[bold]{task.fields[stage]}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[message]}"),
            console=console,
            transient=False,
        )
        self.bar = self.progress.add_task(title, total=100, stage=title, message="queued")

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False

    def __call__(self, event: dict) -> None:
        kind = event["type"]
        if kind == "progress":
            self.progress.update(
                self.bar,
                completed=event.get("percent", 0),
                stage=event.get("stage") or "",
                message=event.get("message") or "",
            )
        elif kind == "complete":
            self.progress.update(self.bar, completed=100, message="done")
        elif kind == "error":
            self.progress.update(self.bar, message=f"{event.get('code')}: {event.get('message')}")
