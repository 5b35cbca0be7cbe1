"""Monitoring task kinds: what the workload's heavy work is, where it runs, what it takes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.core.scoping import get_scoped
from app.db import session_scope
from app.platform.kinds import TaskKind, register


class ProbeParams(Schema):
    resource_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=36))


class NotifyTestParams(Schema):
    channel_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=36))


class DiscoverParams(Schema):
    rule_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=36))


def _owns_rule(principal, params) -> None:
    from app.models.monitoring import DiscoveryRule

    with session_scope() as s:
        get_scoped(s, DiscoveryRule, params["rule_id"], "discovery rule", principal)


def _owns_resource(principal, params) -> None:
    from app.models.monitoring import Resource

    with session_scope() as s:
        get_scoped(s, Resource, params["resource_id"], "resource", principal)


def _owns_channel(principal, params) -> None:
    from app.models.monitoring import NotificationChannel

    with session_scope() as s:
        get_scoped(s, NotificationChannel, params["channel_id"], "channel", principal)


PROBE = register(
    TaskKind(
        name="monitoring.probe",
        queue="probes",
        schema=ProbeParams,
        role="admin",
        description="Check one resource now (HTTP, TCP or registry pull) and record the result "
        "like a scheduled check: history, rollups, status, notifications.",
        soft_time_limit=60,
        time_limit=90,
        max_retries=0,
        authorize=_owns_resource,
    )
)
NOTIFY_TEST = register(
    TaskKind(
        name="monitoring.notify_test",
        queue="probes",
        schema=NotifyTestParams,
        role="admin",
        description="Send a test notification through one channel and report the delivery.",
        soft_time_limit=60,
        time_limit=90,
        max_retries=0,
        authorize=_owns_channel,
    )
)
DISCOVER = register(
    TaskKind(
        name="monitoring.discover",
        queue="probes",
        schema=DiscoverParams,
        role="admin",
        description="Run a Resource Discovery rule now: list its registry namespace and create, "
        "update or deactivate its DOCKER monitors.",
        soft_time_limit=150,
        time_limit=180,
        max_retries=0,
        authorize=_owns_rule,
    )
)
