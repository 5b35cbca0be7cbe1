"""Every periodic job, in one place. Workloads add their entries here."""

from __future__ import annotations

from celery.schedules import schedule

SCHEDULE = {
    "platform.janitor": {
        "task": "platform.janitor",
        "schedule": schedule(60.0),
        "options": {"queue": "default", "expires": 55},
    },
}
