"""Monitoring request and response schemas (field names as in seed 002: camelCase)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate

from app.http import Schema
from app.models.monitoring import (
    ANNOUNCEMENT_KINDS,
    CHANNEL_TYPES,
    CHECK_STATUSES,
    CURRENT_STATUSES,
    RESOURCE_TYPES,
    ROLLUP_PERIODS,
    VISIBILITIES,
)
from app.openapi import field_properties

ID = validate.Length(min=1, max=36)
MIN_INTERVAL, MAX_INTERVAL = 10, 86_400
MAX_GROUPS_PER_RESOURCE = 50
SLUG = validate.Regexp(
    r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$",
    error="lowercase letters, digits and dashes, not starting or ending with a dash",
)


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


class Moment(ma.fields.AwareDateTime):
    """An ISO-8601 time (naive means UTC), clamped to 1970..9999 UTC: every database stores
    that range, and a bound outside it means the same as the range's end."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        return min(max(moment, EARLIEST), LATEST)


def moment(**kwargs) -> Moment:
    return Moment(**kwargs)


class Input(Schema):
    """Request schemas: text with NUL characters is refused up front (PostgreSQL cannot
    store or even compare it), naming the field."""

    @ma.pre_load
    def _no_nul(self, data, **_kwargs):
        if isinstance(data, Mapping):  # a JSON body, or webargs' proxy of a query string
            bad = {
                key: ["must not contain NUL characters"]
                for key, value in data.items()
                if _has_nul(value)
            }
            if bad:
                raise ma.ValidationError(bad)
        return data


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def org_field():
    return ma.fields.String(
        validate=[validate.Length(max=80)],
        metadata={"description": "The org's slug; defaults to the caller's org"},
    )


# --- resources --------------------------------------------------------------------------------


class GroupRefSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    visibility = ma.fields.String(metadata={"enum": list(VISIBILITIES)})


UptimeSchema = Schema.from_dict(
    {
        name: ma.fields.Float(allow_none=True, metadata={"description": f"{name} uptime, 0..1"})
        for name in ("24h", "7d", "30d", "365d")
    },
    name="UptimeSchema",
)


class ResourceSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    resourceType = ma.fields.String(metadata={"enum": list(RESOURCE_TYPES)})
    target = ma.fields.String()
    skipTLS = ma.fields.Boolean()
    recursive = ma.fields.Boolean()
    active = ma.fields.Boolean()
    interval = ma.fields.Integer()
    timeout = ma.fields.Integer()
    retries = ma.fields.Integer()
    createdAt = ma.fields.DateTime()
    updatedAt = ma.fields.DateTime()
    currentStatus = ma.fields.String(metadata={"enum": list(CURRENT_STATUSES)})
    latestCheckStatus = ma.fields.String(
        allow_none=True, metadata={"enum": [*CHECK_STATUSES, None]}
    )
    latestCheckedAt = ma.fields.DateTime(allow_none=True)
    latestMessage = ma.fields.String(allow_none=True)
    latestErrorCode = ma.fields.String(allow_none=True)
    latestLatencyMs = ma.fields.Float(allow_none=True)
    certExpiresAt = ma.fields.DateTime(allow_none=True)
    groupId = ma.fields.String(allow_none=True)
    groupName = ma.fields.String(allow_none=True)
    groups = ma.fields.List(ma.fields.Nested(GroupRefSchema))
    visibility = ma.fields.String(
        metadata={"enum": list(VISIBILITIES), "description": "Effective: most permissive group"}
    )
    uptime = ma.fields.Nested(UptimeSchema)


