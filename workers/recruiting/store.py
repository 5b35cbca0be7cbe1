"""Where the index lives: in each worker process, one :class:`OrgIndex` per org (least
recently used orgs dropped past the ``recruiting_index_max_orgs`` setting), built from the
database on first use and brought up to date before every query by replaying the org's index
journal.

Writers (the API, the intake tasks, anything using the ORM) never touch the index: the flush
hooks in ``app/models/recruiting.py`` bump ``recruiting_index_state.version`` and journal the
touched ids in the same transaction. Here, a query reads the version; if the cached index is
older it reads the journal entries after its version, re-reads only those rows and applies
them as row updates (deleted rows die, changed rows move to the delta block). Versions of an
org commit in order (the bump takes the row lock), so "seen version N" means "seen every
change up to N". Reading the version before the rows makes a concurrent write harmless: it
is replayed again next time, and replaying is idempotent.

A process that has no index of an org yet loads the org's snapshot (``snapshots.py``, in the
blob store) and replays the journal after its version instead of building; it writes a
snapshot after each build and after ``snapshots.SNAPSHOT_AFTER`` versions replayed since one.

Jobs that are closed or filled are left out of the jobs side (a candidate is matched to jobs
that hire); any job can still be matched to candidates.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from app import metrics
from app.config import get_settings
from app.db import session_scope
from app.models.recruiting import Candidate, Embedding, IndexChange, IndexState, Job
from workers.recruiting import snapshots
from workers.recruiting.index import OrgIndex
from workers.recruiting.profiles import Features, candidate_features, job_features

log = logging.getLogger("kairos.recruiting.index")

HIRING = ("draft", "open", "on_hold")
CANDIDATE_COLUMNS = (
    "id",
    "full_name",
    "headline",
    "current_title",
    "resume_text",
    "notes",
    "skills",
    "experience_years",
    "location",
)
JOB_COLUMNS = (
    "id",
    "title",
    "description",
    "required_skills",
    "nice_to_have_skills",
    "min_years",
    "location",
    "remote_option",
    "status",
)
_CHUNK = 500

_cache: OrderedDict[str, OrgIndex] = OrderedDict()
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _lock(org_id: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(org_id, threading.Lock())


def candidate_rows(s, org_id: str, ids=None) -> list[tuple[int, Features]]:
    return [(row["id"], candidate_features(row)) for row in _rows(s, Candidate, org_id, ids)]


def job_rows(s, org_id: str, ids=None) -> list[tuple[int, Features]]:
    return [
        (row["id"], job_features(row))
        for row in _rows(s, Job, org_id, ids)
        if row["status"] in HIRING
    ]


def _rows(s, model, org_id: str, ids) -> list[dict]:
    names = CANDIDATE_COLUMNS if model is Candidate else JOB_COLUMNS
    columns = [getattr(model, n) for n in names]
    stmt = select(*columns).where(model.org_id == org_id)
    if ids is None:
        return [dict(zip(names, r, strict=True)) for r in s.execute(stmt.order_by(model.id))]
    ids = sorted(ids)
    out = []
    for start in range(0, len(ids), _CHUNK):
        chunk = stmt.where(model.id.in_(ids[start : start + _CHUNK]))
        out += [dict(zip(names, r, strict=True)) for r in s.execute(chunk)]
    return out


def _version(s, org_id: str) -> int:
    return s.scalar(select(IndexState.version).where(IndexState.org_id == org_id)) or 0


def build(org_id: str) -> OrgIndex:
    started = time.perf_counter()
    with session_scope() as s:
        version = _version(s, org_id)  # first: a write after this is replayed later
        candidates = candidate_rows(s, org_id)
        jobs = job_rows(s, org_id)
    index = OrgIndex(org_id, version=version)
    index.build(candidates, jobs)
    metrics.RECRUITING_INDEX_SECONDS.labels("build").observe(time.perf_counter() - started)
    log.info(
        "recruiting_index_built",
        extra={
            "org_id": org_id,
            "candidates": len(candidates),
            "jobs": len(jobs),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return index


class JournalGap(Exception):
    """The journal no longer holds every change since the index's version: rebuild."""


