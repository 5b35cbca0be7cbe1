"""Submitting, reading, cancelling and retrying tasks: shared by REST and the WebSocket feed.

Submission is: validate → insert the row (committed) → send the message by name. If the
broker refuses, the row is marked ``failed`` with ``BROKER_UNAVAILABLE`` and the caller gets a
503: the row tells the truth and nothing else is left half-done.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import UTC, datetime

import marshmallow as ma
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import events, metrics, taskqueue
from app.core.errors import ApiError, NotFound
from app.core.principal import Principal
from app.core.scoping import get_scoped, scoped
from app.db import get_engine, session_scope
from app.models import Task
from app.models.base import new_id
from app.models.platform import FINISHED_STATES
from app.platform import submit_batch
from app.platform.kinds import REGISTRY, TaskKind

log = logging.getLogger("kairos.tasks")

_IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,200}")


def checked_idempotency_key(key, field: str) -> str | None:
    """``key`` when it is 1 to 200 visible ASCII characters (or absent), else a 400 naming
    ``field``: the one rule for the REST header and the WebSocket message."""
    if key is not None and not (isinstance(key, str) and _IDEMPOTENCY_KEY.fullmatch(key)):
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "Invalid input",
            {field: ["Must be 1 to 200 visible ASCII characters"]},
        )
    return key


def _kind_for(principal: Principal, name: str) -> TaskKind:
    kind = REGISTRY.get(name)
    if kind is None or not kind.public:
        raise ApiError(
            400, "VALIDATION_ERROR", "Invalid input", {"kind": [f"Unknown task kind: {name}"]}
        )
    if not principal.has_role(kind.role):
        raise ApiError(403, "FORBIDDEN", f"{name} requires the {kind.role} role")
    if not principal.has_scope(kind.scope):
        raise ApiError(403, "FORBIDDEN", f"API key lacks the {kind.scope} scope")
    return kind


@functools.cache
def _params_schema(kind: TaskKind):
    return kind.schema()


def _load_params(kind: TaskKind, params: dict | None) -> dict:
    try:
        return _params_schema(kind).load(params or {})
    except ma.ValidationError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", {"params": exc.messages}) from None


def submit(
    principal: Principal,
    kind_name: str,
    params: dict | None,
    idempotency_key: str | None = None,
    retried_from: str | None = None,
) -> tuple[Task, bool]:
    """Record and enqueue a task; returns (task, created). Same key, same caller → same task."""
    kind = _kind_for(principal, kind_name)
    clean = _load_params(kind, params)
    if kind.authorize is not None:
        kind.authorize(principal, clean)
    if idempotency_key:
        existing = _by_idempotency_key(principal, idempotency_key)
        if existing is not None:
            if kind.prepare is not None:
                clean = kind.prepare(principal, clean, idempotency_key, store=False)
            return _same_request(existing, kind.name, clean), False
    if kind.prepare is not None:
        clean = kind.prepare(principal, clean, idempotency_key)
    return _record_and_send(principal, kind, clean, idempotency_key, retried_from)


def enqueue_internal(principal: Principal, kind: TaskKind, params: dict) -> Task:
    """Enqueue on behalf of ``principal`` without the public checks: kinds clients may not
    submit (mail), and work the platform starts itself (beat jobs, work a worker starts)."""
    clean = _load_params(kind, params)
    if kind.prepare is not None:
        clean = kind.prepare(principal, clean, None)
    return _record_and_send(principal, kind, clean, None, None)[0]


def new_row(principal, kind, clean: dict, idempotency_key=None, retried_from=None) -> dict:
    """The columns of a new, queued task row (a plain dict: the group commit inserts many
    at once without building ORM objects)."""
    now = datetime.now(UTC)
    return {
        "id": new_id(),
        "org_id": principal.org_id,
        "owner_id": principal.user_id,
        "caller": principal.caller,
        "kind": kind.name,
        "queue": kind.queue,
        "params": clean,
        "state": "queued",
        "progress": 0,
        "stage": None,
        "message": None,
        "result": None,
        "error": None,
        "attempts": 0,
        "retries": 0,
        "worker": None,
        "idempotency_key": idempotency_key,
        "retried_from": retried_from,
        "sent_at": now,
        "started_at": None,
        "finished_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _record_and_send(
    principal, kind, clean, idempotency_key, retried_from, announced=None
) -> tuple[Task, bool]:
    row = new_row(principal, kind, clean, idempotency_key, retried_from)
    try:
        # Committed and sent together with the submits of this moment (group commit): a
        # plain INSERT, then the publish; a lone submit is written at once.
        submit_batch.record_and_send(row, taskqueue.producer(), announced)
    except IntegrityError:
        # Lost a race with an identical request carrying the same key.
        existing = _by_idempotency_key(principal, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _same_request(existing, kind.name, clean), False
    task = Task(**row)  # transient: every column is set above, so it reads like a loaded row
    metrics.TASKS_SUBMITTED.labels(kind.name).inc()
    return task, True


def _by_idempotency_key(principal: Principal, key: str) -> Task | None:
    with session_scope() as s:
        return s.scalar(
            select(Task).where(
                Task.org_id == principal.org_id,
                Task.caller == principal.caller,
                Task.idempotency_key == key,
            )
        )


def _same_request(task: Task, kind: str, params: dict) -> Task:
    if task.kind != kind or task.params != params:
        raise ApiError(409, "CONFLICT", "Idempotency-Key was used for a different request")
    return task


def get(principal: Principal, task_id: str) -> Task:
    with session_scope() as s:
        return get_scoped(s, Task, task_id, "task", principal)


def state_of(principal: Principal, task_id: str) -> str:
    """A task's state (404 for another org's): one plain query, no ORM object. A reconnect
    storm subscribes thousands of sockets at once; each pays only this."""
    stmt = scoped(select(Task.state).where(Task.id == task_id), Task, principal)
    with get_engine().connect() as conn:
        state = conn.execute(stmt).scalar()
    if state is None:
        raise NotFound("task")
    return state


def listing(principal: Principal, *, kind=None, state=None):
    """The org's tasks, filtered; the caller pages them."""
    stmt = scoped(select(Task), Task, principal)
    if kind:
        stmt = stmt.where(Task.kind == kind)
    if state:
        stmt = stmt.where(Task.state == state)
    return stmt


