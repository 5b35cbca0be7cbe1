"""``POST /chat``: the seed's streaming chat, as a relay of one ``dining.chat`` task.

The route validates, resolves the acting user, enqueues the task on the llm queue and
answers ``text/event-stream``. The worker reports the five steps as progress events (stage =
step name) and the GenerativeUIPayload as its result; this module turns the task's events
into the seed's frames as they come:

    event: thinking   data: {"event": "thinking", "data": {"step": "context_loaded", "message": …}}
    event: token      data: {"event": "token", "data": {"delta": …}}      (LLM text, if any)
    event: result     data: {"event": "result", "data": {GenerativeUIPayload}}
    event: error      data: {"event": "error", "data": {"code": …, "message": …}}

A client that goes away stops only its own stream: the task finishes, and stays readable at
``/api/v1/tasks/{id}`` (the ``X-Task-ID`` header names it).
"""

from __future__ import annotations

import json
import queue
import time

import marshmallow as ma
from flask import Response, stream_with_context
from marshmallow import validate

from app import events
from app.core.schema import Schema
from app.db import session_scope
from app.dining import kinds
from app.dining.access import CHAT_USER_ID_PARAMETER, acting_uid
from app.dining.blueprint import blp
from app.dining.domain.acting import get_profile
from app.http import ErrorEnvelopeSchema
from app.platform import task_service
from app.platform.auth import current_principal, require
from app.platform.hub import Follower, Listener, hub

STEPS = ("context_loaded", "decomposed", "search_complete", "evaluated", "guard_complete")
KEEPALIVE = 15
# A stream ends with an error frame if its task has not ended by then (no worker on the queue).
MAX_STREAM = kinds.CHAT.time_limit + 120


# One event of the stream, as an SSE client sees it; `data` is JSON {"event", "data"}.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string", "enum": ["thinking", "token", "result", "error"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": 'JSON {"event": …, "data": …}: a thinking step {step, message}, '
            "a token {delta}, the GenerativeUIPayload, or an error {code, message}",
        },
    },
    "required": ["data"],
}


class ChatRequestSchema(Schema):
    message = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=kinds.MAX_MESSAGE),
        metadata={
            "example": "romantic dinner Koramangala under 1500 no peanuts",
            "pattern": r"\S",  # not blank: _not_blank below
        },
    )
    conversation_history = ma.fields.List(
        ma.fields.Nested(kinds.ChatTurnSchema),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Earlier turns; the last 6 are used."},
    )

    @ma.validates("message")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("The message is empty.")


def frame(event: dict) -> str | None:
    """One task event as the seed's SSE frame, or None for events the seed has no word for."""
    kind = event["type"]
    if kind == "progress":
        if event.get("stage") not in STEPS:
            return None
        name, data = "thinking", {"step": event["stage"], "message": event.get("message")}
    elif kind == "token":
        name, data = "token", {"delta": event.get("delta", "")}
    elif kind == "complete":
        name, data = "result", event.get("data")
    else:
        name, data = "error", {"code": event.get("code"), "message": event.get("message")}
    body = json.dumps({"event": name, "data": data}, separators=(",", ":"), default=str)
    return f"id: {event['id']}\nevent: {name}\ndata: {body}\n\n"


def relay(task_id: str, deadline: float):
    listener, follower = Listener(), Follower()
    hub.subscribe_task(listener, task_id)
    try:
        for event in follower.replay(task_id):
            out = frame(event)
            if out:
                yield out
            if event["type"] in events.TERMINAL:
                return
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                body = {"event": "error", "data": {"code": "TIMEOUT", "message": "No answer"}}
                yield f"event: error\ndata: {json.dumps(body)}\n\n"
                return
            try:
                op, arg = listener.queue.get(timeout=min(KEEPALIVE, remaining))
            except queue.Empty:
                yield ": keepalive\n\n"
                continue
            batch = follower.replay(task_id) if op == "resync" else [arg[0]]
            for event in batch:
                if op != "resync" and not follower.accept(event):
                    continue
                out = frame(event)
                if out:
                    yield out
                if event["type"] in events.TERMINAL:
                    return
    finally:
        hub.remove(listener)


@blp.route("/chat", methods=["POST"])
@require("viewer")
@blp.arguments(ChatRequestSchema)
@blp.alt_response(
    404, schema=ErrorEnvelopeSchema, description="USER_NOT_FOUND: the org has no such profile"
)
@blp.doc(
    parameters=[CHAT_USER_ID_PARAMETER],
    responses={
        200: {
            "description": "text/event-stream: thinking steps, then one result "
            "(GenerativeUIPayload) or an error",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    },
)
def chat(body):
    """Chat about where to eat: the five thinking steps as they happen, then the answer.

    Uses the last 6 turns of `conversation_history`. Allergens the message excludes ("no
    peanuts") are excluded for this query on top of the profile's allergies.
    """
    uid = acting_uid(header_required=True)
    principal = current_principal()
    with session_scope() as s:
        user_id = get_profile(s, uid, current_principal()).id
    history = body["conversation_history"][-kinds.HISTORY_KEPT :]
    task = task_service.enqueue_internal(
        principal,
        kinds.CHAT,
        {"user_id": user_id, "message": body["message"], "history": history},
    )
    headers = {
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
        "X-Task-ID": task.id,
        "Location": f"/api/v1/tasks/{task.id}",
    }
    stream = relay(task.id, time.monotonic() + MAX_STREAM)
    return Response(stream_with_context(stream), mimetype="text/event-stream", headers=headers)
