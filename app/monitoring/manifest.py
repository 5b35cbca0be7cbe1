"""Monitoring's registration (gathered by app/workloads.py)."""

from __future__ import annotations

from celery.schedules import schedule

from app.manifest import Manifest


def beat() -> dict:
    return {
        # One entry finds every due probe (a lease per resource makes a second beat or a late
        # tick harmless); a stale tick is dropped, the next one comes a second later.
        "monitoring.dispatch": {
            "task": "monitoring.dispatch",
            "schedule": schedule(1.0),
            "options": {"queue": "probes", "expires": 2},
        },
        # Resource Discovery: each rule has its own next run (moved on when claimed); this
        # only decides how often to look.
        "monitoring.discover_due": {
            "task": "monitoring.discover_due",
            "schedule": schedule(60.0),
            "options": {"queue": "probes", "expires": 55},
        },
        # Monitoring history: whole minutes folded into hours and hours into days (idempotent,
        # so a second beat or a repeated tick is harmless), then old rows pruned.
        "monitoring.compact": {
            "task": "monitoring.compact",
            "schedule": schedule(300.0),
            "options": {"queue": "default", "expires": 280},
        },
        "monitoring.prune": {
            "task": "monitoring.prune",
            "schedule": schedule(3600.0),
            "options": {"queue": "default", "expires": 3000},
        },
    }


MANIFEST = Manifest(
    name="monitoring",
    title="Monitoring",
    kind_modules=("app.monitoring.kinds",),
    # Probe batches wait on the network: the Procfile gives `probes` a threads pool.
    queues=("probes",),
    task_modules=("workers.monitoring.tasks",),
    blueprints=("app.monitoring.routes:blp",),
    models="app.models.monitoring",
    beat=beat,
    console=True,
    client="app.client.workloads:monitoring",
)
