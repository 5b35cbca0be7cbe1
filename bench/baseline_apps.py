"""The baselines the platform is compared with: the least a Flask app must do for the same job.

Each is served by gunicorn with the platform's own settings (``app.gunicorn_conf``: gevent
workers, same worker_connections, same number of workers), so the difference measured is the
platform's code, not its server. Like ``app``, this module imports nothing that opens sockets
at import time: gunicorn's gevent worker patches the standard library only after forking.

- ``json_app()``: ``POST /api/v1/tasks`` answers a constant dict (the cost of Flask + gunicorn).
- ``apply_async_app()``: ``POST /api/v1/tasks`` sends the diagnostic task by name with the
  platform's Celery settings (``make_celery``), and nothing else: no auth, no row, no limits.
- ``ws_app()``: ``WS /ws`` fed by one Redis pub/sub subscription per process, fanned out to
  per-connection queues: the least a live feed on flask-sock can do.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid

from flask import Flask, jsonify, request

REDIS_URL = os.environ.get("KAIROS_REDIS_URL", "redis://127.0.0.1:6379/12")
WS_CHANNEL = "bench:events"
NOOP_KWARGS = {"steps": 1, "sleep": 0.0, "fail_at": None, "payload_bytes": 0}


def _app() -> Flask:
    app = Flask("baseline")

    @app.get("/health")
    def health():
        return {"status": "ok"}

    return app


def json_app() -> Flask:
    app = _app()
    body = {
        "status": "success",
        "data": {"id": "00000000-0000-0000-0000-000000000000", "state": "queued"},
    }

    @app.post("/api/v1/tasks")
    def submit():
        return jsonify(body), 202

    return app


def apply_async_app() -> Flask:
    from app.taskqueue import make_celery

    app = _app()
    producer = make_celery(REDIS_URL)

    @app.post("/api/v1/tasks")
    def submit():
        request.get_json()  # read the body, as any endpoint taking one would
        task_id = str(uuid.uuid4())
        # The same call the platform makes in send_task_message(), minus the row.
        producer.send_task(
            "platform.diagnostic", kwargs=NOOP_KWARGS, task_id=task_id, queue="default", retry=True
        )
        return jsonify({"status": "success", "data": {"id": task_id, "state": "queued"}}), 202

    return app


class MiniHub:
    """One subscription per process; every message goes to every local connection's queue."""

    def __init__(self):
        self.lock = threading.Lock()
        self.queues: set[queue.Queue] = set()
        self.started = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="bench-hub", daemon=True).start()
        self.started.wait(5)

    def _run(self) -> None:
        import redis

        pubsub = redis.Redis.from_url(REDIS_URL, decode_responses=True).pubsub(
            ignore_subscribe_messages=True
        )
        pubsub.subscribe(WS_CHANNEL)
        self.started.set()
        for message in pubsub.listen():
            with self.lock:
                targets = list(self.queues)
            for q in targets:
                q.put_nowait(message["data"])

    def add(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self.lock:
            self.queues.add(q)
        return q

    def remove(self, q: queue.Queue) -> None:
        with self.lock:
            self.queues.discard(q)


def ws_app() -> Flask:
    from flask_sock import Sock
    from simple_websocket import ConnectionClosed

    app = _app()
    sock = Sock(app)
    hub = MiniHub()
    hub.start()

    @sock.route("/ws")
    def feed(ws):
        q = hub.add()
        try:
            # Tells the client it is registered, as the platform's subscribe ack does.
            ws.send('{"type":"ack","of":"subscribe"}')
            while True:
                ws.send(q.get())
        except ConnectionClosed:
            pass
        finally:
            hub.remove(q)

    return app
