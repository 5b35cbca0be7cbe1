"""Careers task kinds: what the job seeker's heavy work is, where it runs, what it takes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.careers.domain.rules import BOARD_NAME, BOARDS, RESUME_FORMATS, validate_sources
from app.core.schema import Schema, field_properties
from app.core.scoping import get_scoped
from app.db import session_scope
from app.platform.kinds import TaskKind, register

EXPORT_FORMATS = ("pdf", "latex", "markdown")
MAX_RESUME_CHARS = 200_000


_BOARDED = sorted(name for name, needs_board in BOARDS.items() if needs_board)
_BOARDLESS = sorted(name for name, needs_board in BOARDS.items() if not needs_board)
_BOARD = {"type": "string", "pattern": f"^{BOARD_NAME.pattern}$"}


class SourceSchema(Schema):
    """One job board. The document states the rule marshmallow cannot: a platform of
    `_BOARDED` needs a board, the others take none (one given anyway is ignored)."""

    class Meta(Schema.Meta):
        openapi = {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "platform": {"type": "string", "enum": _BOARDED},
                        "board": _BOARD,
                    },
                    "required": ["platform", "board"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "platform": {"type": "string", "enum": _BOARDLESS},
                        "board": {**_BOARD, "nullable": True},
                    },
                    "required": ["platform"],
                    "additionalProperties": False,
                },
            ],
            "example": {"platform": "greenhouse", "board": "vercel"},
        }

    platform = ma.fields.String(required=True, validate=validate.OneOf(sorted(BOARDS)))
    board = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(BOARD_NAME)
    )


def _known_boards(sources: list[dict]) -> None:
    """Refuse sources naming an unknown platform or a malformed board, by position."""
    problems = validate_sources(sources)
    if problems:
        raise ma.ValidationError({index: [message] for index, message in problems.items()})


def sources_field(**kwargs) -> ma.fields.List:
    """The one definition of a list of job boards to search (search params, profile)."""
    return ma.fields.List(
        ma.fields.Nested(SourceSchema), validate=[validate.Length(max=50), _known_boards], **kwargs
    )


class SearchParams(Schema):
    query = ma.fields.String(load_default="", validate=validate.Length(max=500))
    location = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=300)
    )
    remote = ma.fields.Boolean(load_default=None, allow_none=True)
    sources = sources_field(load_default=list)
    saved_search_id = ma.fields.String(load_default=None, allow_none=True)


class AnalyzeParams(Schema):
    job_id = ma.fields.String(required=True)
    resume_id = ma.fields.String(load_default=None, allow_none=True)


class ImportResumeParams(Schema):
    format = ma.fields.String(required=True, validate=validate.OneOf(RESUME_FORMATS))
    content = ma.fields.String(
        validate=validate.Length(min=1, max=MAX_RESUME_CHARS),
        metadata={
            "description": "The resume's text. The task keeps it in the blob store and its "
            "params name it by `upload_id` instead (required unless `upload_id` is given)"
        },
    )
    upload_id = ma.fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{32}$", error="Not an upload id."),
        metadata={"description": "A stored resume (a task's params after submission)"},
    )
    title = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))

    @ma.validates("content")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("The resume is empty.")

    @ma.validates_schema
    def _one_source(self, data, **_kwargs):
        if ("content" in data) == ("upload_id" in data):
            raise ma.ValidationError("Send the resume as content (or name a stored upload_id).",
                                     "content")  # fmt: skip

    class Meta(Schema.Meta):
        openapi: dict | None = None  # set below: `content` or `upload_id`, not both


def _import_resume_document() -> dict:
    """The rule across fields, as the document states it: one branch with `content` (text
    that is not blank), one with `upload_id`."""
    props = field_properties(ImportResumeParams)
    content = {**props["content"], "pattern": r"\S"}  # not blank: _not_blank above
    common = {k: v for k, v in props.items() if k not in ("content", "upload_id")}
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {**common, "content": content},
                "required": ["format", "content"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {**common, "upload_id": props["upload_id"]},
                "required": ["format", "upload_id"],
                "additionalProperties": False,
            },
        ],
        "example": {"format": "markdown", "content": "# Ada Lovelace\n\n## Skills\n- Python"},
    }


ImportResumeParams.Meta.openapi = _import_resume_document()


RESUME_TTL = 24 * 3600  # as long as a task's events are kept


def _stage_resume(principal, params, idempotency_key, store=True) -> dict:
    """The resume's text goes to the blob store; the task row keeps its key. A request with
    an Idempotency-Key derives the key from it, so a replay names the same blob."""
    import hashlib

    from app.platform import blobs

    if "content" not in params:
        return params
    content = params["content"].encode("utf-8")
    if idempotency_key is None:
        key = blobs.new_key()
    else:
        seed = f"{principal.org_id}\0{principal.caller}\0{idempotency_key}\0".encode()
        key = hashlib.sha256(seed + content).hexdigest()[:32]
    if store:
        blobs.put(content, org_id=principal.org_id, kind="careers.resume", ttl=RESUME_TTL,
                  key=key, max_bytes=MAX_RESUME_CHARS * 4)  # fmt: skip
    staged = {k: v for k, v in params.items() if k != "content"}
    return {**staged, "upload_id": key}


def _stored_resume(principal, params) -> None:
    from app.core.errors import NotFound
    from app.platform import blobs

    if "upload_id" in params and not blobs.exists(params["upload_id"], org_id=principal.org_id):
        raise NotFound("upload")


class TailorParams(Schema):
    resume_id = ma.fields.String(required=True)
    job_id = ma.fields.String(required=True)


class ExportParams(Schema):
    resume_id = ma.fields.String(required=True)
    format = ma.fields.String(required=True, validate=validate.OneOf(EXPORT_FORMATS))
    job_id = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Export the tailored version for this job"},
    )
    version = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


def _owns(principal, **ids) -> None:
    """Every record named in params must be the caller's, or the task is a 404."""
    from app.models.careers import JobPosting, Resume, SavedSearch

    models = {
        "job_id": (JobPosting, "job"),
        "resume_id": (Resume, "resume"),
        "saved_search_id": (SavedSearch, "saved search"),
    }
    with session_scope() as s:
        for field, value in ids.items():
            if value is not None:
                model, what = models[field]
                get_scoped(s, model, value, what, principal)


