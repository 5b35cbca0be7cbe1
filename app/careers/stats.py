"""Application statistics for the dashboard: a pure function of the rows, easy to test."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import median

from app.models.careers import APPLICATION_STATUSES

FUNNEL = ("applied", "screening", "interviewing", "offer", "accepted")
# Statuses that mean the employer answered.
RESPONSES = {"screening", "interviewing", "offer", "rejected", "accepted"}
WEEKS = 12


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def application_stats(apps, events, now: datetime) -> dict:
    """``apps``: Application rows; ``events``: (application_id, to_status) pairs."""
    by_status = Counter(a.status for a in apps)
    applied = [a for a in apps if a.applied_at is not None]
    answered = [a for a in applied if a.first_response_at is not None]
    days = [(a.first_response_at - a.applied_at).total_seconds() / 86400 for a in answered]

    furthest: dict[str, int] = {}
    for app_id, status in events:
        if status in FUNNEL:
            furthest[app_id] = max(furthest.get(app_id, -1), FUNNEL.index(status))
    funnel = [
        {"stage": stage, "count": sum(1 for i in furthest.values() if i >= n)}
        for n, stage in enumerate(FUNNEL)
    ]

    weeks = [_week(now - timedelta(weeks=n)) for n in reversed(range(WEEKS))]
    per_week = Counter(_week(a.applied_at) for a in applied)
    return {
        "total": len(apps),
        "by_status": {status: by_status.get(status, 0) for status in APPLICATION_STATUSES},
        "response_rate": round(len(answered) / len(applied), 4) if applied else None,
        "median_days_to_first_response": round(median(days), 2) if days else None,
        "applications_per_week": [{"week": w, "count": per_week.get(w, 0)} for w in weeks],
        "funnel": funnel,
    }
