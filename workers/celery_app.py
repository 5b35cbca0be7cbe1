"""The Celery application: queues, routes and the settings that make delivery lossless.

``make_celery()`` is the one place Celery is configured. The worker uses the module-level
``celery`` below; the API builds its own producer with the same function so it can enqueue by
task name without importing any task module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading

from celery import Celery, bootsteps, signals
from kombu import Queue

from app.platform.kinds import QUEUES, REGISTRY, load_all, longest_time_limit
from app.redis_conn import broker_url

log = logging.getLogger("kairos.worker")

TASK_MODULES = [
    "workers.platform",
    "workers.careers.tasks",
    "workers.recruiting.tasks",
    "workers.monitoring.tasks",
    "workers.dining.tasks",
]
HEARTBEAT_KEY = "kairos:worker:{}"
HEARTBEAT_EVERY = 10


def make_celery(redis_url: str | None = None) -> Celery:
    load_all()
    app = Celery("kairos", broker=broker_url(redis_url), include=TASK_MODULES)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        # The task row is the durable result; Celery keeps none of its own.
        task_ignore_result=True,
        # No loss: a message is acknowledged only after its task ends, and a task whose
        # process died goes back to the queue.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_transport_options={
            # Redis re-delivers an unacknowledged message after this long: it must exceed the
            # longest task, or a slow task would run twice.
            "visibility_timeout": longest_time_limit() + 600,
            "socket_connect_timeout": 2,
            "socket_timeout": 10,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.4,
        },
        task_default_queue="default",
        task_queues=[Queue(name, routing_key=name) for name in QUEUES],
        task_routes={name: {"queue": kind.queue} for name, kind in REGISTRY.items()},
        # Flower and `celery events` see every task from the moment a worker receives it.
        # (No "task-sent" event: it would cost the API a second broker publish per submit,
        # and the task row already says "queued".)
        worker_send_task_events=True,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
    )
    return app


def send_task_message(app: Celery, task) -> None:
    """Enqueue a task row by name. The message's task id is the row id."""
    app.send_task(task.kind, kwargs=task.params, task_id=task.id, queue=task.queue, retry=True)


celery = make_celery()


# --- worker process lifecycle -----------------------------------------------------------------


@signals.worker_process_init.connect
def _after_fork(**_kwargs):
    from app.db import dispose_after_fork
    from app.redis_conn import reset_clients

    dispose_after_fork()
    reset_clients()


class Heartbeat(threading.Thread):
    """Tells the API which queues have a live worker (read by /api/v1/ready)."""

    def __init__(self, hostname: str, queues: list[str]):
        super().__init__(name="kairos-heartbeat", daemon=True)
        self.key = HEARTBEAT_KEY.format(hostname)
        self.body = json.dumps({"hostname": hostname, "queues": queues, "pid": os.getpid()})
        self.stopped = threading.Event()

    def run(self):
        from app.redis_conn import get_redis

        while not self.stopped.is_set():
            try:
                get_redis().set(self.key, self.body, ex=HEARTBEAT_EVERY * 3)
            except Exception as exc:  # Redis away: the key expires and /ready says so
                log.warning("heartbeat_failed", extra={"error": str(exc)})
            self.stopped.wait(HEARTBEAT_EVERY)

    def stop(self):
        self.stopped.set()
        from app.redis_conn import get_redis

        with contextlib.suppress(Exception):
            get_redis().delete(self.key)


class HeartbeatStep(bootsteps.StartStopStep):
    """Runs the heartbeat for as long as the worker runs (a bootstep, so embedded workers too)."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.heartbeat: Heartbeat | None = None

    def start(self, worker):
        queues = worker.app.amqp.queues
        names = sorted(queues.consume_from or queues)
        self.heartbeat = Heartbeat(worker.hostname, names)
        self.heartbeat.start()
        log.info("worker_heartbeat_started", extra={"hostname": worker.hostname, "queues": names})

    def stop(self, worker):
        if self.heartbeat is not None:
            self.heartbeat.stop()


celery.steps["worker"].add(HeartbeatStep)
