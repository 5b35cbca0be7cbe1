"""Tasks over REST: submit, list, read, cancel, retry, stream; and the list of task kinds."""

from __future__ import annotations

import functools

import marshmallow as ma
from flask.views import MethodView

from app import events
from app.core.schema import Schema
from app.http import Blueprint, ErrorEnvelopeSchema, envelope_response
from app.models import Task
from app.models.platform import TASK_STATES
from app.platform import task_service
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require
from app.platform.feed import sse_response
from app.platform.kinds import REGISTRY
from app.platform.task_view import TaskSchema, task_json

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="The task pipeline")


class TaskSubmitSchema(Schema):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"example": "platform.diagnostic"},
    )
    params = ma.fields.Dict(load_default=dict, metadata={"example": {"steps": 3, "sleep": 0.1}})


class TaskQuerySchema(Schema):
    kind = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    state = ma.fields.String(validate=ma.validate.OneOf(TASK_STATES))


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


def _params_component(spec, kind) -> str:
    """The component name of a kind's params schema, registering it once per schema class
    (kinds may share one; apispec warns about a class registered under two names)."""
    from apispec.ext.marshmallow.common import make_schema_key

    converter = next(p.converter for p in spec.plugins if hasattr(p, "converter"))
    name = converter.refs.get(make_schema_key(kind.schema()))
    if name is None:
        name = f"TaskParams_{kind.name.replace('.', '_')}"
        spec.components.schema(name, schema=kind.schema)
    return name


def _has_required(schema_cls) -> bool:
    return any(f.required for f in schema_cls().load_fields.values())


@blp.document
def _submit_body_doc(doc, *, spec, method):
    """POST /tasks takes one of the public kinds, each with its own params: a `oneOf` on
    `kind`, so the document says exactly what the server accepts (built when the app
    registers the blueprint, after every workload registered its kinds)."""
    body = doc.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema")
    if not (isinstance(schema, TaskSubmitSchema) or schema is TaskSubmitSchema):
        return
    mapping = {}
    for kind in sorted((k for k in REGISTRY.values() if k.public), key=lambda k: k.name):
        name = f"Submit_{kind.name.replace('.', '_')}"
        if name not in spec.components.schemas:
            spec.components.schema(
                name,
                component={
                    "type": "object",
                    "title": kind.name,
                    "properties": {
                        "kind": {"type": "string", "enum": [kind.name]},
                        "params": {"$ref": f"#/components/schemas/{_params_component(spec, kind)}"},
                    },
                    "required": ["kind", "params"] if _has_required(kind.schema) else ["kind"],
                    "additionalProperties": False,
                },
            )
        mapping[kind.name] = f"#/components/schemas/{name}"
    # The discriminator tells clients (and the fuzzer) which variant a body means by its kind.
    body["schema"] = {
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "kind", "mapping": mapping},
    }
    body["example"] = {"kind": "platform.diagnostic", "params": {"steps": 3, "sleep": 0.1}}


# One Server-Sent Event: `event` is the task event's type, `data` the event as JSON.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["progress", "token", "complete", "error"]},
        "id": {"type": "string", "pattern": r"^[0-9]+-[0-9]+$"},
        "data": {"type": "string"},
        "retry": {"type": "integer"},
    },
    "required": ["event", "data"],
}


def _conflict(description: str):
    return blp.alt_response(409, schema=ErrorEnvelopeSchema, description=description)


@blp.route("/tasks")
class Tasks(MethodView):
    @require("member")
    @blp.arguments(TaskSubmitSchema)
    @documents_task(blp)
    @blp.alt_response(
        404, schema=ErrorEnvelopeSchema, description="A record named in params is not found"
    )
    def post(self, body):
        """Submit a task of any registered kind.

        Headers: `Idempotency-Key` (same key and caller → same task), `Prefer: wait=N`
        (hold up to N ≤ 30 s for the result).
        """
        return accept_task(body["kind"], body["params"])

    @require("viewer")
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """List the org's tasks, newest first; filter by `kind` and `state`."""
        stmt = task_service.listing(current_principal(), **query)
        return stmt.order_by(Task.created_at.desc(), Task.id)


@blp.route("/tasks/<task_id>")
class TaskById(MethodView):
    @require("viewer")
    @blp.response(200, TaskSchema)
    def get(self, task_id):
        """Read a task: state, progress, result or error."""
        return envelope_response(task_json(task_service.get(current_principal(), task_id)))

    @require("member")
    @blp.response(200, TaskSchema)
    @_conflict("The task has already finished (CONFLICT)")
    def delete(self, task_id):
        """Cancel a task that has not finished (409 if it has)."""
        return task_service.cancel(current_principal(), task_id)


@blp.route("/tasks/<task_id>/retry", methods=["POST"])
@require("member")
@blp.response(202, TaskSchema)
@_conflict("Only a failed or cancelled task can be retried (CONFLICT)")
def retry_task(task_id):
    """Run a failed or cancelled task again, as a new task linked by `retried_from`."""
    task = task_service.retry(current_principal(), task_id)
    return task, 202, {"Location": f"/api/v1/tasks/{task.id}"}


@blp.route("/tasks/<task_id>/events", methods=["GET"])
@blp.doc(
    security=[{"bearer": []}, {"apiKey": []}, {"tokenQuery": []}],
    parameters=[
        {
            "in": "query",
            "name": "token",
            "required": False,
            "description": "Access token or API key, for `EventSource` (which sends no headers)",
            # gunicorn refuses request lines past 4094 bytes (414) before the app sees them:
            # credentials are URL-safe, so this length is the length on the wire
            "schema": {"type": "string", "maxLength": 1024, "pattern": "^[A-Za-z0-9._~+/=-]+$"},
        },
        {
            "in": "query",
            "name": "last_event_id",
            "required": False,
            "description": "Resume after this event id (also the `Last-Event-ID` header)",
            "schema": {"type": "string", "pattern": f"^{events.EVENT_ID_PATTERN}$"},
        },
        {
            "in": "header",
            "name": "Last-Event-ID",
            "required": False,
            "schema": {"type": "string", "pattern": f"^{events.EVENT_ID_PATTERN}$"},
        },
    ],
    responses={
        200: {
            "description": "text/event-stream of task events",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        },
        400: "BAD_REQUEST",
    },
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
