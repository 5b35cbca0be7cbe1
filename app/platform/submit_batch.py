"""Group commit of submits: concurrent submits of one web process share one INSERT, one
commit and one publish.

Each submit still answers 202 only once *its* row is committed and *its* message accepted by
the broker; what changes is that the requests waiting at the same moment pay for that once:

1. one multi-row ``INSERT`` and one commit for every row of the batch;
2. every message of the batch in one kombu publish batch: on the Redis broker, one pipeline
   (one round trip); on RabbitMQ kombu has no publish batch, so each message is published
   and confirmed in turn on one acquired producer (same guarantees, no batching of the
   confirms);
3. if the publish fails, every row of the batch is marked ``failed`` with
   ``BROKER_UNAVAILABLE`` in one UPDATE and each waiting request gets its 503.

A row that breaks the batch's INSERT (an Idempotency-Key raced by an identical request) makes
the batch fall back to one INSERT per row, so only that request sees its conflict.

The batch is :class:`app.batching.GroupCommit`: a lone submit writes at once, submits arriving
during a write are written together by the next one (up to ``submit_batch_rows``), and a
write waits up to ``submit_batch_window_us`` only for submits already announced (validating).
If the process dies mid-batch, rows committed but not published stay ``queued``: nobody got a
202 for them, and the janitor sends them after ``requeue_after``.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app import metrics
from app.batching import GroupCommit
from app.config import get_settings
from app.core.errors import ApiError
from app.db import get_engine
from app.models import Task

log = logging.getLogger("kairos.tasks")

_TASKS = Task.__table__
BROKER_ERROR = {"code": "BROKER_UNAVAILABLE", "message": "The task queue is unavailable"}


def broker_unavailable() -> ApiError:
    return ApiError(503, "BROKER_UNAVAILABLE", "The task queue is unavailable; try again")


def _insert(rows: list[dict]) -> list:
    """One multi-row INSERT and one commit; row by row if one of them conflicts."""
    try:
        with get_engine().begin() as conn:
            conn.execute(_TASKS.insert().values(rows) if len(rows) > 1 else _TASKS.insert(), rows)
        return [None] * len(rows)
    except IntegrityError as exc:
        if len(rows) == 1:
            return [exc]
    outcomes: list = []
    for row in rows:
        try:
            with get_engine().begin() as conn:
                conn.execute(_TASKS.insert(), row)
            outcomes.append(None)
        except IntegrityError as exc:
            outcomes.append(exc)
    return outcomes


def _publish(producer_app, tasks: list[Task]) -> None:
    from app.taskqueue import send_task_message

    # Leaving the batch flushes it: on the Redis broker one pipeline, or the exception.
    with (
        producer_app.producer_or_acquire() as producer,
        producer.batch(max_size=max(1, 4 * len(tasks))),
    ):
        for task in tasks:
            send_task_message(producer_app, task, producer=producer)


def _mark_failed(task_ids: list[str]) -> None:
    now = datetime.now(UTC)
    with get_engine().begin() as conn:
        conn.execute(
            update(_TASKS)
            .where(_TASKS.c.id.in_(task_ids))
            .values(state="failed", error=BROKER_ERROR, finished_at=now, updated_at=now)
        )


def _write(items: list[tuple[dict, object]]) -> list:
    """items: (row, Celery app) → None (committed and sent) or the exception to raise."""
    outcomes = _insert([row for row, _app in items])
    by_app: dict[int, tuple[object, list[int]]] = {}
    for index, ((_row, app), outcome) in enumerate(zip(items, outcomes, strict=True)):
        if outcome is None:
            by_app.setdefault(id(app), (app, []))[1].append(index)
    for app, indexes in by_app.values():
        tasks = [Task(**items[i][0]) for i in indexes]
        try:
            _publish(app, tasks)
        except Exception as exc:
            ids = [task.id for task in tasks]
            log.error("broker_unavailable", extra={"task_ids": ids, "error": str(exc)[:300]})
            _mark_failed(ids)
            for i in indexes:
                outcomes[i] = broker_unavailable()
    metrics.SUBMIT_BATCH_ROWS.observe(len(items))
    return outcomes


class _PerProcess:
    def __init__(self):
        self._pid = None
        self.batcher: GroupCommit | None = None

    def get(self) -> GroupCommit:
        if self._pid != os.getpid():
            settings = get_settings()
            self.batcher = GroupCommit(
                _write,
                max_items=settings.submit_batch_rows,
                window=settings.submit_batch_window_us / 1_000_000,
                name="submits",
            )
            self._pid = os.getpid()
        return self.batcher


_BATCHER = _PerProcess()


def expect():
    """Announce a submit on its way (validating): a write about to start may wait for it."""
    return _BATCHER.get().expect()


def record_and_send(row: dict, producer_app, announced: dict | None = None) -> None:
    """Commit ``row`` and send its message, with whatever else is being submitted now.
    Raises IntegrityError (an Idempotency-Key conflict) or the 503 ApiError."""
    _BATCHER.get().run((row, producer_app), announced)