def _authorize(*fields):
    return lambda principal, params: _owns(principal, **{f: params.get(f) for f in fields})


SEARCH = register(
    TaskKind(
        name="careers.search",
        queue="search",
        schema=SearchParams,
        description="Search job boards (one thread per platform), normalize, dedupe, upsert.",
        soft_time_limit=120,
        time_limit=150,
        max_retries=0,
        authorize=_authorize("saved_search_id"),
    )
)
IMPORT_RESUME = register(
    TaskKind(
        name="careers.import_resume",
        queue="default",
        schema=ImportResumeParams,
        description="Parse a LaTeX or Markdown resume into sections, entries and bullets.",
        soft_time_limit=60,
        time_limit=90,
        max_retries=0,
        authorize=_stored_resume,
        upload="upload_id",
        prepare=_stage_resume,
    )
)
ANALYZE = register(
    TaskKind(
        name="careers.analyze",
        queue="llm",
        schema=AnalyzeParams,
        description="Extract a job's requirements and score the match with profile and resume.",
        soft_time_limit=300,
        time_limit=330,
        max_retries=2,
        authorize=_authorize("job_id", "resume_id"),
    )
)
TAILOR = register(
    TaskKind(
        name="careers.tailor",
        queue="llm",
        schema=TailorParams,
        description="Select and order a resume's lines for a job; nothing invented.",
        soft_time_limit=300,
        time_limit=330,
        max_retries=2,
        authorize=_authorize("resume_id", "job_id"),
    )
)
EXPORT = register(
    TaskKind(
        name="careers.export",
        queue="default",
        schema=ExportParams,
        description="Render a resume (original or tailored) as PDF, LaTeX or Markdown.",
        soft_time_limit=120,
        time_limit=150,
        max_retries=1,
        authorize=_authorize("resume_id", "job_id"),
    )
)
RERUN_SAVED = register(
    TaskKind(
        name="careers.rerun_saved_searches",
        queue="search",
        schema=Schema,
        public=False,
        description="Beat: re-run every saved search that is due.",
    )
)