# What each resourceType's target looks like, as the document states it (app.monitoring.targets
# holds the rule itself). Stated for host *names*: an address literal, localhost or a name that
# resolves to a non-public address is refused (400 naming `target`) by the address rule, which
# a pattern cannot carry. Kept in step with targets.parse_http / parse_tcp / parse_image.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
# At most four labels, so a name the pattern admits stays within DNS's 253 characters (the
# server takes longer names up to that bound too).
_HOSTNAME = rf"(?:{_LABEL}\.){{1,3}}[A-Za-z]{{2,24}}"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
# A first component followed by "/" is read as a registry if it holds a dot: without one.
_FIRST = r"[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*"
TARGET_PATTERNS = {
    "HTTP": rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOSTNAME}(?::{_PORT})?(?:[/?#][!-~]*)?$",
    "TCP": rf"^{_HOSTNAME}:{_PORT}$",
    "DOCKER": rf"^(?:[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*\.[a-z]{{2,63}}"
    rf"(?::{_PORT})?/)?(?:{_COMPONENT}|{_FIRST}(?:/{_COMPONENT}){{1,4}})"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$",
}
# An image's repository path may have 255 characters, "library/" included (parse_image).
TARGET_MAX_LENGTHS = {"HTTP": 2000, "TCP": 2000, "DOCKER": 247}
TARGET_DESCRIPTIONS = {
    "HTTP": "An http:// or https:// URL without credentials.",
    "TCP": "host:port, e.g. db.example.com:5432 (a public IPv6 literal goes in brackets).",
    "DOCKER": "An image reference as the Docker CLI reads it: nginx, nginx:1.27, "
    "ghcr.io/org/app@sha256:….",
}
ADDRESS_RULE = (
    " Probes go only to public addresses: a loopback, private, link-local or otherwise "
    "non-public address (literal or resolved now), or localhost, is a 400 naming `target`."
)


def one_of_by(
    schema_cls: type[Schema], key: str, variants: dict[str, dict], required: tuple = ()
) -> dict:
    """A `oneOf` of ``schema_cls``'s body, one branch per value of ``key``, each with its own
    property overrides (``variants[value]``): the document states a rule across fields that
    marshmallow checks in code."""
    common = field_properties(schema_cls)
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    name: prop
                    for name, prop in {
                        **common,
                        key: {"type": "string", "enum": [value]},
                        **extra,
                    }.items()
                    if prop is not None  # None: this branch takes no such field
                },
                "required": [key, *required],
                "additionalProperties": False,
            }
            for value, extra in variants.items()
        ],
        "discriminator": {"propertyName": key},
    }


def _target(resource_type: str) -> dict:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": TARGET_MAX_LENGTHS[resource_type],
        "pattern": TARGET_PATTERNS[resource_type],
        "description": TARGET_DESCRIPTIONS[resource_type] + ADDRESS_RULE,
    }


class ResourceCreateSchema(Input):
    class Meta(Input.Meta):
        openapi: dict | None = None  # set below, from the fields (one_of_by)

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    resourceType = ma.fields.String(required=True, validate=validate.OneOf(RESOURCE_TYPES))
    target = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "URL (HTTP), host:port (TCP) or image reference (DOCKER)"},
    )
    skipTLS = ma.fields.Boolean(load_default=False)
    recursive = ma.fields.Boolean(load_default=False)
    active = ma.fields.Boolean(load_default=True)
    interval = ma.fields.Integer(
        load_default=60,
        validate=validate.Range(min=MIN_INTERVAL, max=MAX_INTERVAL),
        metadata={"description": "Seconds between checks"},
    )
    timeout = ma.fields.Integer(
        load_default=15,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "Seconds one check may take"},
    )
    retries = ma.fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=10),
        metadata={"description": "Failures retried (status pending) before NOT_AVAILABLE"},
    )
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID),
        load_default=list,
        validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE),
    )


# One request schema per resourceType, each with its own `target` (marshmallow validates as
# before; check_target gives the 400 naming `target`).
ResourceCreateSchema.Meta.openapi = {
    **one_of_by(
        ResourceCreateSchema,
        "resourceType",
        {kind: {"target": _target(kind)} for kind in RESOURCE_TYPES},
        required=("name", "target"),
    ),
    "example": {"name": "Website", "resourceType": "HTTP", "target": "https://example.com/"},
}


class ResourcePatchSchema(Input):
    class Meta(Input.Meta):
        openapi: dict | None = None  # set below, from the fields (one_of_by)

    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    resourceType = ma.fields.String(
        validate=validate.OneOf(RESOURCE_TYPES),
        metadata={"description": "The stored target must fit the new type (else 400 `target`)."},
    )
    target = ma.fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={
            "description": "Checked against the body's resourceType, else the stored one, as "
            "on create (a target that does not fit is a 400 naming `target`)."
        },
    )
    skipTLS = ma.fields.Boolean()
    recursive = ma.fields.Boolean()
    active = ma.fields.Boolean()
    interval = ma.fields.Integer(validate=validate.Range(min=MIN_INTERVAL, max=MAX_INTERVAL))
    timeout = ma.fields.Integer(validate=validate.Range(min=1, max=120))
    retries = ma.fields.Integer(validate=validate.Range(min=0, max=10))
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID), validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE)
    )


# A body naming both resourceType and target is held to that type's pattern (else a 400); a
# body changing only one is checked against the record (a 409 when they do not fit).
ResourcePatchSchema.Meta.openapi = one_of_by(
    ResourcePatchSchema,
    "resourceType",
    {kind: {"target": _target(kind)} for kind in RESOURCE_TYPES},
    required=("target",),
)
ResourcePatchSchema.Meta.openapi["oneOf"].append(
    {
        "type": "object",
        "properties": field_properties(ResourcePatchSchema),
        "not": {"required": ["resourceType", "target"]},
        "additionalProperties": False,
    }
)
del ResourcePatchSchema.Meta.openapi["discriminator"]  # the last branch may omit the type


