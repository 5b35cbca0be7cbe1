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
import os
import threading
import time
from dataclasses import dataclass, field

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Task
from celery.exceptions import Retry

from app import events, metrics
from app.config import get_settings
from app.platform import blobs
from app.platform.kinds import REGISTRY
from workers.rows import start_row, utcnow, write_row

log = logging.getLogger("kairos.task")

PROGRESS_WRITE_INTERVAL = 0.5  # seconds between progress writes to the row; events go always
# A task's "running" event waits this long for the task's next event, to share its Redis call:
# a short task publishes start and end in one round trip; a longer one's start goes out late
# by at most this much (its ts is still the start).
START_EVENT_HOLD = 0.005
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
    # The last stage and message the body reported: the end update writes them, so a finished
    # row shows where the task ended, not the last throttled progress write.
    stage: str | None = None
    message: str | None = None
    # The held "running" event, and the lock that keeps it ahead of every later event.
    held: dict | None = None
    due: float = 0.0
    # The blob the task reads (its kind's `upload` param), deleted when the task ends.
    upload: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class StartEvents:
    """Publishes held "running" events whose task said nothing within START_EVENT_HOLD.

    One thread per process (started on first use, again after a fork); it sleeps while
    nothing is held."""

    def __init__(self):
        self._pid: int | None = None

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._held: dict[str, Attempt] = {}  # insertion order is deadline order
        threading.Thread(target=self._run, name="kairos-start-events", daemon=True).start()

    def hold(self, attempt: Attempt, event: dict) -> None:
        if self._pid != os.getpid():
            self._reset()
        attempt.held, attempt.due = event, time.monotonic() + START_EVENT_HOLD
        with self._cond:
            self._held[attempt.task_id] = attempt
            self._cond.notify()

    def release(self, attempt: Attempt) -> None:
        """The attempt's held event went out with a later one, or must never go out."""
        if self._pid == os.getpid():
            with self._cond:
                self._held.pop(attempt.task_id, None)

    def _run(self) -> None:
        cond, held = self._cond, self._held
        while True:
            with cond:
                while not held:
                    cond.wait()
                attempt = next(iter(held.values()))
                wait = attempt.due - time.monotonic()
                if wait > 0:
                    cond.wait(wait)
                    continue
                del held[attempt.task_id]
            with attempt.lock:
                event, attempt.held = attempt.held, None
                if event is not None:
                    _publish(attempt, [event])


START_EVENTS = StartEvents()


