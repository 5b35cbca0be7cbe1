"""The agent's one door to matching. It runs the recruiting matcher (``run_match`` of the
``recruiting.match`` task, the same engine, strategy and match log) when the worker has it; a
small skill-overlap ranking stands in otherwise, so chat answers in the same shape either way.
"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

from sqlalchemy import select

from app.models.recruiting import Candidate, Job, MatchLog
from app.platform.auth import Principal, scoped

log = logging.getLogger("kairos.recruiting.agent")


class _AsTask:
    """What ``run_match`` reads of its task: the attempt (who, which org, which task) and a
    progress sink (the chat reports its own progress)."""

    def __init__(self, owner: Principal, task_id: str | None):
        self.attempt = SimpleNamespace(org_id=owner.org_id, owner_id=owner.user_id, task_id=task_id)

    def progress(self, *_args, **_kwargs) -> None:
        pass


def match(
    session, owner: Principal, direction: str, subject_id: int, limit: int, task_id=None
) -> dict:
    engine = _engine()
    if engine is not None:
        key = "job_id" if direction == "candidates_for_job" else "candidate_id"
        params = {"direction": direction, key: subject_id, "limit": limit, "strategy": "auto"}
        return engine(_AsTask(owner, task_id), params)
    started = time.monotonic()
    result = _overlap(session, owner, direction, subject_id, limit)
    session.add(
        MatchLog(
            org_id=owner.org_id,
            requested_by=owner.caller,
            requested_by_user_id=owner.user_id,
            task_id=task_id,
            direction=direction,
            job_id=subject_id if direction == "candidates_for_job" else None,
            candidate_id=subject_id if direction == "jobs_for_candidate" else None,
            inputs={"limit": limit, "via": "agent"},
            strategy=result["strategy"],
            results=[
                {"id": m.get("candidate_id") or m.get("job_id"), "score": m["score"]}
                for m in result["matches"]
            ],
            considered=result.pop("considered"),
            duration_ms=(time.monotonic() - started) * 1000,
        )
    )
    return result


def _engine():
    """The matcher's entry point, if this worker has it."""
    try:
        from workers.recruiting.matching_task import run_match
    except ImportError:
        return None
    return run_match


def _skills(row) -> set[str]:
    if isinstance(row, Job):
        return {s.lower() for s in (row.required_skills or []) + (row.nice_to_have_skills or [])}
    return {s.lower() for s in row.skills or ()}


def _words(text: str | None) -> set[str]:
    return {w for w in (text or "").lower().replace(",", " ").split() if len(w) > 2}


def _score(job: Job, candidate: Candidate) -> tuple[int, str]:
    wanted, has = _skills(job), _skills(candidate)
    shared = sorted(wanted & has)
    skill_part = len(shared) / len(wanted) if wanted else 0.0
    title_shared = sorted(
        _words(job.title) & (_words(candidate.current_title) | _words(candidate.headline))
    )
    title_part = len(title_shared) / max(len(_words(job.title)), 1)
    score = round(100 * (0.7 * skill_part + 0.3 * title_part))
    terms = shared + [w for w in title_shared if w not in shared]
    reason = (
        f"Keyword overlap on: {', '.join(terms)}."
        if terms
        else "No overlapping skills or title words."
    )
    return score, reason


def _overlap(session, owner: Principal, direction: str, subject_id: int, limit: int) -> dict:
    if direction == "candidates_for_job":
        job = session.get(Job, subject_id)
        rows = session.scalars(scoped(select(Candidate), Candidate, owner).limit(5000)).all()
        ranked = sorted(((*_score(job, c), c) for c in rows), key=lambda t: (-t[0], t[2].id))
        matches = [
            {
                "candidate_id": c.id,
                "full_name": c.full_name,
                "current_title": c.current_title,
                "current_company": c.current_company,
                "location": c.location,
                "score": score,
                "reason": reason,
                "strategy": "naive",
            }
            for score, reason, c in ranked[:limit]
        ]
    else:
        candidate = session.get(Candidate, subject_id)
        rows = session.scalars(scoped(select(Job), Job, owner).limit(5000)).all()
        ranked = sorted(((*_score(j, candidate), j) for j in rows), key=lambda t: (-t[0], t[2].id))
        matches = [
            {
                "job_id": j.id,
                "title": j.title,
                "location": j.location,
                "status": j.status,
                "score": score,
                "reason": reason,
                "strategy": "naive",
            }
            for score, reason, j in ranked[:limit]
        ]
    return {"strategy": "naive", "matches": matches, "considered": len(rows)}
