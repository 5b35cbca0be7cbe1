"""The task row's state changes, written by :class:`workers.base.TrackedTask`.

Statements are built once per process and executed as plain statements: building an ORM
UPDATE per call (and the session's synchronization of it) cost more CPU than the database
spent running it.

Where several tasks of one process start or end together (a thread or gevent pool), their
writes go out together (:class:`app.batching.GroupCommit`): the starts as one ``UPDATE … WHERE
id IN (…) RETURNING``, the ends in one transaction (one ``executemany`` per shape, one
commit) followed by one Redis pipeline carrying every ended task's last events. A task that
starts or ends alone writes at once, as before.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from sqlalchemy import bindparam, update

from app import events
from app.batching import GroupCommit
from app.config import get_settings
from app.db import get_engine
from app.models import Task as TaskRow

log = logging.getLogger("kairos.task")

_TASKS = TaskRow.__table__
# A batch is bounded by the pool's own concurrency; this only caps one statement's size.
MAX_BATCH = 200


def utcnow() -> datetime:
    return datetime.now(UTC)


def _start_statement(states: tuple[str, ...]):
    c = _TASKS.c
    return (
        update(_TASKS)
        .where(c.id.in_(bindparam("_ids", expanding=True)), c.state.in_(states))
        .values(
            state="running",
            attempts=c.attempts + 1,
            started_at=bindparam("_now", type_=c.started_at.type),
            updated_at=bindparam("_now", type_=c.updated_at.type),
            worker=bindparam("_worker", type_=c.worker.type),
        )
        .returning(c.id, c.org_id, c.owner_id, c.kind, c.attempts)
    )


_START = _start_statement(("queued", "retrying"))
# A redelivery: our own earlier attempt died with its process and the broker gave it back.
_START_REDELIVERED = _start_statement(("queued", "retrying", "running"))
_FINISH: dict[tuple[str, ...], object] = {}


def finish_statement(columns: tuple[str, ...]):
    """``UPDATE … SET <columns> WHERE id=? AND state='running' AND attempts=?``, cached by
    the set of columns (a handful of shapes: progress, success, failure, retry)."""
    stmt = _FINISH.get(columns)
    if stmt is None:
        c = _TASKS.c
        stmt = _FINISH[columns] = (
            update(_TASKS)
            .where(
                c.id == bindparam("_id"),
                c.state == "running",
                c.attempts == bindparam("_attempt"),
            )
            .values({name: bindparam(name, type_=c[name].type) for name in columns})
        )
    return stmt


# --- starts ------------------------------------------------------------------------------------


def _write_starts(items: list[tuple[str, bool, str]]) -> list:
    """items: (task id, redelivered, worker) → (org_id, owner_id, kind, attempt) or None."""
    found: dict[tuple[str, bool], tuple] = {}
    now = utcnow()
    with get_engine().begin() as conn:
        for redelivered in (False, True):
            ids = list({task_id for task_id, r, _w in items if r is redelivered})
            if not ids:
                continue
            worker = next(w for _t, r, w in items if r is redelivered)
            stmt = _START_REDELIVERED if redelivered else _START
            for row in conn.execute(stmt, {"_ids": ids, "_now": now, "_worker": worker}):
                found[(row[0], redelivered)] = tuple(row[1:])
    outcomes = []
    for task_id, redelivered, _worker in items:
        # A duplicate message in the same batch: the row started once, the copy is skipped.
        outcomes.append(found.pop((task_id, redelivered), None))
    return outcomes


# --- ends (and every other write of a running attempt) ------------------------------------


def _write_ends(items: list) -> list[bool]:
    """items: (attempt, values, events to publish if the row changed) → changed?"""
    changed = _update_rows(items)
    groups = []
    for (attempt, _values, batch), ok in zip(items, changed, strict=True):
        if ok and batch:
            groups.append((attempt, batch))
    if groups:
        _publish_groups(groups)
    return changed


def _update_rows(items: list) -> list[bool]:
    shapes: dict[tuple[str, ...], list[dict]] = {}
    for attempt, values, _batch in items:
        params = {**values, "_id": attempt.task_id, "_attempt": attempt.number}
        shapes.setdefault(tuple(values), []).append(params)
    engine = get_engine()
    with engine.connect() as conn:
        with conn.begin() as tx:
            total = 0
            for columns, rows in shapes.items():
                result = conn.execute(finish_statement(columns), rows)
                total += result.rowcount
            if total == len(items):
                return [True] * len(items)
            # Some attempt was cancelled or superseded meanwhile: learn which, row by row.
            tx.rollback()
        with conn.begin():
            return [
                bool(
                    conn.execute(
                        finish_statement(tuple(values)),
                        {**values, "_id": attempt.task_id, "_attempt": attempt.number},
                    ).rowcount
                )
                for attempt, values, _batch in items
            ]


def _publish_groups(groups: list) -> None:
    """Each task's events (its held "running" first) in one Lua call, every task's call in one
    pipeline. The attempt's lock is held meanwhile, so the start-event thread cannot send a
    held "running" after the end."""
    locked, payload = [], []
    try:
        for attempt, batch in groups:
            attempt.lock.acquire()
            locked.append(attempt)
            if attempt.held is not None:
                batch = [attempt.held, *batch]
                attempt.held = None
            payload.append((attempt.org_id, batch))
        settings = get_settings()
        try:
            events.publish_groups(
                payload, maxlen=settings.event_stream_maxlen, ttl=settings.event_ttl
            )
        except Exception as exc:
            # Events are a convenience; the row is the truth. Never fail a task over one.
            ids = [attempt.task_id for attempt, _batch in groups]
            log.warning("event_publish_failed", extra={"task_ids": ids, "error": str(exc)})
    finally:
        for attempt in locked:
            attempt.lock.release()


class _PerProcess:
    """A prefork child gets its own batchers (a lock copied mid-use by a fork is no lock)."""

    def __init__(self):
        self._pid = None

    def get(self) -> tuple[GroupCommit, GroupCommit]:
        if self._pid != os.getpid():
            self.starts = GroupCommit(_write_starts, max_items=MAX_BATCH, name="task-starts")
            self.ends = GroupCommit(_write_ends, max_items=MAX_BATCH, name="task-ends")
            self._pid = os.getpid()
        return self.starts, self.ends


_BATCHERS = _PerProcess()


def start_row(task_id: str, redelivered: bool, worker: str):
    """queued|retrying (or, redelivered, running) → running; None if this message must not
    run (a duplicate, or its task already ended)."""
    return _BATCHERS.get()[0].run((task_id, redelivered, worker))


def write_row(attempt, values: dict, publish: list | None = None) -> bool:
    """Write the running attempt's row, unless it was cancelled or superseded meanwhile;
    if written, publish ``publish`` (its events) right after, in the batch's pipeline."""
    values["updated_at"] = utcnow()
    return _BATCHERS.get()[1].run((attempt, values, publish))
