"""The Celery configuration both sides share: queues, routes and the settings that make
delivery lossless, and how the API sends a task row's message.

The API builds its producer with :func:`make_celery` and enqueues by task name, so it never
imports a task module; the worker (``workers.celery_app``) uses the same function, so producer
and consumer always agree on queues, routes and serialization.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from app.platform.kinds import QUEUES, REGISTRY, load_all, longest_time_limit
from app.redis_conn import broker_url

# Task modules by name: the worker imports them; the API only needs the names.
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
