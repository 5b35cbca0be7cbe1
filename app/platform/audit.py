"""The audit trail: who changed what, when, before → after. Written in the same transaction
as the change it describes, so the trail and the state never disagree."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from app.core.principal import Principal
from app.core.schema import Schema
from app.core.scoping import scoped
from app.http import Blueprint
from app.models import AuditEvent
from app.platform.auth import current_principal, require

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit trail")


def record(
    session,
    principal: Principal,
    action: str,
    target_type: str,
    target_id: str | None,
    before: dict | None,
    after: dict | None,
    *,
    org_wide: bool = True,
) -> None:
    """Add one audit event to ``session`` (committed with the change itself). Events that
    concern the whole installation (runtime config) pass ``org_wide=False``: org ``None``."""
    session.add(
        AuditEvent(
            org_id=principal.org_id if org_wide else None,
            actor=principal.caller,
            actor_user_id=principal.user_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
        )
    )


class AuditQuerySchema(Schema):
    action = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    target_type = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


class AuditEventSchema(Schema):
    id = ma.fields.String()
    actor = ma.fields.String(metadata={"description": "user:<id> or api_key:<id>"})
    actor_user_id = ma.fields.String(allow_none=True)
    action = ma.fields.String(metadata={"example": "member.role_changed"})
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    created_at = ma.fields.DateTime()


@blp.route("/audit", methods=["GET"])
@require("admin")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate()
def audit_events(query):
    """The org's audit trail, newest first: member, invitation and API key changes."""
    stmt = scoped(select(AuditEvent), AuditEvent, current_principal())
    for field in ("action", "target_type"):
        if query.get(field):
            stmt = stmt.where(getattr(AuditEvent, field) == query[field])
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id)
