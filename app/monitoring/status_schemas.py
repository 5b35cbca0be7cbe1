"""Monitoring groups, announcements, the org's slug, its public status page and badges:
what decides and fills what the public sees."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.models.monitoring import ANNOUNCEMENT_KINDS, VISIBILITIES
from app.monitoring.schemas import ID, SLUG, moment, org_field

# --- groups -----------------------------------------------------------------------------------


class GroupSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    visibility = ma.fields.String(metadata={"enum": list(VISIBILITIES)})
    resourceIds = ma.fields.List(ma.fields.String())
    createdAt = ma.fields.DateTime()


class GroupCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    visibility = ma.fields.String(load_default="PUBLIC", validate=validate.OneOf(VISIBILITIES))
    resourceIds = ma.fields.List(
        ma.fields.String(validate=ID), load_default=list, validate=validate.Length(max=1000)
    )


class GroupPatchSchema(Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    visibility = ma.fields.String(validate=validate.OneOf(VISIBILITIES))
    resourceIds = ma.fields.List(
        ma.fields.String(validate=ID),
        validate=validate.Length(max=1000),
        metadata={"description": "Replaces the group's members"},
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


class AnnouncementWriteSchema(Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(ANNOUNCEMENT_KINDS))
    title = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    content = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=20_000),
        metadata={"description": "HTML; scripts, event handlers and javascript: URLs removed"},
    )
    active = ma.fields.Boolean(required=True)
    activeUntil = moment(load_default=None, allow_none=True)


class AnnouncementQuerySchema(Schema):
    org = org_field()
    active = ma.fields.Boolean(
        metadata={"description": "true: only those shown now (active, not past activeUntil)"}
    )


# --- org and status page ----------------------------------------------------------------------


class OrgSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    slug = ma.fields.String()
    statusPage = ma.fields.String(metadata={"description": "Public status page URL (path)"})


class OrgPatchSchema(Schema):
    slug = ma.fields.String(required=True, validate=SLUG)


class StatusQuerySchema(Schema):
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


class BadgeQuerySchema(Schema):
    """Unknown parameters are ignored, not refused: an image in a README must survive a cache
    buster (`?v=2`) or a shields.io habit (`?style=flat`)."""

    class Meta(Schema.Meta):
        unknown = ma.EXCLUDE

    period = ma.fields.String(
        load_default="30d", validate=validate.OneOf(("24h", "7d", "30d", "365d"))
    )
    label = ma.fields.String(validate=validate.Length(min=1, max=40))
