"""Notification channels (admin): where status changes and expiring certificates are sent.

webhook: a URL that receives a signed JSON POST; slack: an incoming-webhook URL; email: an
address. URLs obey the probes' network rule (no loopback, private, link-local, … addresses).
Delivery itself is the workers' (``monitoring.notify_test`` sends a test through one).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import select

from app.core.errors import ApiError
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.monitoring import NotificationChannel, NotificationLog
from app.monitoring import kinds, netguard
from app.monitoring.blueprint import blp, conflict
from app.monitoring.channel_schemas import (
    ChannelCreateSchema,
    ChannelPatchSchema,
    ChannelSchema,
    DeliverySchema,
)
from app.monitoring.domain import targets
from app.monitoring.resources import invalid
from app.monitoring.schemas import DeletedSchema
from app.pagination import Rows
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require


def channel_json(row: NotificationChannel) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "url": row.config.get("url"),
        "to": row.config.get("to"),
        "enabled": row.enabled,
        "certExpiryDays": row.cert_expiry_days,
        "secret": row.secret,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def _check_url(url: str) -> str:
    try:
        problem = netguard.url_problem(url)
    except targets.TargetError as exc:
        raise invalid("url", str(exc)) from None
    if problem:
        raise invalid("url", problem)
    return url.strip()


def _wrong_field(field: str, message: str, stored: bool) -> ApiError:
    """A create body naming the other type's field is a 400; a change that does not fit the
    channel's stored type is a 409 (the document states bodies, not a record's type)."""
    if stored:
        return ApiError(409, "CONFLICT", message, {field: [message]})
    return invalid(field, message)


def _config(kind: str, body: dict, current: dict | None = None) -> dict:
    """The channel's config for its type; the field the type needs is required, the other
    refused (so a typo never silently does nothing). ``current``: a change to a stored one."""
    stored = current is not None
    current = current or {}
    if kind == "email":
        if "url" in body:
            raise _wrong_field("url", "An email channel takes `to`, not `url`.", stored)
        to = body.get("to", current.get("to"))
        if not to:
            raise invalid("to", "Missing data for required field.")
        return {"to": to}
    if "to" in body:
        raise _wrong_field("to", f"A {kind} channel takes `url`, not `to`.", stored)
    url = body.get("url", current.get("url"))
    if not url:
        raise invalid("url", "Missing data for required field.")
    return {"url": _check_url(url) if "url" in body else url}


@blp.route("/channels")
class Channels(MethodView):
    @require("admin")
    @blp.response(200, ChannelSchema(many=True))
    @blp.paginate()
    def get(self):
        """The org's notification channels (admin)."""
        stmt = scoped(select(NotificationChannel), NotificationChannel, current_principal())
        return Rows(
            stmt.order_by(NotificationChannel.created_at, NotificationChannel.id),
            lambda _s, rows: [channel_json(r) for r in rows],
        )

    @require("admin")
    @blp.arguments(ChannelCreateSchema)
    @blp.response(201, ChannelSchema)
    def post(self, body):
        """Add a channel (admin). Webhook bodies are signed with the returned `secret`."""
        config = _config(body["type"], body)
        now = datetime.now(UTC)
        row = NotificationChannel(
            org_id=current_principal().org_id,
            name=body["name"],
            type=body["type"],
            config=config,
            secret=secrets.token_hex(32),
            enabled=body["enabled"],
            cert_expiry_days=body["certExpiryDays"],
            created_at=now,
            updated_at=now,
        )
        with session_scope() as s:
            s.add(row)
        return channel_json(row)


@blp.route("/channels/<channel_id>")
class ChannelById(MethodView):
    @require("admin")
    @blp.response(200, ChannelSchema)
    def get(self, channel_id):
        """One channel (admin)."""
        with session_scope() as s:
            return channel_json(
                get_scoped(s, NotificationChannel, channel_id, "channel", current_principal())
            )

    @require("admin")
    @blp.arguments(ChannelPatchSchema)
    @blp.response(200, ChannelSchema)
    @conflict("CONFLICT naming the field: `url` for an email channel, `to` for another")
    def patch(self, body, channel_id):
        """Change a channel (admin); `rotateSecret` issues a new signing secret."""
        with session_scope() as s:
            row = get_scoped(s, NotificationChannel, channel_id, "channel", current_principal())
            if "url" in body or "to" in body:
                row.config = _config(row.type, body, row.config)
            for key, column in (
                ("name", "name"),
                ("enabled", "enabled"),
                ("certExpiryDays", "cert_expiry_days"),
            ):
                if key in body:
                    setattr(row, column, body[key])
            if body["rotateSecret"]:
                row.secret = secrets.token_hex(32)
            row.updated_at = datetime.now(UTC)
            s.flush()
            return channel_json(row)

    @require("admin")
    @blp.response(200, DeletedSchema)
    def delete(self, channel_id):
        """Delete a channel and its delivery log (admin)."""
        with session_scope() as s:
            s.delete(get_scoped(s, NotificationChannel, channel_id, "channel", current_principal()))
        return {"status": "deleted"}


@blp.route("/channels/<channel_id>/test", methods=["POST"])
@require("admin")
@documents_task(blp)
def test_channel(channel_id):
    """Send a test notification through the channel, as a tracked task
    (`monitoring.notify_test`); the task's result reports the delivery."""
    return accept_task(kinds.NOTIFY_TEST.name, {"channel_id": channel_id})


@blp.route("/channels/<channel_id>/deliveries")
@require("admin")
@blp.response(200, DeliverySchema(many=True))
@blp.paginate()
def channel_deliveries(channel_id):
    """The channel's delivery log, newest first (admin)."""
    with session_scope() as s:
        row = get_scoped(s, NotificationChannel, channel_id, "channel", current_principal())
    stmt = select(NotificationLog).where(NotificationLog.channel_id == row.id)
    order = (NotificationLog.created_at.desc(), NotificationLog.id.desc())
    return Rows(stmt.order_by(*order), _deliveries_json)


def _deliveries_json(_session, logs) -> list[dict]:
    return [
        {
            "id": n.id,
            "event": n.event,
            "status": n.status,
            "attempts": n.attempts,
            "responseCode": n.response_code,
            "error": n.error,
            "resourceId": n.resource_id,
            "createdAt": n.created_at,
        }
        for n in logs
    ]
