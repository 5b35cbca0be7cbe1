"""Monitoring test helpers: resources and groups made over the API, history written as the
result recorder writes it, settings changed for one test."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import Client

BASE = "/api/v1/monitoring"


@contextlib.contextmanager
def settings(**changes):
    """Run with some settings changed (the served app reads them per request)."""
    from app.config import configure, get_settings

    before = get_settings()
    configure(dataclasses.replace(before, **changes))
    try:
        yield
    finally:
        configure(before)


@pytest.fixture
def anon(platform):
    """No credential at all."""
    return Client(platform, None)


def data(resp, status: int = 200):
    assert resp.status_code == status, resp.text
    return resp.json()["data"]


def create_resource(client, **fields) -> dict:
    body = {"name": "Site", "resourceType": "HTTP", "target": "https://93.184.215.14/"}
    body.update(fields)
    return data(client.post(f"{BASE}/resources", json=body))


def create_group(client, name: str, visibility: str = "PUBLIC", **fields) -> dict:
    return data(
        client.post(f"{BASE}/groups", json={"name": name, "visibility": visibility, **fields}),
        201,
    )


def slug_of(client) -> str:
    return data(client.get(f"{BASE}/org"))["slug"]


def record_checks(resource_id: str, statuses: list[str], *, start=None, step=timedelta(minutes=1)):
    """Write checks and their minute rollups the way the recorder does (the recorder's own
    tests cover it; these tests read what it writes). Hours and days come from compaction."""
    from sqlalchemy import select

    from app.db import session_scope
    from app.models.monitoring import Check, Resource, Rollup
    from app.monitoring.uptime import floor

    start = start or datetime.now(UTC) - step * len(statuses)
    with session_scope() as s:
        for i, status in enumerate(statuses):
            at = start + step * i
            up = status == "AVAILABLE"
            latency = 10.0 + i
            s.add(
                Check(
                    resource_id=resource_id,
                    status=status,
                    message="HTTP 200" if up else "HTTP 503",
                    error_code="200" if up else "503",
                    latency_ms=latency,
                    checked_at=at,
                )
            )
            bucket = floor(at, "minute")
            row = s.scalar(
                select(Rollup).where(
                    Rollup.resource_id == resource_id,
                    Rollup.period == "minute",
                    Rollup.bucket_start == bucket,
                )
            )
            if row is None:
                row = Rollup(
                    resource_id=resource_id,
                    period="minute",
                    bucket_start=bucket,
                    checks=0,
                    ups=0,
                    downs=0,
                    latency_sum=0.0,
                    latency_count=0,
                )
                s.add(row)
            row.checks += 1
            row.ups += up
            row.downs += not up
            row.latency_sum += latency
            row.latency_count += 1
            row.latency_min = min(row.latency_min or latency, latency)
            row.latency_max = max(row.latency_max or latency, latency)
            s.flush()
        last = statuses[-1]
        res = s.get(Resource, resource_id)
        res.latest_check_status = last
        res.current_status = "available" if last == "AVAILABLE" else "not_available"
        res.latest_checked_at = start + step * (len(statuses) - 1)
        res.latest_message = "HTTP 200" if last == "AVAILABLE" else "HTTP 503"
        res.latest_error_code = "200" if last == "AVAILABLE" else "503"


@pytest.fixture(scope="session", autouse=True)
def _stop_status_hub():
    """The status page's hub subscribes on first use; end it with the run."""
    yield
    from app.monitoring.live import status_hub

    status_hub.stop()


@pytest.fixture
def compaction_marks():
    """Marks a test's compaction moved are taken back after it: later tests write history
    in the past, which a mark at the present would hide (real checks never land there)."""
    from sqlalchemy import delete

    from app.db import session_scope
    from app.models.monitoring import Compaction

    yield
    with session_scope() as s:
        s.execute(delete(Compaction))
