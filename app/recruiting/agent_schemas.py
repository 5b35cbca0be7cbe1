"""Request and response shapes of the agent and intake routes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.http import Schema
from app.recruiting.agent_kinds import MAX_NOTES, AgentChatParams, JobFromPromptParams


class AgentChatRequestSchema(AgentChatParams):
    """The seed's body: ``message``, ``conversation_id`` (null starts one), ``mode``."""


class JobFromPromptRequestSchema(JobFromPromptParams):
    pass


class _UploadFile(ma.fields.Raw):
    pass


class JobReqFormSchema(Schema):
    notes = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_NOTES),
        metadata={"example": "This is for our New York office."},
    )


class JobReqFileSchema(Schema):
    job_req = _UploadFile(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "PDF, DOCX, MD, TeX, TXT"},
    )


class ResumeFileSchema(Schema):
    resume = _UploadFile(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "PDF, DOCX, MD, TeX, TXT"},
    )


class ResumeFormSchema(JobReqFormSchema):
    pass


class ConversationSchema(Schema):
    id = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    state = ma.fields.Dict()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ConversationMessageSchema(Schema):
    id = ma.fields.Integer()
    role = ma.fields.String()
    content = ma.fields.String()
    data = ma.fields.Dict(allow_none=True)
    task_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ConversationDetailSchema(ConversationSchema):
    messages = ma.fields.List(ma.fields.Nested(ConversationMessageSchema))
