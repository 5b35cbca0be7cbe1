"""The recruiter agent and intake under /api/v1/recruiting/agent (seed sections 6–8).

Every call is a task: ``202`` with the task (``Location`` to follow it, token events on the
feed), or with ``Prefer: wait=N`` (N ≤ 30) the finished task with its result. Uploads are
checked here only by size and signature, stored for the worker, and read there.
"""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from app.config import get_settings
from app.core.errors import ApiError, NotFound
from app.db import session_scope
from app.models.recruiting import Conversation, ConversationMessage
from app.platform.accept import accept_task, documents_task, idempotency_key
from app.platform.auth import current_principal, require
from app.recruiting import agent_kinds
from app.recruiting.agent_schemas import (
    AgentChatRequestSchema,
    ConversationDetailSchema,
    ConversationSchema,
    JobFromPromptRequestSchema,
    JobReqFileSchema,
    JobReqFormSchema,
    ResumeFileSchema,
    ResumeFormSchema,
)
from app.recruiting.blueprint import blp
from app.recruiting.domain import agent_uploads


def _upload(field: str, files: dict, form: dict) -> dict:
    """The upload as task params: size-capped, sniffed from its bytes, stored for the worker."""
    upload = files[field]
    limit = get_settings().recruiting_upload_max_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The file may have at most {limit} bytes")
    if not data:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", {field: ["The file is empty."]})
    filename = (upload.filename or field).replace("\\", "/").rsplit("/", 1)[-1][:255] or field
    try:
        fmt = agent_uploads.sniff(data, filename)
    except agent_uploads.UnsupportedUpload as exc:
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", str(exc)) from None
    key = idempotency_key()
    replay = None if key is None else f"{key}\0{field}\0{filename}\0{form['notes']}"
    upload_id = agent_uploads.store(current_principal().org_id, data, replay)
    return {"upload_id": upload_id, "filename": filename, "format": fmt, "notes": form["notes"]}


def _submit_upload(kind: str, params: dict):
    try:
        return accept_task(kind, params, params_are_body=True)
    except Exception:
        # Not queued (refused, or the broker is down): nobody will read the stored bytes.
        agent_uploads.discard(current_principal().org_id, params["upload_id"])
        raise


@blp.route("/agent/chat", methods=["POST"])
@require("member")
@blp.arguments(AgentChatRequestSchema)
@documents_task(blp)
@blp.alt_response(404, response="NOT_FOUND")  # CONVERSATION_NOT_FOUND: not one of yours
def agent_chat(body):
    """Talk to the recruiter agent (async `recruiting.agent_chat`).

    Commands: "create a new job for …", "list jobs" / "show open jobs", "list candidates",
    "summarize candidate 3", "match candidates for job 5", "match jobs for candidate 7",
    "applications for job 5" / "pipeline for job 5", "move him to screening". Follow-ups
    ("and for job 6?", "summarize the first one") resolve against the conversation.

    The result: `{"reply", "conversation_id", "intent", "strategy", "data"}`; pass the
    `conversation_id` back to continue. The reply also streams as `token` events.
    """
    return accept_task(agent_kinds.AGENT_CHAT.name, body, params_are_body=True)


@blp.route("/agent/jobs/from_prompt", methods=["POST"])
@require("member")
@blp.arguments(JobFromPromptRequestSchema)
@documents_task(blp)
def job_from_prompt(body):
    """Create a job from a description (async `recruiting.job_from_prompt`).

    The result: `{"raw_prompt", "job", "summary", "strategy"}`.
    """
    return accept_task(agent_kinds.JOB_FROM_PROMPT.name, body, params_are_body=True)


# What the upload part may hold, stated beside the 415 the route answers: the type is sniffed
# from the bytes (PDF and DOCX by signature, else text), never taken from the client's label.
ACCEPTED_UPLOADS = (
    "application/pdf, "
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document, "
    "text/markdown, application/x-latex, text/plain"
)


