"""The Celery configuration both sides share: queues, routes and the settings that make
delivery lossless, and how the API sends a task row's message.

The API builds its producer with :func:`make_celery` and enqueues by task name, so it never
imports a task module; the worker (``workers.celery_app``) uses the same function, so producer
and consumer always agree on queues, routes and serialization. :func:`producer` is the one
this process sends with: a plain module attribute, not a Flask extension, so the task service
sends the same way from a request, a worker or the beat.
"""

from __future__ import annotations

import threading

from celery import Celery
from kombu import Exchange, Queue

from app.platform.kinds import QUEUES, REGISTRY, load_all, longest_time_limit
from app.redis_conn import broker_url
from app.workloads import MANIFESTS

# Task modules by name: the worker imports them; the API only needs the names.
TASK_MODULES = [module for m in MANIFESTS for module in m.task_modules]
HEARTBEAT_KEY = "kairos:worker:{}"
HEARTBEAT_EVERY = 10


AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://")


def is_amqp(url: str) -> bool:
    return url.startswith(AMQP_SCHEMES)


def make_celery(broker: str | None = None) -> Celery:
    """The Celery app on ``broker`` (default: ``broker_url``, else the platform's Redis)."""
    load_all()
    url = broker_url(broker)
    app = Celery("kairos", broker=url, include=TASK_MODULES)
    app.conf.update(_common_settings())
    app.conf.update(_amqp_settings() if is_amqp(url) else _redis_settings())
    return app


_producer: Celery | None = None
_producer_lock = threading.Lock()


def producer() -> Celery:
    """The Celery app this process sends with: the worker's own app in a worker (it calls
    :func:`use_producer`), else one made on first use and kept for the process."""
    global _producer
    if _producer is None:
        with _producer_lock:
            if _producer is None:
                _producer = make_celery()
    return _producer


def use_producer(app: Celery | None) -> Celery | None:
    """Send with ``app`` from now on (``None``: make one on next use); returns the previous
    one, so a test can swap in an unreachable broker and put the real one back."""
    global _producer
    with _producer_lock:
        previous, _producer = _producer, app
    return previous


def _redis_settings() -> dict:
    return {
        "task_queues": [Queue(name, routing_key=name) for name in QUEUES],
        # A running task keeps running when the connection drops: with a Redis that restarts
        # empty its message is gone, so finishing is the only way the work gets done; a Redis
        # that kept its data redelivers only after the visibility timeout, long after the
        # task ended. Either way the row ends once (TrackedTask's end guard).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "broker_transport_options": {
            # Redis re-delivers an unacknowledged message after this long: it must exceed the
            # longest task, or a slow task would run twice.
            "visibility_timeout": longest_time_limit() + 600,
            "socket_connect_timeout": 2,
            "socket_timeout": 10,
        },
    }


def _amqp_settings() -> dict:
    # Durable quorum queues (replicated, no message lost when a node restarts) bound to one
    # topic exchange: quorum queues take delayed retries through RabbitMQ's native delayed
    # delivery, which needs a topic exchange.
    exchange = Exchange("kairos", type="topic", durable=True)
    quorum = {"x-queue-type": "quorum"}
    return {
        "task_queues": [
            Queue(name, exchange, routing_key=name, durable=True, queue_arguments=quorum)
            for name in QUEUES
        ],
        "task_default_exchange": "kairos",
        "task_default_exchange_type": "topic",
        "task_default_routing_key": "default",
        # RabbitMQ puts an unacknowledged message back the moment the connection drops, so
        # another worker starts it again: stop the local copy rather than run it twice.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # A send returns only when the broker has the message (publisher confirms).
        "broker_transport_options": {"confirm_publish": True},
        "broker_heartbeat": 30,
    }


def _common_settings() -> dict:
    return dict(
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
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.4,
        },
        task_default_queue="default",
        task_routes={name: {"queue": kind.queue} for name, kind in REGISTRY.items()},
        # Flower and `celery events` see every task from the moment a worker receives it.
        # (No "task-sent" event: it would cost the API a second broker publish per submit,
        # and the task row already says "queued".)
        worker_send_task_events=True,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
    )


def declare_topology(app: Celery) -> list[str]:
    """Declare every queue of QUEUES with its exchange and binding on the broker; returns
    their names. A worker does it once at start, whatever it consumes: on a fresh RabbitMQ
    virtual host, Celery's delayed-delivery step binds *every* configured queue, and a queue
    no worker has declared yet is a 404 (an error line per queue, and no delayed retries)."""
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        channel = conn.default_channel
        for queue in app.amqp.queues.values():
            queue.bind(channel).declare()
    return sorted(app.amqp.queues)


def send_task_message(app: Celery, task, producer=None) -> None:
    """Enqueue a task row by name. The message's task id is the row id. ``producer``: one
    already acquired (a publish batch of several rows)."""
    app.send_task(
        task.kind,
        kwargs=task.params,
        task_id=task.id,
        queue=task.queue,
        retry=True,
        producer=producer,
    )
