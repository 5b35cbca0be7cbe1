"""API keys: created by admins, shown once, stored hashed with a visible prefix, revocable."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from app.core.errors import ApiError
from app.core.schema import Schema
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.http import Blueprint
from app.models import ApiKey
from app.models.platform import ROLES
from app.platform.auth import current_principal, new_api_key, require

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1", description="API keys")

SCOPES = ("service", "tasks", "admin")


class ApiKeyCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(ROLES))
    scopes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(SCOPES)), load_default=list)


class ApiKeySchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "Visible start of the key"})
    role = ma.fields.String()
    scopes = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = ma.fields.String(metadata={"description": "The key itself; shown only this once"})


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @require("admin")
    @blp.response(200, ApiKeySchema(many=True))
    def get(self):
        """The org's API keys (never the keys themselves)."""
        with session_scope() as s:
            stmt = scoped(select(ApiKey), ApiKey, current_principal()).order_by(
                ApiKey.created_at.desc()
            )
            return s.scalars(stmt).all()

    @require("admin")
    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, body):
        """Create a key; the response holds the key, which is not shown again."""
        principal = current_principal()
        if not principal.has_role(body["role"]):
            raise ApiError(403, "FORBIDDEN", "A key cannot have a higher role than its creator")
        key, prefix, digest = new_api_key()
        row = ApiKey(
            org_id=principal.org_id,
            created_by=principal.user_id,
            name=body["name"],
            prefix=prefix,
            key_hash=digest,
            role=body["role"],
            scopes=sorted(set(body["scopes"])),
        )
        with session_scope() as s:
            s.add(row)
        shown_once = {name: getattr(row, name) for name in ApiKeySchema().fields}
        return {**shown_once, "key": key}


@blp.route("/api-keys/<key_id>", methods=["DELETE"])
@require("admin")
@blp.response(200, ApiKeySchema)
def revoke_key(key_id):
    """Revoke a key; it stops working at once."""
    with session_scope() as s:
        row = get_scoped(s, ApiKey, key_id, "api key", current_principal())
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        return row
