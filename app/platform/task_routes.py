"""Tasks over REST: submit, list, read, cancel, retry, stream; and the list of task kinds."""

from __future__ import annotations

import functools
import re

import marshmallow as ma
from flask import request
from flask.views import MethodView

from app.http import ApiError, Blueprint, Schema, paginate
from app.models import Task
from app.models.platform import TASK_STATES
from app.platform import task_service
from app.platform.auth import current_principal, require
from app.platform.feed import sse_response, wait_for_end
from app.platform.kinds import REGISTRY

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="The task pipeline")

MAX_WAIT = 30
_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")


class TaskSubmitSchema(Schema):
    kind = ma.fields.String(required=True, metadata={"example": "platform.diagnostic"})
    params = ma.fields.Dict(load_default=dict, metadata={"example": {"steps": 3, "sleep": 0.1}})


class TaskQuerySchema(Schema):
    kind = ma.fields.String()
    state = ma.fields.String(validate=ma.validate.OneOf(TASK_STATES))


class TaskErrorSchema(Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class TaskSchema(Schema):
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
    links = ma.fields.Method("_links")

    def _links(self, task) -> dict:
        base = f"/api/v1/tasks/{task.id}"
        return {
            "self": base,
            "events": f"{base}/events",
            "cancel": base,
            "retry": f"{base}/retry",
            "ws": "/api/v1/ws",
        }


class TaskKindSchema(Schema):
    name = ma.fields.String()
    queue = ma.fields.String()
    description = ma.fields.String()
    role = ma.fields.String()
    scope = ma.fields.String(allow_none=True)
    time_limit = ma.fields.Integer()
    params = ma.fields.Method("_params")
    params_schema = ma.fields.Method(
        "_params_schema",
        metadata={"description": "JSON Schema of `params`: types, required, enums, bounds"},
    )

    def _params(self, kind) -> dict:
        return {
            name: {"type": type(f).__name__, "required": f.required}
            for name, f in kind.schema().fields.items()
        }

    def _params_schema(self, kind) -> dict:
        return params_json_schema(kind.schema)


@functools.cache
def params_json_schema(schema_cls) -> dict:
    """A kind's params schema as JSON Schema (nested schemas inlined), so a client can build
    a form or check its input before sending it."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    plugin = MarshmallowPlugin(schema_name_resolver=lambda _schema: None)
    APISpec("kinds", "1", "3.0.3", plugins=[plugin])
    return plugin.converter.schema2jsonschema(schema_cls)


_task_schema = TaskSchema()


def task_json(task) -> dict:
    return _task_schema.dump(task)


def _prefer_wait() -> int | None:
    match = _WAIT.search(request.headers.get("Prefer", ""))
    return min(int(match.group(1)), MAX_WAIT) if match else None


@blp.route("/tasks")
class Tasks(MethodView):
    @require("member")
    @blp.arguments(TaskSubmitSchema)
    @blp.response(202, TaskSchema)
    @blp.alt_response(
        200,
        schema=TaskSchema,
        description="Finished within Prefer: wait=N, "
        "or the earlier task of the same Idempotency-Key",
    )
    def post(self, body):
        """Submit a task of any registered kind.

        Headers: `Idempotency-Key` (same key and caller → same task), `Prefer: wait=N`
        (hold up to N ≤ 30 s for the result).
        """
        principal = current_principal()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 200:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "Invalid input",
                {"Idempotency-Key": ["Must be 1 to 200 characters"]},
            )
        task, created = task_service.submit(principal, body["kind"], body["params"], key)
        headers = {"Location": f"/api/v1/tasks/{task.id}"}
        wait = _prefer_wait()
        if wait is not None:
            task = wait_for_end(principal, task, wait)
            headers["Preference-Applied"] = f"wait={wait}"
        finished = task.state in ("succeeded", "failed", "cancelled")
        return task, 202 if created and not finished else 200, headers

    @require("viewer")
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the org's tasks, newest first; filter by `kind` and `state`."""
        stmt = task_service.listing(current_principal(), **query)
        return paginate(stmt, pagination_parameters, Task.created_at.desc(), Task.id)


@blp.route("/tasks/<task_id>")
class TaskById(MethodView):
    @require("viewer")
    @blp.response(200, TaskSchema)
    def get(self, task_id):
        """Read a task: state, progress, result or error."""
        return task_service.get(current_principal(), task_id)

    @require("member")
    @blp.response(200, TaskSchema)
    def delete(self, task_id):
        """Cancel a task that has not finished (409 if it has)."""
        return task_service.cancel(current_principal(), task_id)


@blp.route("/tasks/<task_id>/retry", methods=["POST"])
@require("member")
@blp.response(202, TaskSchema)
def retry_task(task_id):
    """Run a failed or cancelled task again, as a new task linked by `retried_from`."""
    task = task_service.retry(current_principal(), task_id)
    return task, 202, {"Location": f"/api/v1/tasks/{task.id}"}


@blp.route("/tasks/<task_id>/events", methods=["GET"])
@blp.doc(
    responses={
        200: {
            "description": "text/event-stream of task events",
            "content": {"text/event-stream": {}},
        }
    }
)
def task_events(task_id):
    """Server-Sent Events: the task's events so far, then live ones until it ends.

    Resume with `Last-Event-ID` (or `?last_event_id=`); authenticate with a header or, for
    `EventSource`, `?token=`.
    """
    return sse_response(task_id)


@blp.route("/task-kinds", methods=["GET"])
@require("viewer")
@blp.response(200, TaskKindSchema(many=True))
def task_kinds():
    """Task kinds a client may submit, with their queue and parameters."""
    return [k for k in REGISTRY.values() if k.public]
