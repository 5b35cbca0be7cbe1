"""Announcements (seed 002): INFORMATION, WARNING or PROBLEM notes on the status page.

Reads are public (the org named by ``?org=<slug>`` or the caller's); writes need the admin
role. Content is HTML, sanitized on the way in. ``activeUntil`` ends an announcement's
display without anyone switching it off.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import or_, select

from app.core.errors import NotFound
from app.core.scoping import get_scoped
from app.db import session_scope
from app.models import User
from app.models.monitoring import Announcement
from app.monitoring.access import reader
from app.monitoring.blueprint import blp, org_named, public_read
from app.monitoring.html import sanitize
from app.monitoring.resources import invalid
from app.monitoring.schemas import DeletedSchema, ReadQuerySchema
from app.monitoring.status_schemas import (
    AnnouncementQuerySchema,
    AnnouncementSchema,
    AnnouncementWriteSchema,
)
from app.pagination import Rows
from app.platform.auth import current_principal, require


def announcement_json(row: Announcement) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "content": row.content,
        "createdBy": row.created_by,
        "active": row.active,
        "activeUntil": row.active_until,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def shown_now(now: datetime | None = None):
    """The clause for announcements on display: active and not past ``activeUntil``."""
    now = now or datetime.now(UTC)
    return Announcement.active.is_(True) & or_(
        Announcement.active_until.is_(None), Announcement.active_until > now
    )


def _author(session) -> str:
    principal = current_principal()
    if principal.user_id:
        email = session.scalar(select(User.email).where(User.id == principal.user_id))
        if email:
            return email
    return principal.caller


def _fields(body: dict) -> dict:
    content = sanitize(body["content"])
    if not content:
        raise invalid("content", "Nothing is left of the content once scripts are removed.")
    return {
        "kind": body["kind"],
        "title": body["title"],
        "content": content,
        "active": body["active"],
        "active_until": body["activeUntil"],
    }


@blp.route("/announcements")
class Announcements(MethodView):
    @public_read
    @org_named
    @blp.arguments(AnnouncementQuerySchema, location="query")
    @blp.response(200, AnnouncementSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """All announcements (active and inactive), newest first (public read);
        `active=true` keeps those on display now."""
        rd = reader(query.get("org"))
        stmt = select(Announcement).where(Announcement.org_id == rd.org_id)
        if query.get("active") is True:
            stmt = stmt.where(shown_now())
        elif query.get("active") is False:
            stmt = stmt.where(~shown_now())
        return Rows(
            stmt.order_by(Announcement.created_at.desc(), Announcement.id),
            lambda _s, rows: [announcement_json(r) for r in rows],
        )

    @require("admin")
    @blp.arguments(AnnouncementWriteSchema)
    @blp.response(200, AnnouncementSchema)
    def post(self, body):
        """Publish an announcement (admin); `createdBy` is the caller."""
        now = datetime.now(UTC)
        with session_scope() as s:
            row = Announcement(
                org_id=current_principal().org_id,
                created_by=_author(s),
                created_at=now,
                updated_at=now,
                **_fields(body),
            )
            s.add(row)
            s.flush()
            return announcement_json(row)


@blp.route("/announcements/<announcement_id>")
class AnnouncementById(MethodView):
    @public_read
    @blp.arguments(ReadQuerySchema, location="query")
    @blp.response(200, AnnouncementSchema)
    def get(self, query, announcement_id):
        """One announcement (public read)."""
        rd = reader(query.get("org"), org_required=False)
        stmt = select(Announcement).where(Announcement.id == announcement_id)
        if rd.org_id is not None:
            stmt = stmt.where(Announcement.org_id == rd.org_id)
        with session_scope() as s:
            row = s.scalar(stmt)
            if row is None:
                raise NotFound("announcement")
            return announcement_json(row)

    @require("admin")
    @blp.arguments(AnnouncementWriteSchema)
    @blp.response(200, AnnouncementSchema)
    def put(self, body, announcement_id):
        """Replace an announcement (admin); `createdBy` and `createdAt` are kept."""
        with session_scope() as s:
            row = get_scoped(s, Announcement, announcement_id, "announcement", current_principal())
            for key, value in _fields(body).items():
                setattr(row, key, value)
            row.updated_at = datetime.now(UTC)
            s.flush()
            return announcement_json(row)

    @require("admin")
    @blp.response(200, DeletedSchema)
    def delete(self, announcement_id):
        """Delete an announcement (admin)."""
        with session_scope() as s:
            s.delete(
                get_scoped(s, Announcement, announcement_id, "announcement", current_principal())
            )
        return {"status": "deleted"}
