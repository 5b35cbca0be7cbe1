"""The `recruiting.match` task: load the subject, score through the org's index (naive, or
openai re-ranking when an LLM is configured), write the match log, return the matches."""

from __future__ import annotations

import time

from sqlalchemy import select

from app import metrics
from app.core.errors import ApiError
from app.core.principal import Principal
from app.core.scoping import get_scoped
from app.db import session_scope
from app.models.recruiting import Candidate, Job, MatchLog
from workers import llm
from workers.base import TaskError
from workers.recruiting import matching, matching_llm, store
from workers.recruiting.profiles import candidate_features, job_features
from workers.recruiting.store import CANDIDATE_COLUMNS, JOB_COLUMNS

CANDIDATE_SHOWN = ("full_name", "current_title", "current_company", "location")
JOB_SHOWN = ("title", "location", "status")


def _subject(s, principal: Principal, model, id_: int, what: str) -> dict:
    try:
        row = get_scoped(s, model, id_, what, principal)
    except ApiError as exc:  # deleted since the request was accepted
        raise TaskError(exc.message, code=exc.code) from None
    columns = CANDIDATE_COLUMNS if model is Candidate else JOB_COLUMNS
    return {c: getattr(row, c) for c in (*columns, *_shown(model))}


def _shown(model) -> tuple[str, ...]:
    return CANDIDATE_SHOWN if model is Candidate else JOB_SHOWN


def _display(s, model, ids: list[int], org_id: str) -> dict[int, dict]:
    if not ids:
        return {}
    columns = [model.id, *(getattr(model, c) for c in _shown(model))]
    rows = s.execute(select(*columns).where(model.org_id == org_id, model.id.in_(ids)))
    return {r[0]: dict(zip(_shown(model), r[1:], strict=True)) for r in rows}


def run_match(task, params: dict) -> dict:
    attempt = task.attempt
    principal = Principal.of_user(attempt.owner_id, attempt.org_id) if attempt.owner_id else None
    principal = principal or Principal("task", attempt.task_id, attempt.org_id, "viewer")
    started = time.perf_counter()
    direction, limit = params["direction"], params["limit"]
    to_candidates = direction == "candidates_for_job"
    subject_model, other_model = (Job, Candidate) if to_candidates else (Candidate, Job)
    subject_id = params["job_id"] if to_candidates else params["candidate_id"]
    with session_scope() as s:
        subject = _subject(s, principal, subject_model, subject_id, subject_model.__name__.lower())
    features = job_features(subject) if to_candidates else candidate_features(subject)

    client = llm.from_settings()
    strategy = params.get("strategy", "auto")
    if strategy == "openai" and client is None:
        raise TaskError("No LLM is configured (llm_base_url)", code="LLM_NOT_CONFIGURED")
    use_llm = client is not None and strategy != "naive"

    task.progress(10, "indexing", "Bringing the org's matching index up to date")
    with store.index_for(attempt.org_id) as index:
        task.progress(40, "scoring", "Scoring every record")
        finder = matching.candidates_for_job if to_candidates else matching.jobs_for_candidate
        pool = limit if not use_llm else max(limit, matching_llm.RERANK_POOL)
        matches = finder(index, features, pool)
        considered = (index.candidates if to_candidates else index.jobs).n_alive()
        if use_llm:
            task.progress(60, "embedding", "Retrieving by embeddings")
            text = (matching_llm.job_text if to_candidates else matching_llm.candidate_text)(
                subject
            )
            nearest = matching_llm.retrieve(client, index, text, to_candidates, pool)
            extra = nearest - {m.id for m in matches}
            if extra:
                matches += finder(index, features, len(extra), only=extra)
    if use_llm:
        task.progress(75, "reranking", "The model re-ranks the shortlist")
        with session_scope() as s:
            rows = _rows_for_llm(s, other_model, [m.id for m in matches], attempt.org_id)
        matches = matching_llm.rerank(client, subject, to_candidates, matches, rows, limit)
    matches = matches[:limit]
    used = "openai" if use_llm else "naive"
    metrics.RECRUITING_MATCH_SECONDS.labels(direction, used).observe(time.perf_counter() - started)

    with session_scope() as s:
        shown = _display(s, other_model, [m.id for m in matches], attempt.org_id)
        id_key = "candidate_id" if to_candidates else "job_id"
        items = [
            {id_key: m.id, **shown.get(m.id, dict.fromkeys(_shown(other_model))), **m.as_dict()}
            for m in matches
        ]
        s.add(
            MatchLog(
                org_id=attempt.org_id,
                requested_by=principal.caller,
                requested_by_user_id=principal.user_id,
                task_id=attempt.task_id,
                direction=direction,
                job_id=subject_id if to_candidates else None,
                candidate_id=None if to_candidates else subject_id,
                inputs={"limit": limit, "strategy": strategy},
                strategy=used,
                results=[{"id": m.id, "score": m.score, "strategy": m.strategy} for m in matches],
                considered=considered,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        )
    subject_key = "job_id" if to_candidates else "candidate_id"
    return {subject_key: subject_id, "strategy": used, "considered": considered, "matches": items}


def _rows_for_llm(s, model, ids: list[int], org_id: str) -> dict[int, dict]:
    columns = CANDIDATE_COLUMNS if model is Candidate else JOB_COLUMNS
    names = tuple(dict.fromkeys((*columns, *_shown(model))))
    stmt = select(*(getattr(model, c) for c in names)).where(
        model.org_id == org_id, model.id.in_(ids)
    )
    return {r[0]: dict(zip(names, r, strict=True)) for r in s.execute(stmt)}
