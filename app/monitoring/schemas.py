"""Monitoring schemas shared by its route modules: the request base (NUL refused), times,
ids, the read query, and what a probe target looks like in the document (field names as in
seed 002: camelCase). Each family's own schemas sit beside it: resource_schemas (resources,
checks, rollups), channel_schemas (notification channels), status_schemas (groups,
announcements, the org and its public status page), discovery_schemas (discovery rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema, field_properties

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


def org_field():
    return ma.fields.String(
        validate=[validate.Length(max=80)],
        metadata={"description": "The org's slug; defaults to the caller's org"},
    )


class ReadQuerySchema(Schema):
    org = org_field()
    include_hidden = ma.fields.Boolean(load_default=False)


class DeletedSchema(Schema):
    status = ma.fields.String(metadata={"example": "deleted"})


# What each resourceType's target looks like, as the document states it
# (app.monitoring.domain.targets holds the rule itself). Stated for host *names*: an address
# literal, localhost or a name that resolves to a non-public address is refused (400 naming
# `target`) by the address rule, which a pattern cannot carry. Kept in step with
# targets.parse_http / parse_tcp / parse_image.
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


def target_property(resource_type: str) -> dict:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": TARGET_MAX_LENGTHS[resource_type],
        "pattern": TARGET_PATTERNS[resource_type],
        "description": TARGET_DESCRIPTIONS[resource_type] + ADDRESS_RULE,
    }