class ResourceQuerySchema(Input):
    org = org_field()
    resourceType = ma.fields.String(validate=validate.OneOf(RESOURCE_TYPES))
    status = ma.fields.String(validate=validate.OneOf(CURRENT_STATUSES))
    groupId = ma.fields.String(validate=ID)
    q = ma.fields.String(validate=validate.Length(max=200), metadata={"description": "In name"})
    include_hidden = ma.fields.Boolean(
        load_default=False, metadata={"description": "Admins: list HIDDEN resources too"}
    )


class ReadQuerySchema(Input):
    org = org_field()
    include_hidden = ma.fields.Boolean(load_default=False)


class DeletedSchema(Schema):
    status = ma.fields.String(metadata={"example": "deleted"})


# --- history and rollups ----------------------------------------------------------------------


class HistoryQuerySchema(ReadQuerySchema):
    from_ = moment(data_key="from")
    to = moment()
    status = ma.fields.String(validate=validate.OneOf(CHECK_STATUSES))


class CheckSchema(Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(CHECK_STATUSES)})
    message = ma.fields.String(allow_none=True)
    errorCode = ma.fields.String(allow_none=True)
    latencyMs = ma.fields.Float(allow_none=True)
    certExpiresAt = ma.fields.DateTime(allow_none=True)
    checkedAt = ma.fields.DateTime()


class RollupQuerySchema(ReadQuerySchema):
    period = ma.fields.String(load_default="hour", validate=validate.OneOf(ROLLUP_PERIODS))
    from_ = moment(data_key="from")
    to = moment()


class RollupSchema(Schema):
    period = ma.fields.String(metadata={"enum": list(ROLLUP_PERIODS)})
    bucketStart = ma.fields.DateTime()
    checks = ma.fields.Integer()
    ups = ma.fields.Integer()
    downs = ma.fields.Integer()
    uptime = ma.fields.Float(allow_none=True)
    latencyAvgMs = ma.fields.Float(allow_none=True)
    latencyMinMs = ma.fields.Float(allow_none=True)
    latencyMaxMs = ma.fields.Float(allow_none=True)


# --- groups -----------------------------------------------------------------------------------


class GroupSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    visibility = ma.fields.String(metadata={"enum": list(VISIBILITIES)})
    resourceIds = ma.fields.List(ma.fields.String())
    createdAt = ma.fields.DateTime()


class GroupCreateSchema(Input):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    visibility = ma.fields.String(load_default="PUBLIC", validate=validate.OneOf(VISIBILITIES))
    resourceIds = ma.fields.List(
        ma.fields.String(validate=ID), load_default=list, validate=validate.Length(max=1000)
    )


class GroupPatchSchema(Input):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    visibility = ma.fields.String(validate=validate.OneOf(VISIBILITIES))
    resourceIds = ma.fields.List(
        ma.fields.String(validate=ID),
        validate=validate.Length(max=1000),
        metadata={"description": "Replaces the group's members"},
    )


class ResourceGroupsSchema(Input):
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID),
        required=True,
        validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE),
        metadata={"description": "Replaces the resource's groups"},
    )


# --- announcements ----------------------------------------------------------------------------


class AnnouncementSchema(Schema):
    id = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": list(ANNOUNCEMENT_KINDS)})
    title = ma.fields.String(allow_none=True)
    content = ma.fields.String(metadata={"description": "Sanitized HTML"})
    createdBy = ma.fields.String()
    active = ma.fields.Boolean()
    activeUntil = ma.fields.DateTime(allow_none=True)
    createdAt = ma.fields.DateTime()
    updatedAt = ma.fields.DateTime()


class AnnouncementWriteSchema(Input):
    kind = ma.fields.String(required=True, validate=validate.OneOf(ANNOUNCEMENT_KINDS))
    title = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    content = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=20_000),
        metadata={"description": "HTML; scripts, event handlers and javascript: URLs removed"},
    )
    active = ma.fields.Boolean(required=True)
    activeUntil = moment(load_default=None, allow_none=True)


class AnnouncementQuerySchema(Input):
    org = org_field()
    active = ma.fields.Boolean(
        metadata={"description": "true: only those shown now (active, not past activeUntil)"}
    )


# --- notification channels --------------------------------------------------------------------


class ChannelSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    type = ma.fields.String(metadata={"enum": list(CHANNEL_TYPES)})
    url = ma.fields.String(allow_none=True)
    to = ma.fields.String(allow_none=True)
    enabled = ma.fields.Boolean()
    certExpiryDays = ma.fields.Integer()
    secret = ma.fields.String(
        metadata={"description": "HMAC-SHA256 key of webhook signatures (X-Kairos-Signature)"}
    )
    createdAt = ma.fields.DateTime()
    updatedAt = ma.fields.DateTime()


class ChannelCreateSchema(Input):
    class Meta(Input.Meta):
        openapi: dict | None = None  # set below, from the fields (one_of_by)

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = ma.fields.String(required=True, validate=validate.OneOf(CHANNEL_TYPES))
    url = ma.fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "webhook and slack: where to POST"},
    )
    to = ma.fields.Email(
        validate=validate.Length(max=320), metadata={"description": "email: the address"}
    )
    enabled = ma.fields.Boolean(load_default=True)
    certExpiryDays = ma.fields.Integer(load_default=14, validate=validate.Range(min=1, max=365))


_CHANNEL_URL = {
    **_target("HTTP"),
    "description": "Where to POST: an http:// or https:// URL without credentials, to a public "
    "address (a non-public one is a 400 naming `url`).",
}
_CHANNEL_TO = {"type": "string", "format": "email", "maxLength": 320}

# An email channel takes `to`, webhook and slack take `url`; the other field is refused (400
# naming it), and the one the type needs is required.
ChannelCreateSchema.Meta.openapi = {
    **one_of_by(
        ChannelCreateSchema,
        "type",
        {
            "email": {"to": _CHANNEL_TO, "url": None},
            "webhook": {"url": _CHANNEL_URL, "to": None},
            "slack": {"url": _CHANNEL_URL, "to": None},
        },
        required=("name",),
    ),
    "example": {"name": "Ops", "type": "webhook", "url": "https://hooks.example.com/kairos"},
}
for _branch in ChannelCreateSchema.Meta.openapi["oneOf"]:
    _branch["required"].append("to" if "to" in _branch["properties"] else "url")


class ChannelPatchSchema(Input):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    url = ma.fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={
            "pattern": TARGET_PATTERNS["HTTP"],
            "description": "Webhook and slack channels only (an email channel answers 400 "
            "naming `url`). " + _CHANNEL_URL["description"],
        },
    )
    to = ma.fields.Email(
        validate=validate.Length(max=320),
        metadata={
            "description": "Email channels only (a webhook or slack channel answers 400 naming "
            "`to`)."
        },
    )
    enabled = ma.fields.Boolean()
    certExpiryDays = ma.fields.Integer(validate=validate.Range(min=1, max=365))
    rotateSecret = ma.fields.Boolean(load_default=False)


class DeliverySchema(Schema):
    id = ma.fields.Integer()
    event = ma.fields.String()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    responseCode = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    resourceId = ma.fields.String(allow_none=True)
    createdAt = ma.fields.DateTime()


# --- org and status page ----------------------------------------------------------------------


class OrgSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    slug = ma.fields.String()
    statusPage = ma.fields.String(metadata={"description": "Public status page URL (path)"})


class OrgPatchSchema(Input):
    slug = ma.fields.String(required=True, validate=SLUG)


class StatusQuerySchema(Input):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    page_size = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class StatusResourceSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    resourceType = ma.fields.String()
    currentStatus = ma.fields.String()
    latestCheckedAt = ma.fields.DateTime(allow_none=True)
    latestMessage = ma.fields.String(allow_none=True)
    groups = ma.fields.List(ma.fields.String())
    uptime90d = ma.fields.Float(allow_none=True)
    days = ma.fields.List(ma.fields.Float(allow_none=True))


class StatusSummarySchema(Schema):
    total = ma.fields.Integer()
    available = ma.fields.Integer()
    not_available = ma.fields.Integer()
    pending = ma.fields.Integer()
    overall = ma.fields.String(metadata={"enum": ["operational", "degraded", "down", "unknown"]})


class StatusPageSchema(Schema):
    org = ma.fields.Dict()
    summary = ma.fields.Nested(StatusSummarySchema)
    announcements = ma.fields.List(ma.fields.Nested(AnnouncementSchema))
    resources = ma.fields.List(ma.fields.Nested(StatusResourceSchema))
    days = ma.fields.List(ma.fields.String(), metadata={"description": "Dates of the bars"})
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()


class BadgeQuerySchema(Input):
    period = ma.fields.String(
        load_default="30d", validate=validate.OneOf(("24h", "7d", "30d", "365d"))
    )
    label = ma.fields.String(validate=validate.Length(min=1, max=40))
