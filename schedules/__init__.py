"""Every periodic job, in one place. Workloads add their entries here."""

from __future__ import annotations

from celery.schedules import crontab, schedule

from app.config import get_settings

_JANITOR = float(get_settings().janitor_interval)

SCHEDULE = {
    "platform.janitor": {
        "task": "platform.janitor",
        "schedule": schedule(_JANITOR),
        # A run not started before the next one is due is dropped, not queued behind it.
        "options": {"queue": "default", "expires": max(1.0, _JANITOR - 5)},
    },
    # Each saved search also keeps its own last run, so a due search runs once per interval
    # even when beat restarts; this only decides how often to look.
    "careers.rerun_saved_searches": {
        "task": "careers.rerun_saved_searches",
        "schedule": schedule(float(min(get_settings().saved_search_interval, 300))),
        "options": {"queue": "search", "expires": 240},
    },
    # Monitoring: one entry finds every due probe (a lease per resource makes a second beat or
    # a late tick harmless); a stale tick is dropped, the next one comes a second later.
    "monitoring.dispatch": {
        "task": "monitoring.dispatch",
        "schedule": schedule(1.0),
        "options": {"queue": "probes", "expires": 2},
    },
    # Resource Discovery: each rule has its own next run (moved on when claimed); this only
    # decides how often to look.
    "monitoring.discover_due": {
        "task": "monitoring.discover_due",
        "schedule": schedule(60.0),
        "options": {"queue": "probes", "expires": 55},
    },
    # Recruiting: the matching index journal only needs to outlive the workers' caches.
    "recruiting.trim_index_journal": {
        "task": "recruiting.trim_index_journal",
        "schedule": schedule(3600.0),
        "options": {"queue": "default", "expires": 3000},
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
    # Dining: today's feeds for users active in the last 30 days, after midnight UTC, in
    # batches of plain tasks. Later ticks until 05:10 only pick up who has no feed yet (a
    # failed batch, a user active since).
    "dining.precompute_feeds": {
        "task": "dining.precompute_feeds",
        "schedule": crontab(minute=10, hour="0-5"),
        "options": {"queue": "feeds", "expires": 3000},
    },
}
