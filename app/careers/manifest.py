"""Careers' registration (gathered by app/workloads.py)."""

from __future__ import annotations

from celery.schedules import schedule

from app.manifest import Manifest


def beat() -> dict:
    from app.config import get_settings

    # Each saved search also keeps its own last run, so a due search runs once per interval
    # even when beat restarts; this only decides how often to look.
    every = float(min(get_settings().saved_search_interval, 300))
    return {
        "careers.rerun_saved_searches": {
            "task": "careers.rerun_saved_searches",
            "schedule": schedule(every),
            "options": {"queue": "search", "expires": 240},
        },
    }


MANIFEST = Manifest(
    name="careers",
    title="Careers",
    kind_modules=("app.careers.kinds",),
    queues=("default", "search", "llm"),
    task_modules=("workers.careers.tasks",),
    blueprints=("app.careers.routes:blp",),
    models="app.models.careers",
    beat=beat,
    console=True,
    client="app.client.workloads:careers",
)
