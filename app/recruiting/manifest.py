"""Recruiting's registration (gathered by app/workloads.py)."""

from __future__ import annotations

from celery.schedules import schedule

from app.manifest import Manifest


def beat() -> dict:
    # The matching index journal only needs to outlive the workers' caches.
    return {
        "recruiting.trim_index_journal": {
            "task": "recruiting.trim_index_journal",
            "schedule": schedule(3600.0),
            "options": {"queue": "default", "expires": 3000},
        },
    }


MANIFEST = Manifest(
    name="recruiting",
    title="Recruiting",
    kind_modules=("app.recruiting.kinds", "app.recruiting.agent_kinds"),
    queues=("default", "llm", "matching"),
    task_modules=("workers.recruiting.tasks",),
    blueprints=("app.recruiting.routes:blp",),
    models="app.models.recruiting",
    beat=beat,
    console=True,
    client="app.client.workloads:recruiting",
)
