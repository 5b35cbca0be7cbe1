"""How a task looks to a client: one function writes it, one schema documents it.

:func:`task_json` is the only serializer of a task, on every route, the WebSocket feed and
SSE. It writes the dict directly: the task is the hottest answer of the API (submit and
poll), and a marshmallow dump cost more than the rest of the answer (bench/README.md).
:class:`TaskSchema` states that same shape in the OpenAPI document; its ``dump`` is
:func:`task_json`, so a route declaring ``@blp.response(…, TaskSchema)`` answers exactly what
the document says. ``tests/unit/test_task_view.py`` holds the schema's declared fields and the
function equal, field by field.
"""

from __future__ import annotations

import marshmallow as ma

from app.core.schema import Schema
from app.models.platform import TASK_STATES


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def task_links(task_id: str) -> dict:
    base = f"/api/v1/tasks/{task_id}"
    return {
        "self": base,
        "events": f"{base}/events",
        "cancel": base,
        "retry": f"{base}/retry",
        "ws": "/api/v1/ws",
    }


def task_json(task) -> dict:
    """A task row (or a transient ``Task``) as the API answers it."""
    error = task.error
    return {
        "id": task.id,
        "kind": task.kind,
        "queue": task.queue,
        "state": task.state,
        "progress": task.progress,
        "stage": task.stage,
        "message": task.message,
        "params": task.params,
        "result": task.result,
        "error": None if error is None else {"code": error["code"], "message": error["message"]},
        "attempts": task.attempts,
        "retries": task.retries,
        "retried_from": task.retried_from,
        "created_at": _iso(task.created_at),
        "started_at": _iso(task.started_at),
        "finished_at": _iso(task.finished_at),
        "updated_at": _iso(task.updated_at),
        "links": task_links(task.id),
    }


class TaskErrorSchema(Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class TaskSchema(Schema):
    """The document's description of :func:`task_json` (which is what it dumps)."""

    id = ma.fields.String()
    kind = ma.fields.String()
    queue = ma.fields.String()
    state = ma.fields.String(metadata={"enum": list(TASK_STATES)})
    progress = ma.fields.Integer()
    stage = ma.fields.String(allow_none=True)
    message = ma.fields.String(allow_none=True)
    params = ma.fields.Dict()
    result = ma.fields.Raw(allow_none=True)
    error = ma.fields.Nested(TaskErrorSchema, allow_none=True)
    attempts = ma.fields.Integer()
    retries = ma.fields.Integer()
    retried_from = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()
    links = ma.fields.Function(lambda task: task_links(task.id))

    def dump(self, obj, *, many=None):
        many = self.many if many is None else many
        return [task_json(task) for task in obj] if many else task_json(obj)