def _publish(attempt: Attempt, batch: list[dict]) -> None:
    settings = get_settings()
    try:
        events.publish_many(
            attempt.org_id, batch, maxlen=settings.event_stream_maxlen, ttl=settings.event_ttl
        )
    except Exception as exc:
        # Events are a convenience; the row is the truth. Never fail a task over one.
        log.warning("event_publish_failed", extra={"task_id": attempt.task_id, "error": str(exc)})


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
        param = REGISTRY[self.name].upload if self.name in REGISTRY else None
        attempt.upload = kwargs.get(param) if param else None
        try:
            return self._run(attempt, args, kwargs)
        finally:
            # Still held: the attempt ended without an event of its own (cancelled or taken
            # over meanwhile), so its "running" must not come after someone else's end.
            with attempt.lock:
                attempt.held = None
            START_EVENTS.release(attempt)

    def _drop_upload(self, attempt: Attempt) -> None:
        """The task is ending (succeeded, failed or cancelled; not when it only retries): the
        upload it read is not needed any more. Done before the end is written, so whoever
        sees the task finished finds its upload gone. Retrying it means uploading again."""
        if attempt.upload:
            try:
                blobs.delete(attempt.upload, org_id=attempt.org_id)
            except Exception as exc:  # the janitor purges it when it expires
                log.warning("upload_delete_failed", extra={"task_id": attempt.task_id,
                                                           "error": str(exc)})  # fmt: skip
            attempt.upload = None

    def _run(self, attempt: Attempt, args, kwargs):
        try:
            result = super().__call__(*args, **kwargs)
        except Retry:
            raise
        except Stop:
            log.info("task_stopped", extra={"task_id": attempt.task_id})
            self._drop_upload(attempt)
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
        row = start_row(task_id, redelivered, self.request.hostname)
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
        START_EVENTS.hold(
            attempt,
            events.make_event("progress", task_id, kind, stage="running", percent=0, message=None),
        )
        return attempt

    def _finish(self, attempt: Attempt, event: dict | None = None, **values) -> bool:
        """Write the attempt's row, unless it was cancelled or superseded meanwhile; if
        written and ``event`` is given, publish it (with a still-held "running") right after,
        in the same batch as other tasks ending at the same time."""
        changed = write_row(attempt, values, [event] if event else None)
        if changed and event is not None:
            START_EVENTS.release(attempt)
        return changed

    @staticmethod
    def _event(attempt: Attempt, type_: str, **fields) -> dict:
        return events.make_event(type_, attempt.task_id, attempt.kind, **fields)

    def _succeed(self, attempt: Attempt, result) -> None:
        self._drop_upload(attempt)
        if self._finish(
            attempt,
            self._event(attempt, "complete", data=result),
            state="succeeded",
            result=result,
            progress=100,
            stage=attempt.stage,
            message=attempt.message,
            finished_at=utcnow(),
        ):
            metrics.TASKS_SUCCEEDED.labels(attempt.kind).inc()
            metrics.TASK_DURATION.labels(attempt.kind).observe(time.monotonic() - attempt.started)

    def _fail(self, attempt: Attempt, code: str, message: str) -> None:
        error = {"code": code, "message": message}
        self._drop_upload(attempt)
        if self._finish(
            attempt,
            self._event(attempt, "error", code=code, message=message),
            state="failed",
            error=error,
            stage=attempt.stage,
            message=attempt.message,
            finished_at=utcnow(),
        ):
            metrics.TASKS_FAILED.labels(attempt.kind, code).inc()
            metrics.TASK_DURATION.labels(attempt.kind).observe(time.monotonic() - attempt.started)
            log.info("task_failed", extra={"task_id": attempt.task_id, "code": code})

    def _retry_or_fail(self, attempt: Attempt, exc: TransientError) -> None:
        retries = self.request.retries
        if retries >= REGISTRY[self.name].max_retries:
            self._fail(attempt, exc.code, exc.message)
            return
        delay = exc.retry_after if exc.retry_after is not None else backoff(retries)
        delay = min(delay, BACKOFF_MAX)
        error = {"code": exc.code, "message": exc.message}
        notice = self._event(
            attempt,
            "progress",
            stage="retrying",
            percent=0,
            message=f"{exc.message}; retry {retries + 1} in {delay:.0f}s",
        )
        if self._finish(
            attempt, notice, state="retrying", error=error, retries=retries + 1, sent_at=utcnow()
        ):
            raise self.retry(exc=exc, countdown=delay, max_retries=None)

    # --- what a task body calls -------------------------------------------------------------

    @property
    def attempt(self) -> Attempt:
        return self.request.kairos

    def progress(self, percent: float, stage: str | None = None, message: str | None = None):
        """Report progress; raises :class:`Stop` if the task was cancelled meanwhile."""
        attempt = self.attempt
        percent = max(0, min(100, int(percent)))
        attempt.stage, attempt.message = stage, message
        now = time.monotonic()
        if now - attempt.last_write >= PROGRESS_WRITE_INTERVAL:
            attempt.last_write = now
            values = {"progress": percent, "stage": stage, "message": message}
            if not self._finish(attempt, **values):
                raise Stop()
        self._emit(attempt, "progress", stage=stage, percent=percent, message=message)

    def read_upload(self, key: str) -> bytes:
        """The bytes of an upload of this task's org, from the blob store; a missing one
        fails the task with UPLOAD_NOT_FOUND."""
        try:
            return blobs.get(key, org_id=self.attempt.org_id)
        except blobs.BlobMissing as exc:
            raise TaskError(
                "The uploaded file is no longer available (expired or already used)",
                code=exc.code,
            ) from None

    def token(self, delta: str) -> None:
        """Stream a piece of LLM text to subscribers."""
        self._emit(self.attempt, "token", delta=delta)

    def _emit(self, attempt: Attempt, type_: str, **fields) -> None:
        event = events.make_event(type_, attempt.task_id, attempt.kind, **fields)
        with attempt.lock:
            batch = [event] if attempt.held is None else [attempt.held, event]
            attempt.held = None
            _publish(attempt, batch)
        if len(batch) > 1:
            START_EVENTS.release(attempt)
