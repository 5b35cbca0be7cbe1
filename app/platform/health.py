"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import Response
from sqlalchemy import text

from app import metrics
from app.core.errors import ApiError
from app.core.schema import Schema
from app.db import get_engine
from app.http import Blueprint
from app.platform.kinds import QUEUES
from app.redis_conn import get_redis

blp = Blueprint("health", __name__, description="Health and metrics")


class HealthSchema(Schema):
    status = ma.fields.String()


class ReadySchema(Schema):
    database = ma.fields.String()
    redis = ma.fields.String()
    queues = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


@blp.route("/api/v1/health", methods=["GET"])
@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
def health():
    """Liveness: the API process answers."""
    return {"status": "ok"}


def live_workers() -> dict[str, list[str]]:
    """Queue → hostnames of workers whose heartbeat is fresh."""
    from app.taskqueue import HEARTBEAT_KEY

    client = get_redis()
    keys = list(client.scan_iter(match=HEARTBEAT_KEY.format("*"), count=500))
    by_queue: dict[str, list[str]] = {q: [] for q in QUEUES}
    for raw in client.mget(keys) if keys else []:
        if raw:
            beat = json.loads(raw)
            for queue in beat["queues"]:
                by_queue.setdefault(queue, []).append(beat["hostname"])
    return by_queue


@blp.route("/api/v1/ready", methods=["GET"])
@blp.response(200, ReadySchema)
def ready():
    """Readiness: the database and Redis answer and every queue has a live worker."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        raise ApiError(
            503, "NOT_READY", "Database is not reachable", {"database": ["unreachable"]}
        ) from None
    try:
        get_redis().ping()
        workers = live_workers()
    except Exception:
        raise ApiError(
            503, "NOT_READY", "Redis is not reachable", {"redis": ["unreachable"]}
        ) from None
    idle = [q for q in QUEUES if not workers.get(q)]
    if idle:
        raise ApiError(
            503,
            "NOT_READY",
            f"No live worker for queue(s): {', '.join(idle)}",
            {"queues": [f"{q}: no worker" for q in idle]},
        )
    return {"database": "ok", "redis": "ok", "queues": workers}


@blp.route("/metrics", methods=["GET"])
@blp.route("/actuator/prometheus", methods=["GET"])
@blp.doc(responses={200: {"description": "Prometheus text format"}})
def prometheus():
    """Prometheus metrics of every process on this host."""
    body, content_type = metrics.render()
    return Response(body, content_type=content_type)
