"""Task kinds of the recruiter agent and of intake (chat, job from a prompt, job from an
uploaded req, candidate from an uploaded resume). Imported by :mod:`app.recruiting.kinds`."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import select

from app.core.errors import NotFound
from app.core.schema import Schema
from app.db import session_scope
from app.platform.kinds import TaskKind, register
from app.recruiting.domain import agent_uploads

MAX_MESSAGE = 4000
MAX_PROMPT = 20_000
MAX_NOTES = 5000
MODES = ("recruiter_assistant",)


class AgentChatParams(Schema):
    message = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_MESSAGE),
        metadata={"example": "match candidates for job 5"},
    )
    conversation_id = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=36),
        metadata={
            "description": "Continue this conversation (from an earlier answer); "
            "null starts a new one"
        },
    )
    mode = ma.fields.String(load_default="recruiter_assistant", validate=validate.OneOf(MODES))

    @ma.validates("message")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("The message is empty.")


class JobFromPromptParams(Schema):
    prompt = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_PROMPT),
        metadata={
            "example": "We need a Senior Backend Engineer in NYC with Python and FastAPI",
            "pattern": r"\S",  # not blank: _not_blank below
        },
    )

    @ma.validates("prompt")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("The prompt is empty.")


class UploadParams(Schema):
    upload_id = ma.fields.String(
        required=True, validate=validate.Regexp(agent_uploads.UPLOAD_ID, error="Not an upload id.")
    )
    filename = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    format = ma.fields.String(required=True, validate=validate.OneOf(agent_uploads.FORMATS))
    notes = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTES)
    )


def _own_conversation(principal, params: dict) -> None:
    from app.models.recruiting import Conversation

    if not params.get("conversation_id"):
        return
    with session_scope() as s:
        found = s.scalar(
            select(Conversation.id).where(
                Conversation.id == params["conversation_id"],
                Conversation.org_id == principal.org_id,
                Conversation.user_id == principal.user_id,
            )
        )
    if found is None:
        raise NotFound("conversation")


def _own_upload(principal, params: dict) -> None:
    if not agent_uploads.exists(principal.org_id, params["upload_id"]):
        raise NotFound("upload")


AGENT_CHAT = register(
    TaskKind(
        name="recruiting.agent_chat",
        queue="llm",
        schema=AgentChatParams,
        description="One turn of the recruiter agent: parse or LLM tool calls, act, reply "
        "(streamed as token events), remember the conversation.",
        soft_time_limit=120,
        time_limit=150,
        max_retries=1,
        authorize=_own_conversation,
    )
)
JOB_FROM_PROMPT = register(
    TaskKind(
        name="recruiting.job_from_prompt",
        queue="llm",
        schema=JobFromPromptParams,
        description="Create a job from a recruiter's description of it.",
        soft_time_limit=60,
        time_limit=90,
        max_retries=1,
    )
)
JOB_FROM_REQ = register(
    TaskKind(
        name="recruiting.job_from_req",
        queue="default",
        schema=UploadParams,
        description="Create a job from an uploaded job req (PDF, DOCX, Markdown, LaTeX, text).",
        soft_time_limit=90,
        time_limit=120,
        max_retries=0,
        authorize=_own_upload,
        upload="upload_id",
    )
)
CANDIDATE_FROM_RESUME = register(
    TaskKind(
        name="recruiting.candidate_from_resume",
        queue="default",
        schema=UploadParams,
        description="Create a candidate from an uploaded resume; reports possible duplicates.",
        soft_time_limit=90,
        time_limit=120,
        max_retries=0,
        authorize=_own_upload,
        upload="upload_id",
    )
)
