"""The openai strategy: embeddings widen the shortlist, the model re-ranks it and explains.

1. Retrieve: every job or candidate text of the org is embedded once (``POST /embeddings``)
   and kept in ``recruiting_embeddings`` keyed by model and a hash of the text, so an edit
   makes it stale and only changed rows are embedded again. The vectors are cached on the
   org's index as one normalized matrix; the subject's vector against it is one mat-vec.
   The shortlist is the naive top ``RERANK_POOL`` plus the embedding top ``RERANK_POOL``.
2. Re-rank: the model gets the subject and the shortlist (skills, years, place, and the
   naive facts) with the same rubric as the naive formula, and answers
   ``{"matches": [{"id", "score", "reason"}]}``. Scores are clamped to integers 0-100; a
   row the model leaves out keeps its naive score and reason (marked ``naive``).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import session_scope
from app.models.recruiting import Candidate, Embedding, Job
from workers.base import TransientError
from workers.recruiting.matching import Match

RERANK_POOL = 30
EMBED_BATCH = 64
MAX_TEXT = 4000

SYSTEM = """You are a recruiting assistant ranking matches between a job and people (or a \
person and jobs). Score each item from 0 to 100 with this rubric: required skills covered \
(40%), nice-to-have skills (10%), relevance of the experience described (25%), years of \
experience against what the job asks (15%), location or remote fit (10%). Never invent facts \
not in the data. Answer only JSON: {"matches": [{"id": <int>, "score": <int 0-100>, \
"reason": "<one or two sentences a recruiter can read>"}]} with every item given, best first."""


def candidate_text(row: dict) -> str:
    parts = [
        row.get("full_name"),
        row.get("headline"),
        row.get("current_title"),
        ", ".join(row.get("skills") or []),
        row.get("location"),
        row.get("resume_text"),
    ]
    return "\n".join(p for p in parts if p)[:MAX_TEXT]


def job_text(row: dict) -> str:
    parts = [
        row.get("title"),
        ", ".join(row.get("required_skills") or []),
        ", ".join(row.get("nice_to_have_skills") or []),
        row.get("location"),
        row.get("description"),
    ]
    return "\n".join(p for p in parts if p)[:MAX_TEXT]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _normalized(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def _side_matrix(client, index, entity: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, normalized vectors) of the side's live rows, embedding what is missing."""
    model = client.embedding_model
    cache = getattr(index, "embeddings", None)
    if cache is None:
        cache = index.embeddings = {}
    hit = cache.get((entity, model))
    if hit is not None and hit[0] == index.version:
        return hit[1], hit[2]
    table, text_of = (Candidate, candidate_text) if entity == "candidate" else (Job, job_text)
    from workers.recruiting.store import CANDIDATE_COLUMNS, JOB_COLUMNS

    names = CANDIDATE_COLUMNS if entity == "candidate" else JOB_COLUMNS
    try:
        ids, vectors = _embedded(client, index, entity, model, table, text_of, names)
    except IntegrityError:  # another worker stored the same row's vector meanwhile
        raise TransientError("Embeddings were written concurrently; retrying") from None
    matrix = _normalized(vectors) if len(vectors) else np.zeros((0, 1), dtype=np.float32)
    cache[(entity, model)] = (index.version, ids, matrix)
    return ids, matrix


def _embedded(client, index, entity, model, table, text_of, names):
    from workers.recruiting.store import HIRING

    with session_scope() as s:
        stmt = select(*(getattr(table, n) for n in names)).where(table.org_id == index.org_id)
        rows = [dict(zip(names, r, strict=True)) for r in s.execute(stmt)]
        if entity == "job":
            rows = [r for r in rows if r["status"] in HIRING]
        texts = {r["id"]: text_of(r) for r in rows}
        stored = {
            e.entity_id: e
            for e in s.scalars(
                select(Embedding).where(
                    Embedding.org_id == index.org_id,
                    Embedding.entity == entity,
                    Embedding.model == model,
                )
            )
        }
        stale = [
            i for i, t in texts.items() if i not in stored or stored[i].content_hash != _hash(t)
        ]
        for start in range(0, len(stale), EMBED_BATCH):
            batch = stale[start : start + EMBED_BATCH]
            for entity_id, vector in zip(
                batch, client.embed([texts[i] for i in batch]), strict=True
            ):
                blob = np.asarray(vector, dtype="<f4").tobytes()
                row = stored.get(entity_id)
                if row is None:
                    row = stored[entity_id] = Embedding(
                        org_id=index.org_id, entity=entity, entity_id=entity_id, model=model
                    )
                    s.add(row)
                row.content_hash, row.vector = _hash(texts[entity_id]), blob
        ids = np.array(sorted(texts), dtype=np.int64)
        vectors = [np.frombuffer(stored[i].vector, dtype="<f4") for i in ids]
    return ids, vectors


def retrieve(client, index, subject_text: str, to_candidates: bool, pool: int) -> set[int]:
    """Ids of the rows nearest to the subject by embedding."""
    ids, matrix = _side_matrix(client, index, "candidate" if to_candidates else "job")
    if not len(ids):
        return set()
    query = _normalized([client.embed([subject_text])[0]])[0]
    sims = matrix @ query
    top = np.argsort(-sims, kind="stable")[:pool]
    return {int(i) for i in ids[top]}


def _item(row: dict, match: Match, to_candidates: bool) -> dict:
    facts = {
        "id": match.id,
        "naive_score": match.score,
        "matched_required": match.matched_skills,
        "missing_required": match.missing_skills,
    }
    if to_candidates:
        keep = ("full_name", "current_title", "experience_years", "location", "skills")
        return {**facts, **{k: row.get(k) for k in keep}, "text": candidate_text(row)[:800]}
    keep = ("title", "location", "remote_option", "min_years", "required_skills")
    return {**facts, **{k: row.get(k) for k in keep}, "text": job_text(row)[:800]}


def rerank(client, subject: dict, to_candidates: bool, matches, rows, limit) -> list[Match]:
    by_id = {m.id: m for m in matches}
    subject_view = job_text(subject) if to_candidates else candidate_text(subject)
    items = [_item(rows[m.id], m, to_candidates) for m in matches if m.id in rows]
    prompt = json.dumps(
        {
            "subject": "job" if to_candidates else "candidate",
            "subject_text": subject_view,
            "items": items,
            "return_top": limit,
        },
        default=str,
    )
    answer = client.complete_json(SYSTEM, prompt)
    ranked = []
    for entry in answer.get("matches") or []:
        if not isinstance(entry, dict):
            continue
        try:
            match = by_id.get(int(entry.get("id")))
            score = int(round(float(entry.get("score"))))
        except (TypeError, ValueError):
            continue
        if match is None or match.strategy == "openai":
            continue
        match.score = max(0, min(100, score))
        match.raw = float(match.score)
        reason = str(entry.get("reason") or "").strip()
        match.reason = reason[:1000] or match.reason
        match.strategy = "openai"
        ranked.append(match)
    rest = [m for m in matches if m.strategy != "openai"]
    out = sorted(ranked + rest, key=lambda m: (-m.score, m.strategy != "openai", m.id))
    return out[:limit]
