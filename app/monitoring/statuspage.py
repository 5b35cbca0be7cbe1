"""The public status page's data and its server-side rendering (Jinja, no build step).

One page of an org's visible, active resources (problems first, then by name), a summary of
all of them, each resource's 90 daily uptime bars (from day rollups) and the announcements
on display. The page works without JavaScript; with it, a small script follows the org's
status stream and moves each row as its resource changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import case, func, select

from app.models import Org
from app.models.monitoring import Announcement, Resource
from app.monitoring import uptime, visibility
from app.monitoring.announcements import announcement_json, shown_now

DAYS = 90
MAX_ANNOUNCEMENTS = 20
PROBLEMS_FIRST = case(
    (Resource.current_status == "not_available", 0),
    (Resource.current_status == "pending", 1),
    else_=2,
)

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


def overall(summary: dict) -> str:
    if summary["total"] == 0:
        return "unknown"
    if summary["not_available"] == summary["total"]:
        return "down"
    if summary["not_available"]:
        return "degraded"
    if summary["available"] == 0:
        return "unknown"
    return "operational"


def status_data(
    session, org: Org, level: str, page: int = 1, page_size: int = 100, now=None
) -> dict:
    """Everything the page shows, for a reader at ``level`` (HIDDEN never shows here)."""
    now = now or datetime.now(UTC)
    allowed = visibility.allowed_visibilities(level)
    base = visibility.restrict(
        select(Resource).where(Resource.org_id == org.id, Resource.active.is_(True)), allowed
    )
    sub = base.subquery()
    counts = dict(
        session.execute(
            select(sub.c.current_status, func.count()).group_by(sub.c.current_status)
        ).all()
    )
    summary = {
        "total": sum(counts.values()),
        "available": counts.get("available", 0),
        "not_available": counts.get("not_available", 0),
        "pending": counts.get("pending", 0),
    }
    summary["overall"] = overall(summary)
    rows = session.scalars(
        base.order_by(PROBLEMS_FIRST, Resource.name, Resource.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    ids = [r.id for r in rows]
    groups = visibility.groups_of(session, ids)
    bars = uptime.daily_bars(session, ids, DAYS, now)
    first_day = uptime.floor(now, "day") - timedelta(days=DAYS - 1)
    resources = []
    for row in rows:
        bar = bars[row.id]
        resources.append(
            {
                "id": row.id,
                "name": row.name,
                "resourceType": row.resource_type,
                "currentStatus": row.current_status,
                "latestCheckedAt": row.latest_checked_at,
                "latestMessage": row.latest_message,
                "groups": [g["name"] for g in groups.get(row.id, [])],
                "uptime90d": uptime.ratio(bar["ups"], bar["downs"]),
                "days": bar["days"],
            }
        )
    announcements = session.scalars(
        select(Announcement)
        .where(Announcement.org_id == org.id, shown_now(now))
        .order_by(Announcement.created_at.desc(), Announcement.id)
        .limit(MAX_ANNOUNCEMENTS)
    ).all()
    return {
        "org": {"name": org.name, "slug": org.slug},
        "summary": summary,
        "announcements": [announcement_json(a) for a in announcements],
        "resources": resources,
        "days": [(first_day + timedelta(days=i)).date().isoformat() for i in range(DAYS)],
        "page": page,
        "page_size": page_size,
    }


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.2f}%"


def _bar_class(value: float | None) -> str:
    if value is None:
        return "n"
    if value >= 0.999:
        return "u"
    if value >= 0.95:
        return "w"
    return "d"


_templates.filters["percent"] = _percent
_templates.filters["bar"] = _bar_class


def render(data: dict, events_url: str) -> str:
    pages = max(1, -(-data["summary"]["total"] // data["page_size"]))
    return _templates.get_template("status.html").render(**data, events_url=events_url, pages=pages)


def not_found_html() -> str:
    return _templates.get_template("status_not_found.html").render()
