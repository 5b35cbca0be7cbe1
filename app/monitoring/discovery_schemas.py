"""Resource Discovery request and response schemas (camelCase, like the rest of seed 002)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.monitoring.schemas import (
    _PORT,
    ID,
    MAX_GROUPS_PER_RESOURCE,
    MAX_INTERVAL,
    MIN_INTERVAL,
)

MIN_RUN_INTERVAL, MAX_RUN_INTERVAL = 300, 7 * 86_400
_DOMAIN = r"[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*\.[a-z]{2,63}"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
# Kept in step with app.monitoring.targets.parse_namespace: a registry host name (a dot, an
# optional port) and up to four path components; stated for host *names* (the address rule
# refuses literals and names resolving inward, which no pattern can carry).
NAMESPACE_PATTERN = rf"^{_DOMAIN}(?::{_PORT})?(?:/{_COMPONENT}){{0,4}}$"
NAMESPACE_DESCRIPTION = (
    "A registry and an optional repository path under it, e.g. ghcr.io/acme or "
    "registry.example.com:5000/team; every repository under it is monitored. The registry must "
    "be at a public address: a loopback, private, link-local or otherwise non-public one "
    "(literal or resolved now), or localhost, is a 400 naming `namespace`."
)
LAST_STATUSES = ("ok", "failed")


def _namespace(**kwargs):
    return ma.fields.String(
        validate=validate.Length(min=1, max=300),
        metadata={"pattern": NAMESPACE_PATTERN, "description": NAMESPACE_DESCRIPTION},
        **kwargs,
    )


def _interval(**kwargs):
    return ma.fields.Integer(
        validate=validate.Range(min=MIN_RUN_INTERVAL, max=MAX_RUN_INTERVAL),
        metadata={"description": "Seconds between runs"},
        **kwargs,
    )


def _check_interval(**kwargs):
    return ma.fields.Integer(
        validate=validate.Range(min=MIN_INTERVAL, max=MAX_INTERVAL),
        metadata={"description": "Check interval of the monitors it creates (seconds)"},
        **kwargs,
    )


class RuleSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    namespace = ma.fields.String()
    recursive = ma.fields.Boolean(
        metadata={
            "description": "true: a monitor per tag; false: one per repository, on its "
            "latest tag (`latest`, else the highest version)"
        }
    )
    skipTLS = ma.fields.Boolean()
    enabled = ma.fields.Boolean()
    interval = ma.fields.Integer()
    checkInterval = ma.fields.Integer()
    groupIds = ma.fields.List(ma.fields.String())
    nextRunAt = ma.fields.DateTime()
    lastRunAt = ma.fields.DateTime(allow_none=True)
    lastStatus = ma.fields.String(allow_none=True, metadata={"enum": [*LAST_STATUSES, None]})
    lastMessage = ma.fields.String(allow_none=True)
    lastErrorCode = ma.fields.String(allow_none=True)
    lastRepositories = ma.fields.Integer(allow_none=True)
    activeMonitors = ma.fields.Integer()
    inactiveMonitors = ma.fields.Integer(
        metadata={"description": "Deactivated: gone upstream, or switched off by an admin"}
    )
    createdAt = ma.fields.DateTime()
    updatedAt = ma.fields.DateTime()


class RuleCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    namespace = _namespace(required=True)
    recursive = ma.fields.Boolean(load_default=False)
    skipTLS = ma.fields.Boolean(load_default=False)
    enabled = ma.fields.Boolean(load_default=True)
    interval = _interval(load_default=3600)
    checkInterval = _check_interval(load_default=300)
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID),
        load_default=list,
        validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE),
        metadata={"description": "Groups the monitors it creates join (404 GROUP_NOT_FOUND)"},
    )


class RulePatchSchema(Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    namespace = _namespace()
    recursive = ma.fields.Boolean()
    skipTLS = ma.fields.Boolean()
    enabled = ma.fields.Boolean()
    interval = _interval()
    checkInterval = _check_interval()
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID), validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE)
    )
