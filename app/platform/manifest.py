"""The platform's own registration (gathered by app/workloads.py): its kinds and routes."""

from __future__ import annotations

from celery.schedules import schedule

from app.manifest import Manifest


def beat() -> dict:
    from app.config import get_settings

    every = float(get_settings().janitor_interval)
    return {
        "platform.janitor": {
            "task": "platform.janitor",
            "schedule": schedule(every),
            # A run not started before the next one is due is dropped, not queued behind it.
            "options": {"queue": "default", "expires": max(1.0, every - 5)},
        },
    }


MANIFEST = Manifest(
    name="platform",
    title="Platform",
    kind_modules=("app.platform.kinds",),
    queues=("default", "mail"),
    task_modules=("workers.platform",),
    blueprints=tuple(
        f"app.platform.{module}:blp"
        for module in (
            "accounts",
            "members",
            "apikeys",
            "cors",
            "settings_routes",
            "audit",
            "task_routes",
            "health",
        )
    ),
    models="app.models.platform",
    beat=beat,
)
