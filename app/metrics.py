"""Prometheus metrics, shared by the API and the workers.

Processes write to ``PROMETHEUS_MULTIPROC_DIR`` when it is set (the CLI sets it for every
process it starts), so one scrape of ``/metrics`` sums every gunicorn and Celery process
on the host. Queue depth is read from Redis at scrape time.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TASK_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)

HTTP_REQUESTS = Counter(
    "kairos_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "kairos_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
TASKS_SUBMITTED = Counter("kairos_tasks_submitted", "Tasks accepted by the API.", ["kind"])
TASKS_SUCCEEDED = Counter("kairos_tasks_succeeded", "Tasks that succeeded.", ["kind"])
TASKS_FAILED = Counter("kairos_tasks_failed", "Tasks that failed.", ["kind", "code"])
TASK_DURATION = Histogram(
    "kairos_task_duration_seconds", "Run time of a task attempt.", ["kind"], buckets=TASK_BUCKETS
)
WS_CONNECTIONS = Gauge(
    "kairos_websocket_connections", "Open WebSocket connections.", multiprocess_mode="livesum"
)


class QueueDepthCollector:
    """``kairos_queue_depth{queue}``: messages waiting in each broker queue."""

    def collect(self):
        from app.platform.kinds import QUEUES
        from app.redis_conn import get_redis

        family = GaugeMetricFamily("kairos_queue_depth", "Messages waiting.", labels=["queue"])
        try:
            pipe = get_redis().pipeline(transaction=False)
            for queue in QUEUES:
                pipe.llen(queue)
            for queue, depth in zip(QUEUES, pipe.execute(), strict=True):
                family.add_metric([queue], depth)
        except Exception:
            return  # Redis away: /ready reports it; a scrape should still succeed
        yield family


MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if not MULTIPROCESS:
    REGISTRY.register(QueueDepthCollector())


def render() -> tuple[bytes, str]:
    registry = REGISTRY
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueDepthCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
