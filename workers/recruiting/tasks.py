"""Recruiting tasks: thin wiring from TrackedTask to the algorithms beside this module."""

from __future__ import annotations

from workers.base import TrackedTask
from workers.celery_app import celery
from workers.recruiting import agent_tasks  # noqa: F401  (the agent chat and intake tasks)


@celery.task(base=TrackedTask, bind=True, name="recruiting.match")
def match(self, **params):
    """Score the org's candidates for a job or its jobs for a candidate; logged."""
    from workers.recruiting.matching_task import run_match

    return run_match(self, params)


@celery.task(name="recruiting.trim_index_journal", ignore_result=True)
def trim_index_journal():
    """Beat: drop index journal entries older than ``recruiting_journal_days`` (a worker
    whose cached index is older than what remains rebuilds), and embeddings of deleted rows."""
    from workers.recruiting.store import trim_journal

    trim_journal()
