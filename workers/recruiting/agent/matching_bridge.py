"""The agent's one door to matching: the recruiting matcher itself (``run_match`` of the
``recruiting.match`` task: the same engine, strategy and match log), so chat answers rank
exactly as the API does."""

from __future__ import annotations

from types import SimpleNamespace

from app.core.principal import Principal
from workers.recruiting.matching_task import run_match


class _AsTask:
    """What ``run_match`` reads of its task: the attempt (who, which org, which task) and a
    progress sink (the chat reports its own progress)."""

    def __init__(self, owner: Principal, task_id: str | None):
        self.attempt = SimpleNamespace(org_id=owner.org_id, owner_id=owner.user_id, task_id=task_id)

    def progress(self, *_args, **_kwargs) -> None:
        pass


def match(owner: Principal, direction: str, subject_id: int, limit: int, task_id=None) -> dict:
    key = "job_id" if direction == "candidates_for_job" else "candidate_id"
    params = {"direction": direction, key: subject_id, "limit": limit, "strategy": "auto"}
    return run_match(_AsTask(owner, task_id), params)