def _upload_doc(field: str):
    return blp.doc(
        requestBody={
            "description": f"`{field}`: a PDF, DOCX, Markdown, LaTeX or plain-text file, "
            "recognised from its content (the part's Content-Type and the file name only tell "
            "kinds of text apart). Anything else (an image, an archive, an executable, a "
            "legacy .doc) is a 415 UNSUPPORTED_MEDIA_TYPE; an empty file is a 400 naming "
            f"`{field}`; a file past the size limit is a 413.",
            "content": {
                "multipart/form-data": {"encoding": {field: {"contentType": ACCEPTED_UPLOADS}}}
            },
        },
        responses={
            415: {
                "description": "UNSUPPORTED_MEDIA_TYPE: the file's content is not PDF, DOCX, "
                "Markdown, LaTeX or text (or the body is not multipart/form-data)",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
                },
            }
        },
    )


@blp.route("/agent/jobs/from_req", methods=["POST"])
@require("member")
@blp.arguments(JobReqFormSchema, location="form")
@blp.arguments(JobReqFileSchema, location="files")
@documents_task(blp)
@_upload_doc("job_req")
def job_from_req(form, files):
    """Create a job from an uploaded job req (multipart `job_req`, optional `notes`; async
    `recruiting.job_from_req`). PDF, DOCX, Markdown, LaTeX or text, read in the worker.

    Too large: 413. Not a document (image, archive, executable): 415. A file that turns
    out unreadable fails the task with `UNREADABLE_FILE`, `FILE_ENCRYPTED`, `FILE_TOO_LARGE`
    (also a zip bomb) or `NO_TEXT`. The result: `{"filename", "job", "summary"}`.
    """
    return _submit_upload(agent_kinds.JOB_FROM_REQ.name, _upload("job_req", files, form))


@blp.route("/agent/candidates/from_resume", methods=["POST"])
@require("member")
@blp.arguments(ResumeFormSchema, location="form")
@blp.arguments(ResumeFileSchema, location="files")
@documents_task(blp)
@_upload_doc("resume")
def candidate_from_resume(form, files):
    """Create a candidate from an uploaded resume (multipart `resume`, optional `notes`;
    async `recruiting.candidate_from_resume`). Same formats and failures as job reqs.

    The result: `{"filename", "candidate", "summary", "possible_duplicates", "roles"}`;
    possible duplicates are reported, never merged.
    """
    return _submit_upload(agent_kinds.CANDIDATE_FROM_RESUME.name, _upload("resume", files, form))


@blp.route("/agent/conversations")
class Conversations(MethodView):
    @require("viewer")
    @blp.response(200, ConversationSchema(many=True))
    def get(self):
        """Your conversations with the agent, most recent first (at most 100)."""
        principal = current_principal()
        with session_scope() as s:
            return s.scalars(
                select(Conversation)
                .where(
                    Conversation.org_id == principal.org_id,
                    Conversation.user_id == principal.user_id,
                )
                .order_by(Conversation.updated_at.desc(), Conversation.id)
                .limit(100)
            ).all()


@blp.route("/agent/conversations/<conversation_id>")
class ConversationById(MethodView):
    @require("viewer")
    @blp.response(200, ConversationDetailSchema)
    def get(self, conversation_id):
        """One of your conversations with its messages (another user's is a 404)."""
        principal = current_principal()
        with session_scope() as s:
            row = s.scalar(
                select(Conversation).where(
                    Conversation.id == conversation_id[:64],
                    Conversation.org_id == principal.org_id,
                    Conversation.user_id == principal.user_id,
                )
            )
            if row is None:
                raise NotFound("conversation")
            messages = s.scalars(
                select(ConversationMessage)
                .where(ConversationMessage.conversation_id == row.id)
                .order_by(ConversationMessage.id)
            ).all()
            fields = ("id", "title", "state", "created_at", "updated_at")
            return {**{f: getattr(row, f) for f in fields}, "messages": messages}
