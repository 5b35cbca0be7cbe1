"""Matching (async `recruiting.match` on the matching queue) and the log of every run."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from app.core.schema import Schema
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.recruiting import MatchLog
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require
from app.recruiting.blueprint import blp
from app.recruiting.kinds import MATCH, MATCH_STRATEGIES, MAX_MATCH_LIMIT
from app.recruiting.schemas import MatchLogQuerySchema, MatchLogSchema
from app.recruiting.services import listing, record_id

_ID = validate.Range(min=1, max=2**31 - 1)


class _MatchRequest(Schema):
    limit = ma.fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_MATCH_LIMIT),
    )
    strategy = ma.fields.String(
        load_default="auto",
        validate=validate.OneOf(MATCH_STRATEGIES),
        metadata={"description": "auto: openai when an LLM is configured, else naive"},
    )


class CandidatesForJobSchema(_MatchRequest):
    job_id = ma.fields.Integer(required=True, validate=_ID, metadata={"example": 5})


class JobsForCandidateSchema(_MatchRequest):
    candidate_id = ma.fields.Integer(required=True, validate=_ID, metadata={"example": 12})


def _run(direction: str, body: dict):
    return accept_task(MATCH.name, {"direction": direction, **body}, params_are_body=True)


_DOC = (
    "The task's result: `{job_id | candidate_id, strategy, matches: [{…, score 0-100, reason, "
    "matched_skills, missing_skills, strategy}]}`. `Prefer: wait=N` (N ≤ 30) answers with "
    "the finished task. Every run is logged (`GET /match-logs`)."
)


@blp.route("/matching/candidates_for_job", methods=["POST"])
@require("viewer")
@blp.arguments(CandidatesForJobSchema)
@documents_task(blp)
def candidates_for_job(body):
    """The org's best candidates for a job (async `recruiting.match`)."""
    return _run("candidates_for_job", body)


candidates_for_job.__doc__ += "\n\n" + _DOC


@blp.route("/matching/jobs_for_candidate", methods=["POST"])
@require("viewer")
@blp.arguments(JobsForCandidateSchema)
@documents_task(blp)
def jobs_for_candidate(body):
    """The org's best jobs for a candidate (async `recruiting.match`)."""
    return _run("jobs_for_candidate", body)


jobs_for_candidate.__doc__ += "\n\n" + _DOC


@blp.route("/match-logs")
class MatchLogs(MethodView):
    @require("viewer")
    @blp.arguments(MatchLogQuerySchema, location="query")
    @blp.response(200, MatchLogSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """Every matching run of the org, newest first: who asked, when, direction, inputs,
        strategy and the scores; filter by `direction`, `job_id`, `candidate_id`, `strategy`."""
        stmt = scoped(select(MatchLog), MatchLog, current_principal())
        for field in ("direction", "job_id", "candidate_id", "strategy"):
            if query.get(field) is not None:
                stmt = stmt.where(getattr(MatchLog, field) == query[field])
        return listing(stmt.order_by(MatchLog.id.desc()), query)


@blp.route("/match-logs/<log_id>")
class MatchLogById(MethodView):
    @require("viewer")
    @blp.response(200, MatchLogSchema)
    def get(self, log_id):
        """One matching run."""
        with session_scope() as s:
            return get_scoped(
                s, MatchLog, record_id(log_id, "match log"), "match log", current_principal()
            )
