"""Monitoring resources: their records, create/patch bodies (one `oneOf` branch per
resourceType), queries, check history and rollups."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema, field_properties
from app.models.monitoring import (
    CHECK_STATUSES,
    CURRENT_STATUSES,
    RESOURCE_TYPES,
    ROLLUP_PERIODS,
    VISIBILITIES,
)
from app.monitoring.schemas import (
    ID,
    MAX_GROUPS_PER_RESOURCE,
    MAX_INTERVAL,
    MIN_INTERVAL,
    ReadQuerySchema,
    moment,
    one_of_by,
    org_field,
    target_property,
)


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


class ResourceCreateSchema(Schema):
    class Meta(Schema.Meta):
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
        {kind: {"target": target_property(kind)} for kind in RESOURCE_TYPES},
        required=("name", "target"),
    ),
    "example": {"name": "Website", "resourceType": "HTTP", "target": "https://example.com/"},
}


class ResourcePatchSchema(Schema):
    class Meta(Schema.Meta):
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
    {kind: {"target": target_property(kind)} for kind in RESOURCE_TYPES},
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


class ResourceQuerySchema(Schema):
    org = org_field()
    resourceType = ma.fields.String(validate=validate.OneOf(RESOURCE_TYPES))
    status = ma.fields.String(validate=validate.OneOf(CURRENT_STATUSES))
    groupId = ma.fields.String(validate=ID)
    q = ma.fields.String(validate=validate.Length(max=200), metadata={"description": "In name"})
    include_hidden = ma.fields.Boolean(
        load_default=False, metadata={"description": "Admins: list HIDDEN resources too"}
    )


class ResourceGroupsSchema(Schema):
    groupIds = ma.fields.List(
        ma.fields.String(validate=ID),
        required=True,
        validate=validate.Length(max=MAX_GROUPS_PER_RESOURCE),
        metadata={"description": "Replaces the resource's groups"},
    )


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
