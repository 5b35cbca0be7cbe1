"""Request and response shapes of the agent and intake routes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
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


_FILE_DOC = {
    "type": "string",
    "format": "binary",
    "description": "PDF, DOCX, MD, TeX, TXT",
    # A plain-text file; without one, example-based clients send a sample image (a 415).
    "example": "Senior Python engineer, New York. Five years of Flask and PostgreSQL.",
}


def multipart_body(file_field: str) -> dict:
    """The file part as the document states it. The optional `notes` form part is read by
    its own schema and left out of the document: a multipart text part cannot be typed, so a
    fuzzer's "integer" or "array" notes would arrive as text the server rightly takes."""
    return {
        "type": "object",
        "properties": {file_field: _FILE_DOC},
        "required": [file_field],
    }


class JobReqFileSchema(Schema):
    class Meta(Schema.Meta):
        openapi = multipart_body("job_req")

    job_req = _UploadFile(required=True, metadata=_FILE_DOC)


class ResumeFileSchema(Schema):
    class Meta(Schema.Meta):
        openapi = multipart_body("resume")

    resume = _UploadFile(required=True, metadata=_FILE_DOC)


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
