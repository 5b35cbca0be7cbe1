"""Helpers of the scheduler, recorder and notification tests: resources and channels written
straight to the database (the API's own tests cover creating them over HTTP), and waiting."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.db import session_scope
from app.models.monitoring import Check, NotificationChannel, NotificationLog, Resource


def org_of(client) -> str:
    return client.user["org_id"]


def add_resource(org_id: str, target: str, resource_type: str = "HTTP", **fields) -> str:
    values = {
        "name": fields.pop("name", f"{resource_type} {target}"),
        "interval": 60,
        "timeout": 5,
        "next_due_at": datetime.now(UTC),
    }
    values.update(fields)
    with session_scope() as s:
        row = Resource(org_id=org_id, resource_type=resource_type, target=target, **values)
        s.add(row)
        s.flush()
        return row.id


def add_channel(org_id: str, type_: str, **config) -> NotificationChannel:
    cert_days = config.pop("cert_expiry_days", 14)
    with session_scope() as s:
        row = NotificationChannel(
            org_id=org_id,
            name=f"{type_} channel",
            type=type_,
            config=config,
            secret="s3cret-" + "x" * 32,
            cert_expiry_days=cert_days,
        )
        s.add(row)
        s.flush()
        return row


def resource(rid: str) -> Resource:
    with session_scope() as s:
        return s.get(Resource, rid)


def checks_of(rid: str) -> list[Check]:
    with session_scope() as s:
        return list(s.scalars(select(Check).where(Check.resource_id == rid).order_by(Check.id)))


def deliveries(channel_id: str) -> list[NotificationLog]:
    with session_scope() as s:
        return list(
            s.scalars(
                select(NotificationLog)
                .where(NotificationLog.channel_id == channel_id)
                .order_by(NotificationLog.id)
            )
        )


def wait_until(predicate, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def checked_count(ids: list[str]) -> int:
    with session_scope() as s:
        return s.scalar(
            select(func.count())
            .select_from(Resource)
            .where(Resource.id.in_(ids), Resource.latest_checked_at.is_not(None))
        )
