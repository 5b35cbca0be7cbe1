"""Dining's registration (gathered by app/workloads.py)."""

from __future__ import annotations

from celery.schedules import crontab

from app.manifest import Manifest


def beat() -> dict:
    # Today's feeds for users active in the last 30 days, after midnight UTC, in batches of
    # plain tasks. Later ticks until 05:10 only pick up who has no feed yet (a failed batch,
    # a user active since).
    return {
        "dining.precompute_feeds": {
            "task": "dining.precompute_feeds",
            "schedule": crontab(minute=10, hour="0-5"),
            "options": {"queue": "feeds", "expires": 3000},
        },
    }


MANIFEST = Manifest(
    name="dining",
    title="Dining",
    kind_modules=("app.dining.kinds",),
    queues=("default", "feeds", "llm"),
    task_modules=("workers.dining.tasks",),
    blueprints=("app.dining.routes:blp",),
    models="app.models.dining",
    beat=beat,
    console=True,
    client="app.client.workloads:dining",
)
