"""Careers task kinds: what the job seeker's heavy work is, where it runs, what it takes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.careers.rules import BOARD_NAME, BOARDS, RESUME_FORMATS, validate_sources
from app.db import session_scope
from app.http import Schema
from app.platform.auth import get_scoped
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
    content = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_RESUME_CHARS))
    title = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))

    @ma.validates("content")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("The resume is empty.")


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
