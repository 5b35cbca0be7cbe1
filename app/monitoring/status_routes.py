"""The org's public face: its slug, the status page (HTML at /status/<slug>, JSON beside it)
and the page's live stream of status changes (SSE)."""

from __future__ import annotations

import json
import queue
import time

from flask import Response, request, stream_with_context
from flask.views import MethodView
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.errors import ApiError
from app.db import session_scope
from app.models import Org
from app.models.monitoring import Resource
from app.monitoring import statuspage, visibility
from app.monitoring.access import ensure_slug, level_in, optional_principal, org_by_slug
from app.monitoring.blueprint import blp, conflict, public_read
from app.monitoring.live import StatusListener, status_hub
from app.monitoring.status_schemas import (
    OrgPatchSchema,
    OrgSchema,
    StatusPageSchema,
    StatusQuerySchema,
)
from app.platform.auth import current_principal, require

KEEPALIVE = 15.0
VISIBILITY_TTL = 5.0


def _org_json(org_id: str) -> dict:
    slug = ensure_slug(org_id)
    with session_scope() as s:
        org = s.get(Org, org_id)
        return {"id": org.id, "name": org.name, "slug": slug, "statusPage": f"/status/{slug}"}


@blp.route("/org")
class OrgSettings(MethodView):
    @require("viewer")
    @blp.response(200, OrgSchema)
    def get(self):
        """Your org's public slug and status page address."""
        return _org_json(current_principal().org_id)

    @require("admin")
    @conflict("Another org has that slug (CONFLICT)")
    @blp.arguments(OrgPatchSchema)
    @blp.response(200, OrgSchema)
    def patch(self, body):
        """Choose the org's slug (admin): lowercase letters, digits and dashes, unique."""
        org_id = current_principal().org_id
        try:
            with session_scope() as s:
                taken = s.scalar(select(Org.id).where(Org.slug == body["slug"], Org.id != org_id))
                if taken:
                    raise ApiError(409, "CONFLICT", f"The slug {body['slug']!r} is taken")
                s.execute(update(Org).where(Org.id == org_id).values(slug=body["slug"]))
        except IntegrityError:
            raise ApiError(409, "CONFLICT", f"The slug {body['slug']!r} is taken") from None
        return _org_json(org_id)


def _page(slug: str, query: dict) -> dict:
    org = org_by_slug(slug)
    level = level_in(optional_principal(), org.id)
    with session_scope() as s:
        return statuspage.status_data(s, org, level, query["page"], query["page_size"])


@blp.route("/status/<slug>")
@public_read
@blp.arguments(StatusQuerySchema, location="query")
@blp.response(200, StatusPageSchema)
def status_json(query, slug):
    """The status page as JSON (public): summary, visible resources with 90 daily uptime
    values, announcements on display."""
    return _page(slug, query)


def _bounded_int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(raw), low), high) if raw is not None else default
    except ValueError:
        return default


def status_html(slug: str):
    """GET /status/<slug>: the server-rendered page (registered on the app, outside /api)."""
    query = {
        "page": _bounded_int(request.args.get("page"), 1, 1, 10_000),
        "page_size": _bounded_int(request.args.get("page_size"), 50, 1, 500),
    }
    try:
        data = _page(slug, query)
    except ApiError as exc:
        if exc.status != 404:
            raise
        # A person followed a link: answer in their language, not the API's envelope.
        return Response(statuspage.not_found_html(), status=404, mimetype="text/html")
    html = statuspage.render(data, f"/api/v1/monitoring/status/{slug}/events")
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-cache"})


@blp.record_once
def _register_page(state) -> None:
    state.app.add_url_rule("/status/<slug>", "monitoring_status_page", status_html)


class _VisibleCache:
    """Which resources of the org the stream's reader may see, re-read every few seconds."""

    def __init__(self, org_id: str, level: str):
        self.org_id, self.allowed = org_id, visibility.allowed_visibilities(level)
        self.ids: set[str] = set()
        self.read_at = 0.0

    def __contains__(self, resource_id: str) -> bool:
        if time.monotonic() - self.read_at > VISIBILITY_TTL or resource_id not in self.ids:
            stmt = visibility.restrict(
                select(Resource.id).where(Resource.org_id == self.org_id), self.allowed
            )
            with session_scope() as s:
                self.ids = set(s.scalars(stmt))
            self.read_at = time.monotonic()
        return resource_id in self.ids


@blp.route("/status/<slug>/events")
@blp.doc(
    responses={
        200: {
            "description": "text/event-stream of `status` events (see docs/monitoring.md)",
            "content": {"text/event-stream": {}},
        }
    }
)
@public_read
def status_events(slug):
    """Server-Sent Events (public): the org's visible resources' status changes, live."""
    org = org_by_slug(slug)
    visible = _VisibleCache(org.id, level_in(optional_principal(), org.id))
    listener = StatusListener(org.id)
    status_hub.add(listener)

    def stream():
        try:
            yield "retry: 5000\n: connected\n\n"
            while not listener.overflowed:
                try:
                    change = listener.queue.get(timeout=KEEPALIVE)
                except queue.Empty:
                    yield ": keepalive\n\n"
                    continue
                if change.get("resource_id") not in visible:
                    continue
                body = {k: v for k, v in change.items() if k != "org_id"}
                yield f"event: status\ndata: {json.dumps(body)}\n\n"
        finally:
            status_hub.remove(listener)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(stream()), mimetype="text/event-stream", headers=headers)
