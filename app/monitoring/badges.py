"""SVG badges (shields.io's flat style) for a resource's status and uptime, under the same
visibility policy as reading the resource: embeddable in a README without a credential for
PUBLIC and ungrouped resources."""

from __future__ import annotations

from html import escape

from flask import Response

from app.db import session_scope
from app.monitoring import reads, uptime
from app.monitoring.access import reader
from app.monitoring.blueprint import blp, public_read
from app.monitoring.status_schemas import BadgeQuerySchema

COLORS = {
    "available": "#4c1",
    "not_available": "#e05d44",
    "pending": "#9f9f9f",
    "good": "#4c1",
    "fair": "#dfb317",
    "poor": "#e05d44",
    "none": "#9f9f9f",
}
SVG_DOC = {
    "responses": {
        200: {
            "description": "An SVG badge",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        }
    }
}
# Verdana 11px advance widths, roughly: narrow, wide, and everything else.
_NARROW, _WIDE = set("iIl.,:;!|'()[] 1tfj"), set("mwMW%@")


def text_width(text: str) -> int:
    return int(sum(3.5 if c in _NARROW else 10 if c in _WIDE else 7 for c in text)) + 10


def svg(label: str, message: str, color: str) -> str:
    lw, mw = text_width(label), text_width(message)
    total = lw + mw
    label, message = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label}: {message}"><title>{label}: {message}</title>'
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{mw}" height="20" fill="{color}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11"><text x="{lw / 2}" y="14">{label}</text>'
        f'<text x="{lw + mw / 2}" y="14">{message}</text></g></svg>'
    )


def _badge(text: str) -> Response:
    # Short caching: badges are fetched by image proxies (e.g. GitHub's camo) on every view.
    return Response(text, mimetype="image/svg+xml", headers={"Cache-Control": "max-age=60, public"})


@blp.route("/resources/<resource_id>/badge/status.svg")
@blp.arguments(BadgeQuerySchema, location="query")
@blp.doc(**SVG_DOC)
@public_read
def status_badge(query, resource_id):
    """A status badge: available, not available or pending. Query parameters other than
    `period` and `label` are ignored (a cache buster such as `?v=2` keeps working)."""
    rd = reader(None, org_required=False)
    with session_scope() as s:
        row = reads.readable_resource(s, resource_id, rd, reads.allowed_for(rd))
        status = row.current_status
        label = query.get("label") or row.name
    return _badge(svg(label, status.replace("_", " "), COLORS[status]))


@blp.route("/resources/<resource_id>/badge/uptime.svg")
@blp.arguments(BadgeQuerySchema, location="query")
@blp.doc(**SVG_DOC)
@public_read
def uptime_badge(query, resource_id):
    """An uptime badge for `period` (24h, 7d, 30d, 365d), from the rollups. Other query
    parameters than `period` and `label` are ignored (`?style=flat` keeps working)."""
    rd = reader(None, org_required=False)
    with session_scope() as s:
        row = reads.readable_resource(s, resource_id, rd, reads.allowed_for(rd))
        value = uptime.uptimes(s, [row.id])[row.id][query["period"]]
        label = query.get("label") or f"uptime {query['period']}"
    if value is None:
        message, color = "no data", COLORS["none"]
    else:
        message = f"{value * 100:.2f}%".replace(".00%", "%")
        color = COLORS["good" if value >= 0.99 else "fair" if value >= 0.95 else "poor"]
    return _badge(svg(label, message, color))
