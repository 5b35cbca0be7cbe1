"""`GET/PATCH /api/v1/config` (seed 000): the settings in force, and the ones that change
without a restart. Secrets can be set, never read.

Settings are one per installation, not per org, so changing them is for the operator: the
admins and owners of the operator org (``operator_org``, by default the oldest org, which is
the one the installer registered). Every change is a new version, audited before → after.
"""

from __future__ import annotations

import dataclasses

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import runtime_config
from app.config import SECRET_KEYS, get_settings
from app.core.errors import ApiError
from app.core.schema import Schema
from app.db import session_scope
from app.http import Blueprint
from app.models import ConfigVersion
from app.pagination import Rows
from app.platform import audit
from app.platform.auth import current_principal, require
from app.platform.kinds import QUEUES
from app.platform.operator import require_operator

blp = Blueprint("config", __name__, url_prefix="/api/v1", description="Configuration")

# Addresses that may embed credentials are shown without them.
_URLS = ("database_url", "redis_url", "broker_url", "llm_base_url")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigSchema(Schema):
    settings = ma.fields.Dict(metadata={"description": "Settings in force (no secrets)"})
    secrets = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Boolean(),
        metadata={"description": "Which secrets are set"},
    )
    queues = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer(metadata={"description": "Runtime config version in force"})
    runtime_keys = ma.fields.List(
        ma.fields.String(), metadata={"description": "Settings PATCH may change"}
    )
    overrides = ma.fields.Dict(
        metadata={"description": "Runtime changes on top of file and environment (masked)"}
    )


def _text(max_len: int, min_len: int = 1, pattern: str | None = None, **kw):
    rules = [validate.Length(min_len, max_len)]
    if pattern:
        rules.append(validate.Regexp(pattern))
    return ma.fields.String(allow_none=True, validate=rules, **kw)


# What `limits` parses: "N/unit" or "N per [M] unit[s]", several joined by ";" or ",".
_ONE_RATE = r"[0-9]+ *(?:/|per) *[0-9]* *(?:second|minute|hour|day|month|year)s?"
RATE = rf"^{_ONE_RATE}(?: *[;,] *{_ONE_RATE})*$"
HTTP_URL = r"^https?://[^\s/?#]+[^\s]*$"


def _int(low: int, high: int):
    return ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(low, high))


class ConfigPatchSchema(Schema):
    """Each key replaces its value; `null` drops the runtime change (back to file/env)."""

    llm_base_url = _text(
        500, 0, pattern=r"^$|" + HTTP_URL, metadata={"description": "OpenAI-compatible base URL"}
    )
    llm_model = _text(200)
    llm_embedding_model = _text(200)
    llm_api_key = _text(500, load_only=True, metadata={"description": "Write-only"})
    rate_limit = _text(100, pattern=RATE, metadata={"example": "1200/minute"})
    auth_rate_limit = _text(100, pattern=RATE, metadata={"example": "30/minute"})
    saved_search_interval = _int(60, 7 * 24 * 3600)
    requeue_after = _int(1, 24 * 3600)
    probe_batch_size = _int(1, 10_000)
    monitoring_default_interval = _int(10, 24 * 3600)
    monitoring_check_retention_days = _int(1, 3650)
    monitoring_minute_rollup_retention_hours = _int(1, 24 * 365)
    monitoring_hour_rollup_retention_days = _int(1, 3650)
    monitoring_day_rollup_retention_days = _int(1, 36500)
    dining_feed_limit = _int(1, 50)
    log_level = ma.fields.String(allow_none=True, validate=validate.OneOf(_LEVELS))


class ConfigVersionSchema(Schema):
    version = ma.fields.Integer()
    values = ma.fields.Dict(metadata={"description": "The whole overlay (secrets masked)"})
    changed_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def _view(version: int, overlay: dict) -> dict:
    values = dataclasses.asdict(get_settings())
    secrets = {key: bool(values.pop(key)) for key in SECRET_KEYS}
    for key in _URLS:
        values[key] = _without_credentials(values[key])
    values["cors_origins"] = list(values["cors_origins"])
    return {
        "settings": values,
        "secrets": secrets,
        "queues": list(QUEUES),
        "version": version,
        "runtime_keys": list(runtime_config.runtime_keys()),
        "overrides": runtime_config.masked(overlay),
    }


@blp.route("/config", methods=["GET"])
@require("admin")
@blp.response(200, ConfigSchema)
def config():
    """The configuration in force: defaults < `kairos.toml` < `KAIROS_*` < runtime changes."""
    runtime_config.refresh(force=True)
    return _view(*runtime_config.current())


@blp.route("/config", methods=["PATCH"])
@require("admin")
@blp.arguments(ConfigPatchSchema)
@blp.response(200, ConfigSchema)
def patch_config(body):
    """Change runtime settings (operator org admins). Validated like the file; stored as a
    new version; every web, worker and beat process applies it within a few seconds."""
    principal = current_principal()
    require_operator(principal, "Runtime settings")
    version, overlay = runtime_config.current()
    if not body:  # nothing to change: no new version
        return _view(version, overlay)
    merged = {**overlay, **body}
    merged = {k: v for k, v in merged.items() if v is not None}
    try:
        merged = {**merged, **runtime_config.validate(merged, runtime_config.base_settings())}
    except ValueError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid setting", exc.args[0]) from None
    changed = sorted(k for k in body if overlay.get(k) != merged.get(k))
    try:
        with session_scope() as s:
            s.add(ConfigVersion(version=version + 1, values=merged, changed_by=principal.user_id))
            audit.record(
                s,
                principal,
                "config.changed",
                "config",
                str(version + 1),
                runtime_config.masked({k: overlay.get(k) for k in changed}),
                runtime_config.masked({k: merged.get(k) for k in changed}),
            )
    except IntegrityError:
        raise ApiError(
            409, "CONFLICT", "The configuration changed meanwhile; read it again and retry"
        ) from None
    runtime_config.refresh(force=True)
    return _view(version + 1, merged)


@blp.route("/config/versions", methods=["GET"])
@require("admin")
@blp.response(200, ConfigVersionSchema(many=True))
@blp.paginate()
def config_versions():
    """Every runtime config version, newest first (operator org admins)."""
    require_operator(current_principal(), "Runtime settings")
    return Rows(select(ConfigVersion).order_by(ConfigVersion.version.desc()), _versions_json)


def _versions_json(_session, rows) -> list[dict]:
    return [
        {
            "version": r.version,
            "values": runtime_config.masked(r.values),
            "changed_by": r.changed_by,
            "created_at": r.created_at,
        }
        for r in rows
    ]
