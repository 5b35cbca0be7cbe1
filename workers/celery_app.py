"""The worker's Celery application and its process lifecycle (fork hygiene, heartbeat).

Its configuration is ``app.taskqueue.make_celery``, shared with the API's producer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading

from celery import bootsteps, signals

from app.taskqueue import (
    HEARTBEAT_EVERY,
    HEARTBEAT_KEY,
    declare_topology,
    is_amqp,
    make_celery,
    use_producer,
)

log = logging.getLogger("kairos.worker")

celery = make_celery()
# Work a task starts (a saved search, a notification's mail) goes out through this app's
# connection pool, not a second one.
use_producer(celery)


# --- worker process lifecycle -----------------------------------------------------------------


@signals.setup_logging.connect
def _structured_logs(loglevel=None, **_kwargs):
    # Workers and beat log as the API does: one JSON object per line with the event's fields
    # (connecting here also stops Celery from installing its own plain-text handlers).
    from app.config import get_settings
    from app.logs import setup_logging

    setup_logging(loglevel or get_settings().log_level)


@signals.celeryd_after_setup.connect
def _declare_topology(sender=None, instance=None, **_kwargs):
    # Before the consumer starts (its delayed-delivery step binds every queue): the whole
    # topology, so a worker on a fresh broker starts without an error line.
    from app.mail import describe_transport

    app = getattr(instance, "app", None) or celery
    log.info("mail_transport", extra={"transport": describe_transport()})
    if not is_amqp(str(app.conf.broker_url or "")):
        return  # Redis: queues are lists that exist once written to
    try:
        queues = declare_topology(app)
    except Exception as exc:  # the broker away: the consumer retries, and declares its own
        log.warning("broker_topology_failed", extra={"error": str(exc)})
        return
    log.info("broker_topology_declared", extra={"queues": queues})


@signals.task_prerun.connect
def _refresh_config(**_kwargs):
    # Runtime settings changed by an admin reach this process within a few seconds.
    from app import runtime_config

    runtime_config.refresh()


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

    def terminate(self, worker):
        # A cold shutdown (the embedded test worker's) calls terminate, which StartStopStep
        # only passes on to a created object; without this the thread outlived its worker.
        self.stop(worker)


celery.steps["worker"].add(HeartbeatStep)
