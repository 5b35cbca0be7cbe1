"""`GET /api/v1/config` (seed 000): the settings in force, secrets never returned."""

from __future__ import annotations

import dataclasses

import marshmallow as ma

from app.config import SECRET_KEYS, get_settings
from app.http import Blueprint, Schema
from app.platform.auth import require
from app.platform.kinds import QUEUES

blp = Blueprint("config", __name__, url_prefix="/api/v1", description="Configuration")

# Addresses that may embed credentials are shown without them.
_URLS = ("database_url", "redis_url", "llm_base_url")


class ConfigSchema(Schema):
    settings = ma.fields.Dict(metadata={"description": "Settings in force (no secrets)"})
    secrets = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Boolean(),
        metadata={"description": "Which secrets are set"},
    )
    queues = ma.fields.List(ma.fields.String())


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


@blp.route("/config", methods=["GET"])
@require("admin")
@blp.response(200, ConfigSchema)
def config():
    """The configuration this API process runs with. Settings come from defaults,
    `kairos.toml` and `KAIROS_*` variables, and change with a restart."""
    values = dataclasses.asdict(get_settings())
    secrets = {key: bool(values.pop(key)) for key in SECRET_KEYS}
    for key in _URLS:
        values[key] = _without_credentials(values[key])
    values["cors_origins"] = list(values["cors_origins"])
    return {"settings": values, "secrets": secrets, "queues": list(QUEUES)}
