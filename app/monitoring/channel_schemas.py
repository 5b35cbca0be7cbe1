"""Monitoring notification channels (email, webhook, slack) and their deliveries."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.models.monitoring import CHANNEL_TYPES
from app.monitoring.schemas import TARGET_PATTERNS, one_of_by, target_property


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


class ChannelCreateSchema(Schema):
    class Meta(Schema.Meta):
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
    **target_property("HTTP"),
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


class ChannelPatchSchema(Schema):
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