def refresh(index: OrgIndex) -> int:
    """Replay the journal onto ``index``; returns how many rows changed."""
    started = time.perf_counter()
    with session_scope() as s:
        version = _version(s, index.org_id)
        if version <= index.version:
            return 0
        first = s.scalar(
            select(func.min(IndexChange.version)).where(
                IndexChange.org_id == index.org_id, IndexChange.version > index.version
            )
        )
        if first is None or first > index.version + 1:
            raise JournalGap(index.org_id)
        changes = s.execute(
            select(IndexChange.entity, IndexChange.entity_id, IndexChange.op)
            .where(
                IndexChange.org_id == index.org_id,
                IndexChange.version > index.version,
                IndexChange.version <= version,
            )
            .order_by(IndexChange.version, IndexChange.id)
        ).all()
        last: dict[tuple[str, int], str] = {}
        for entity, entity_id, op in changes:
            last[(entity, entity_id)] = op
        for entity, loader in (("candidate", candidate_rows), ("job", job_rows)):
            touched = {i for (e, i), _ in last.items() if e == entity}
            wanted = {i for (e, i), op in last.items() if e == entity and op == "upsert"}
            upserts = dict(loader(s, index.org_id, wanted)) if wanted else {}
            index.sides[entity].apply(upserts, touched - set(upserts))
    index.version = version
    metrics.RECRUITING_INDEX_SECONDS.labels("refresh").observe(time.perf_counter() - started)
    return len(last)


@contextlib.contextmanager
def index_for(org_id: str):
    """The org's index, current as of now, held for the duration of a query."""
    with _lock(org_id):
        with _guard:
            index = _cache.get(org_id)
            if index is not None:
                _cache.move_to_end(org_id)
        if index is not None:
            try:
                refresh(index)
            except JournalGap:
                index = None
            if index is not None and (
                index.candidates.needs_rebuild() or index.jobs.needs_rebuild()
            ):
                index = None
        if index is None:
            index = _from_snapshot(org_id)
        if index is None:
            index = build(org_id)
            with contextlib.suppress(JournalGap):  # only if trimmed mid-build: next time
                refresh(index)
            snapshots.save(index)
        elif snapshots.due(index):
            snapshots.save(index)
        if _cache.get(org_id) is not index:
            with _guard:
                _cache[org_id] = index
                while len(_cache) > get_settings().recruiting_index_max_orgs:
                    _cache.popitem(last=False)
        yield index


def _from_snapshot(org_id: str) -> OrgIndex | None:
    """The org's snapshot brought up to date, or None when there is none worth using."""
    index = snapshots.load(org_id)
    if index is None:
        return None
    try:
        refresh(index)
    except JournalGap:
        log.info("recruiting_index_snapshot_stale", extra={"org_id": org_id})
        return None
    if index.candidates.needs_rebuild() or index.jobs.needs_rebuild():
        return None
    return index


def forget(org_id: str | None = None) -> None:
    """Drop cached indexes (tests, benchmarks)."""
    with _guard:
        if org_id is None:
            _cache.clear()
        else:
            _cache.pop(org_id, None)


def trim_journal(days: int | None = None) -> int:
    """Delete journal entries older than ``days`` (the setting by default); returns how many."""
    if days is None:
        days = get_settings().recruiting_journal_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    with session_scope() as s:
        removed = s.execute(delete(IndexChange).where(IndexChange.at < cutoff)).rowcount
        # Stored embeddings of deleted rows (they have no foreign key: one table serves both).
        orphans = 0
        for entity, model in (("candidate", Candidate), ("job", Job)):
            alive = select(model.id).where(model.id == Embedding.entity_id)
            orphans += s.execute(
                delete(Embedding).where(Embedding.entity == entity, ~alive.exists())
            ).rowcount
    log.info("recruiting_journal_trimmed", extra={"removed": removed, "embeddings": orphans})
    return removed
