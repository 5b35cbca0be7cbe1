"""Recruiting task kinds: what the workload's heavy work is, where it runs, what it takes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.core.scoping import get_scoped
from app.db import session_scope
from app.platform.kinds import TaskKind, register

MATCH_STRATEGIES = ("auto", "naive", "openai")
MAX_MATCH_LIMIT = 100
_ID = validate.Range(min=1, max=2**31 - 1)


_ID_DOC = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_MATCH_OPTIONS_DOC = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_MATCH_LIMIT, "default": 20},
    "strategy": {
        "type": "string",
        "enum": list(MATCH_STRATEGIES),
        "default": "auto",
        "description": "auto: openai when an LLM is configured, else naive",
    },
}


def _match_branch(direction: str, subject: str, other: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "direction": {"type": "string", "enum": [direction]},
            subject: _ID_DOC,
            other: {**_ID_DOC, "nullable": True},
            **_MATCH_OPTIONS_DOC,
        },
        "required": ["direction", subject],
        "additionalProperties": False,
    }


class MatchParams(Schema):
    """The document states the rule across fields: the direction names which id is needed."""

    class Meta(Schema.Meta):
        openapi = {
            "oneOf": [
                _match_branch("candidates_for_job", "job_id", "candidate_id"),
                _match_branch("jobs_for_candidate", "candidate_id", "job_id"),
            ],
            "example": {"direction": "candidates_for_job", "job_id": 1, "limit": 20},
        }

    direction = ma.fields.String(
        required=True, validate=validate.OneOf(("candidates_for_job", "jobs_for_candidate"))
    )
    job_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_ID)
    candidate_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_ID)
    limit = ma.fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_MATCH_LIMIT),
    )
    strategy = ma.fields.String(
        load_default="auto",
        validate=validate.OneOf(MATCH_STRATEGIES),
        metadata={"description": "auto: openai when an LLM is configured, else naive"},
    )

    @ma.validates_schema
    def _subject(self, data, **_kwargs):
        need = "job_id" if data.get("direction") == "candidates_for_job" else "candidate_id"
        if data.get(need) is None:
            raise ma.ValidationError(["Missing data for required field."], need)


def _authorize_subject(principal, params: dict) -> None:
    """The job or candidate named must be the caller's org's, or the task is a 404."""
    from app.models.recruiting import Candidate, Job

    with session_scope() as s:
        if params["direction"] == "candidates_for_job":
            get_scoped(s, Job, params["job_id"], "job", principal)
        else:
            get_scoped(s, Candidate, params["candidate_id"], "candidate", principal)


MATCH = register(
    TaskKind(
        name="recruiting.match",
        queue="matching",
        schema=MatchParams,
        description="Score an org's candidates for a job, or its jobs for a candidate (0-100).",
        role="viewer",
        soft_time_limit=120,
        time_limit=150,
        max_retries=2,
        authorize=_authorize_subject,
    )
)

# The agent and intake kinds live beside these, in their own module.
from app.recruiting import agent_kinds  # noqa: E402, F401, I001