def cancel(principal: Principal, task_id: str) -> Task:
    now = datetime.now(UTC)
    error = {"code": "CANCELLED", "message": "Cancelled by request"}
    with session_scope() as s:
        task = get_scoped(s, Task, task_id, "task", principal)
        if task.state in FINISHED_STATES:
            raise ApiError(409, "CONFLICT", f"Task already {task.state}")
        changed = s.execute(
            update(Task)
            .where(Task.id == task.id, Task.state.not_in(FINISHED_STATES))
            .values(state="cancelled", error=error, finished_at=now, updated_at=now)
        ).rowcount
    if not changed:
        raise ApiError(409, "CONFLICT", "Task finished before it could be cancelled")
    # A running body notices at its next progress report; revoke also tells Flower.
    try:
        taskqueue.producer().control.revoke(task.id)
    except Exception as exc:
        log.warning("revoke_failed", extra={"task_id": task.id, "error": str(exc)})
    events.publish(task.org_id, events.make_event("error", task.id, task.kind, **error))
    return get(principal, task_id)


def retry(principal: Principal, task_id: str) -> Task:
    original = get(principal, task_id)
    if original.state not in ("failed", "cancelled"):
        raise ApiError(
            409,
            "CONFLICT",
            f"Only failed or cancelled tasks can be retried, this one is {original.state}",
        )
    task, _ = submit(principal, original.kind, original.params, retried_from=original.id)
    return task
