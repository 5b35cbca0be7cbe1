"""The one way a route starts a task: :func:`accept_task`.

Every route that answers with a task (``POST /tasks`` and each workload's "do this" route)
goes through here, so they share one behaviour and one OpenAPI entry:

- ``Idempotency-Key``: 1–200 visible ASCII characters (else 400 naming the header); the same
  key from the same caller returns the earlier task (200), or 409 if the request differs;
- ``Prefer: wait=N`` (N ≤ 30, RFC 7240): hold the answer until the task ends or N seconds
  pass, and say so in ``Preference-Applied``;
- 202 with ``Location: /api/v1/tasks/{id}`` and the task (:func:`~app.platform.task_view
  .task_json`), or 200 when the task is finished or is an earlier one of the same key;
- a route whose body *is* the params (``params_are_body``) reports field errors at the top
  level, as it documents them, not under ``params``.

A route that looks at the task before answering (a summary served when the task is done in
time) calls :func:`start_task` and answers with :meth:`Accepted.response` when it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request

from app.core.errors import ApiError
from app.core.principal import Principal
from app.http import ErrorEnvelopeSchema, envelope_response
from app.models.platform import FINISHED_STATES
from app.platform import task_service
from app.platform.auth import current_principal
from app.platform.feed import wait_for_end
from app.platform.task_view import TaskSchema, task_json

MAX_WAIT = 30
_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")

IDEMPOTENCY_KEY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Same key and caller → the same task (409 if the request differs)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}
PREFER_HEADER = {
    "in": "header",
    "name": "Prefer",
    "required": False,
    "description": f"`wait=N`: hold the answer up to N s (at most {MAX_WAIT}) for the task "
    "to end; other preferences are ignored (RFC 7240)",
    "schema": {"type": "string", "example": "wait=10"},
}
TASK_HEADERS = [IDEMPOTENCY_KEY_HEADER, PREFER_HEADER]


def prefer_wait() -> int | None:
    """The request's ``Prefer: wait=N`` in seconds (at most :data:`MAX_WAIT`), if any."""
    match = _WAIT.search(request.headers.get("Prefer", ""))
    return min(int(match.group(1)), MAX_WAIT) if match else None


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key``, checked by the one rule (400 naming the header)."""
    return task_service.checked_idempotency_key(
        request.headers.get("Idempotency-Key"), "Idempotency-Key"
    )


@dataclass
class Accepted:
    """A task a route started (or found again by its key), after any wait."""

    task: object
    created: bool
    waited: int | None = None  # the `wait=` applied, for Preference-Applied

    @property
    def finished(self) -> bool:
        return self.task.state in FINISHED_STATES

    def hold(self, principal: Principal, default_wait: int | None = None) -> Accepted:
        """Hold for ``Prefer: wait=N`` (else ``default_wait``) seconds, or until the task ends."""
        asked = prefer_wait()
        seconds = default_wait if asked is None else asked
        if seconds:
            self.task = wait_for_end(principal, self.task, seconds)
        self.waited = asked
        return self

    def response(self, status: int | None = None):
        """202 and ``Location`` for new, unfinished work; 200 for a finished or earlier task."""
        headers = {"Location": f"/api/v1/tasks/{self.task.id}"}
        if self.waited is not None:
            headers["Preference-Applied"] = f"wait={self.waited}"
        if status is None:
            status = 202 if self.created and not self.finished else 200
        return envelope_response(task_json(self.task), status, headers)


def start_task(
    kind: str,
    params: dict | None,
    *,
    principal: Principal | None = None,
    params_are_body: bool = False,
    default_wait: int | None = None,
) -> Accepted:
    """Submit ``kind`` for the caller with the request's key, then hold as it prefers."""
    principal = principal or current_principal()
    key = idempotency_key()
    try:
        task, created = task_service.submit(principal, kind, params, key)
    except ApiError as exc:
        if params_are_body and exc.errors and set(exc.errors) == {"params"}:
            raise ApiError(exc.status, exc.code, exc.message, exc.errors["params"]) from None
        raise
    return Accepted(task, created).hold(principal, default_wait)


def accept_task(kind: str, params: dict | None, **options):
    """Start a task and answer with it: see the module's docstring; ``options`` are
    :func:`start_task`'s."""
    return start_task(kind, params, **options).response()


def _conflict(blp, fn):
    return blp.alt_response(
        409,
        schema=ErrorEnvelopeSchema,
        description="Idempotency-Key was used for a different request (CONFLICT)",
    )(fn)


def documents_task(blp, *, description: str | None = None):
    """The OpenAPI entry of a route answered by :func:`accept_task`: 202 with the task, 200
    when it finished within the wait or is an earlier one of the key, 409 for a key reused
    for another request, and the two headers. Put it where ``@blp.response`` would go.

    (The headers are the operation's manual parameters, which flask-smorest lets replace a
    ``@blp.doc(parameters=…)`` or header/query ``@blp.arguments`` of the same operation: a
    route that has those declares :data:`TASK_HEADERS` on its ``@blp.route`` instead.)"""

    def decorator(fn):
        fn = _conflict(blp, blp.doc(parameters=TASK_HEADERS)(fn))
        fn = blp.alt_response(
            200,
            schema=TaskSchema,
            description="Finished within Prefer: wait=N, "
            "or the earlier task of the same Idempotency-Key",
        )(fn)
        return blp.response(202, TaskSchema, description=description)(fn)

    return decorator


def documents_pending_task(blp, description: str, *, idempotent: bool):
    """For a route whose 200 is its own answer and which falls back to the task when the work
    is not done within the wait: the 202 with the task (and the 409 of a reused key when the
    route reads ``Idempotency-Key``). Such routes take query or header arguments, so their
    headers (:data:`PREFER_HEADER`, :data:`TASK_HEADERS`) go on their ``@blp.route``."""

    def decorator(fn):
        if idempotent:
            fn = _conflict(blp, fn)
        return blp.alt_response(202, schema=TaskSchema, description=description)(fn)

    return decorator
