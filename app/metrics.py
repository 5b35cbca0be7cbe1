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
SUBMIT_BATCH_ROWS = Histogram(
    "kairos_submit_batch_rows",
    "Rows written (and messages sent) per group commit of submits.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
TASKS_SUCCEEDED = Counter("kairos_tasks_succeeded", "Tasks that succeeded.", ["kind"])
TASKS_FAILED = Counter("kairos_tasks_failed", "Tasks that failed.", ["kind", "code"])
TASK_DURATION = Histogram(
    "kairos_task_duration_seconds", "Run time of a task attempt.", ["kind"], buckets=TASK_BUCKETS
)
WS_CONNECTIONS = Gauge(
    "kairos_websocket_connections", "Open WebSocket connections.", multiprocess_mode="livesum"
)

# Monitoring probes (workers/monitoring). Per-resource series come from the database at scrape
# time (MonitoringCollector), capped by monitoring_metrics_resources: bounded cardinality.
PROBE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15)
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
PROBE_CHECKS = Counter(
    "kairos_probe_checks", "Checks recorded, by probe type and result.", ["type", "status"]
)
PROBE_DURATION = Histogram(
    "kairos_probe_duration_seconds", "Time one probe took.", ["type"], buckets=PROBE_BUCKETS
)
PROBE_LAG = Histogram(
    "kairos_probe_lag_seconds",
    "Start of a scheduled probe minus its due time.",
    buckets=LAG_BUCKETS,
)
PROBE_RECORD_SECONDS = Histogram(
    "kairos_probe_record_seconds", "Time to write one batch of checks.", buckets=LATENCY_BUCKETS
)
PROBE_RECORD_FAILURES = Counter(
    "kairos_probe_record_failures", "Batches whose results could not be written (not downs)."
)
PROBE_DISPATCHED = Counter("kairos_probe_dispatched", "Resources claimed and sent to probe.")

# Dining (workers/dining, app/dining/recommendations.py).
DINING_FEEDS_BUILT = Counter(
    "kairos_dining_feeds_built", "Daily feeds stored, by origin.", ["origin"]
)  # origin: request (a miss or refresh) · batch (beat precomputation)
DINING_FEED_SECONDS = Histogram(
    "kairos_dining_feed_build_seconds", "Time to rank and store one feed batch.",
    buckets=TASK_BUCKETS,
)  # fmt: skip
DINING_FEEDS_SERVED = Counter(
    "kairos_dining_feeds_served", "Feeds served, from the day's cache or just built.", ["cache"]
)
DINING_GUARD_BLOCKED_AT_SERVE = Counter(
    "kairos_dining_guard_blocked_at_serve",
    "Stored feed items the guard removed when serving (data changed since the build).",
)
DINING_IMPORT_ROWS = Counter(
    "kairos_dining_import_rows", "Catalog rows imported, by outcome.", ["outcome"]
)  # outcome: created · updated · failed

# Recruiting agent and intake (workers/recruiting/agent, workers/recruiting/intake).
RECRUITING_AGENT_TURNS = Counter(
    "kairos_recruiting_agent_turns",
    "Agent chat turns, by intent and strategy.",
    ["intent", "strategy"],
)
# outcome: ok, or the failure code (UNREADABLE_FILE, FILE_ENCRYPTED, FILE_TOO_LARGE, NO_TEXT).
RECRUITING_UPLOADS_READ = Counter(
    "kairos_recruiting_uploads_read",
    "Uploaded job reqs and resumes read, by format and outcome.",
    ["format", "outcome"],
)

# Recruiting matching (workers/recruiting): one run's scoring, and index builds / refreshes.
RECRUITING_MATCH_SECONDS = Histogram(
    "kairos_recruiting_match_seconds",
    "Time to score one matching run through the org's index, by direction and strategy.",
    ["direction", "strategy"],
    buckets=LATENCY_BUCKETS,
)
RECRUITING_INDEX_SECONDS = Histogram(
    "kairos_recruiting_index_seconds",
    "Time to build an org's matching index, or to replay its journal (refresh).",
    ["operation"],
    buckets=TASK_BUCKETS,
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


class MonitoringCollector:
    """``kairos_monitoring_resource_up{resource_id,type}`` (1 up, 0 down; pending omitted) and
    ``kairos_monitoring_certificate_days_remaining{resource_id}``, read from the database.

    Cardinality is bounded: at most ``monitoring_metrics_resources`` resources (default 200,
    0 turns the series off), the first by id; aggregate health is in kairos_probe_checks.
    """

    def collect(self):
        from datetime import UTC, datetime

        from sqlalchemy import select

        from app.config import get_settings
        from app.db import session_scope
        from app.models.monitoring import Resource

        cap = get_settings().monitoring_metrics_resources
        if not cap:
            return
        up = GaugeMetricFamily(
            "kairos_monitoring_resource_up",
            "1 if available, 0 if not.",
            labels=["resource_id", "type"],
        )
        days = GaugeMetricFamily(
            "kairos_monitoring_certificate_days_remaining",
            "Days until the TLS certificate seen by the latest HTTPS check expires.",
            labels=["resource_id"],
        )
        try:
            with session_scope() as s:
                rows = s.execute(
                    select(
                        Resource.id,
                        Resource.resource_type,
                        Resource.current_status,
                        Resource.cert_expires_at,
                    )
                    .where(Resource.active.is_(True))
                    .order_by(Resource.id)
                    .limit(cap)
                ).all()
        except Exception:
            return  # database away: /ready says so; a scrape should still succeed
        now = datetime.now(UTC)
        for rid, rtype, status, expires in rows:
            if status in ("available", "not_available"):
                up.add_metric([rid, rtype], 1.0 if status == "available" else 0.0)
            if expires is not None:
                days.add_metric([rid], round((expires - now).total_seconds() / 86400, 2))
        yield up
        yield days


MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if not MULTIPROCESS:
    REGISTRY.register(QueueDepthCollector())
    REGISTRY.register(MonitoringCollector())


def render() -> tuple[bytes, str]:
    registry = REGISTRY
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueDepthCollector())
        registry.register(MonitoringCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
