"""TrackedTask: the one base of every Kairos task.

It owns the task row's life: ``queued|retrying → running`` (atomically, so a duplicate or a
redelivered message for a finished task does nothing), progress, retries with backoff, and
the end state with its error code, publishing each step as an event.

A task body only computes::

    @celery.task(base=TrackedTask, bind=True, name="workload.kind")
    def kind(self, **params):
        self.progress(30, stage="fetching")
        return {...}

Raise :class:`TaskError` (or a subclass) with a code for an expected failure, and
:class:`TransientError` for one worth retrying.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Task
from celery.exceptions import Retry
from sqlalchemy import or_, update

from app import events, metrics
from app.config import get_settings
from app.db import session_scope
from app.models import Task as TaskRow
from app.platform.kinds import REGISTRY

log = logging.getLogger("kairos.task")

PROGRESS_WRITE_INTERVAL = 0.5  # seconds between progress writes to the row; events go always
BACKOFF_BASE, BACKOFF_MAX = 2, 300


class TaskError(Exception):
    """An expected failure, reported to the client with ``code``."""

    code = "TASK_ERROR"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code or self.code
        self.message = message


class TransientError(TaskError):
    """A failure worth retrying (network, 429, 5xx); ``retry_after`` overrides the backoff."""

    def __init__(self, message: str, code: str | None = None, retry_after: float | None = None):
        super().__init__(message, code)
        self.retry_after = retry_after


class Stop(Exception):
    """The row was cancelled or taken over by a newer attempt: stop quietly."""


@dataclass
class Attempt:
    task_id: str
    org_id: str
    owner_id: str | None
    kind: str
    number: int
    started: float
    last_write: float = 0.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def backoff(retries: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE ** (retries + 1))


class TrackedTask(Task):
    typing = False  # params are validated by the kind's schema in the API
    # Expected failures: Celery still records FAILURE (Flower shows it) but logs no traceback.
    throws = (TaskError,)

    # --- the life of one attempt ----------------------------------------------------------

    def __call__(self, *args, **kwargs):
        attempt = self._start()
        if attempt is None:
            return None
        self.request.kairos = attempt
        try:
            result = super().__call__(*args, **kwargs)
        except Retry:
            raise
        except Stop:
            log.info("task_stopped", extra={"task_id": attempt.task_id})
            return None
        except TransientError as exc:
            self._retry_or_fail(attempt, exc)
            raise
        except SoftTimeLimitExceeded:
            limit = REGISTRY[self.name].soft_time_limit
            self._fail(attempt, "TIME_LIMIT_EXCEEDED", f"Task exceeded its time limit ({limit}s)")
            raise
        except TaskError as exc:
            self._fail(attempt, exc.code, exc.message)
            raise
        except Exception as exc:
            log.exception("task_crashed", extra={"task_id": attempt.task_id, "kind": self.name})
            self._fail(attempt, "TASK_ERROR", f"{type(exc).__name__}: {exc}"[:1000])
            raise
        self._succeed(attempt, result)
        return None

    def _start(self) -> Attempt | None:
        task_id = self.request.id
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        now = utcnow()
        takeover = [TaskRow.state.in_(("queued", "retrying"))]
        if redelivered:
            # Our own earlier attempt died with its process; the broker gave the message back.
            takeover.append(TaskRow.state == "running")
        with session_scope() as s:
            row = s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, or_(*takeover))
                .values(
                    state="running",
                    attempts=TaskRow.attempts + 1,
                    started_at=now,
                    updated_at=now,
                    worker=self.request.hostname,
                )
                .returning(TaskRow.org_id, TaskRow.owner_id, TaskRow.kind, TaskRow.attempts)
            ).first()
        if row is None:
            log.info("task_skipped", extra={"task_id": task_id, "redelivered": redelivered})
            return None
        org_id, owner_id, kind, number = row
        attempt = Attempt(task_id, org_id, owner_id, kind, number, time.monotonic())
        if number > get_settings().task_max_deliveries:
            self._fail(
                attempt,
                "POISON_MESSAGE",
                f"Gave up after {number - 1} deliveries that did not finish",
            )
            return None
        self._emit(attempt, "progress", stage="running", percent=0, message=None)
        return attempt

    def _finish(self, attempt: Attempt, **values) -> bool:
        """End the attempt, unless it was cancelled or superseded meanwhile."""
        now = utcnow()
        with session_scope() as s:
            return bool(
                s.execute(
                    update(TaskRow)
                    .where(
                        TaskRow.id == attempt.task_id,
                        TaskRow.state == "running",
                        TaskRow.attempts == attempt.number,
                    )
                    .values(updated_at=now, **values)
                ).rowcount
            )

    def _succeed(self, attempt: Attempt, result) -> None:
        if self._finish(
            attempt, state="succeeded", result=result, progress=100, finished_at=utcnow()
        ):
            metrics.TASKS_SUCCEEDED.labels(attempt.kind).inc()
            metrics.TASK_DURATION.labels(attempt.kind).observe(time.monotonic() - attempt.started)
            self._emit(attempt, "complete", data=result)

    def _fail(self, attempt: Attempt, code: str, message: str) -> None:
        error = {"code": code, "message": message}
        if self._finish(attempt, state="failed", error=error, finished_at=utcnow()):
            metrics.TASKS_FAILED.labels(attempt.kind, code).inc()
            metrics.TASK_DURATION.labels(attempt.kind).observe(time.monotonic() - attempt.started)
            log.info("task_failed", extra={"task_id": attempt.task_id, "code": code})
            self._emit(attempt, "error", code=code, message=message)

    def _retry_or_fail(self, attempt: Attempt, exc: TransientError) -> None:
        retries = self.request.retries
        if retries >= REGISTRY[self.name].max_retries:
            self._fail(attempt, exc.code, exc.message)
            return
        delay = exc.retry_after if exc.retry_after is not None else backoff(retries)
        delay = min(delay, BACKOFF_MAX)
        error = {"code": exc.code, "message": exc.message}
        if self._finish(
            attempt, state="retrying", error=error, retries=retries + 1, sent_at=utcnow()
        ):
            self._emit(
                attempt,
                "progress",
                stage="retrying",
                percent=0,
                message=f"{exc.message}; retry {retries + 1} in {delay:.0f}s",
            )
            raise self.retry(exc=exc, countdown=delay, max_retries=None)

    # --- what a task body calls -------------------------------------------------------------

    @property
    def attempt(self) -> Attempt:
        return self.request.kairos

    def progress(self, percent: float, stage: str | None = None, message: str | None = None):
        """Report progress; raises :class:`Stop` if the task was cancelled meanwhile."""
        attempt = self.attempt
        percent = max(0, min(100, int(percent)))
        now = time.monotonic()
        if now - attempt.last_write >= PROGRESS_WRITE_INTERVAL:
            attempt.last_write = now
            values = {"progress": percent, "stage": stage, "message": message}
            if not self._finish(attempt, **values):
                raise Stop()
        self._emit(attempt, "progress", stage=stage, percent=percent, message=message)

    def token(self, delta: str) -> None:
        """Stream a piece of LLM text to subscribers."""
        self._emit(self.attempt, "token", delta=delta)

    def _emit(self, attempt: Attempt, type_: str, **fields) -> None:
        settings = get_settings()
        event = events.make_event(type_, attempt.task_id, attempt.kind, **fields)
        try:
            events.publish(
                attempt.org_id, event, maxlen=settings.event_stream_maxlen, ttl=settings.event_ttl
            )
        except Exception as exc:
            # Events are a convenience; the row is the truth. Never fail a task over one.
            log.warning(
                "event_publish_failed", extra={"task_id": attempt.task_id, "error": str(exc)}
            )
