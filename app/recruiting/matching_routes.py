"""Matching (async `recruiting.match` on the matching queue) and the log of every run."""

from __future__ import annotations

import re

import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from app.core.errors import ApiError
from app.core.schema import Schema
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.recruiting import MatchLog
from app.platform import task_service
from app.platform.auth import current_principal, require
from app.platform.feed import wait_for_end
from app.platform.task_routes import MAX_WAIT, TaskSchema
from app.recruiting.blueprint import blp
from app.recruiting.kinds import MATCH, MATCH_STRATEGIES, MAX_MATCH_LIMIT
from app.recruiting.schemas import MatchLogQuerySchema, MatchLogSchema
from app.recruiting.services import listing, record_id

_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")
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
    principal = current_principal()
    try:
        task, created = task_service.submit(
            principal,
            MATCH.name,
            {"direction": direction, **body},
            request.headers.get("Idempotency-Key"),
        )
    except ApiError as exc:
        if exc.errors and set(exc.errors) == {"params"}:
            raise ApiError(exc.status, exc.code, exc.message, exc.errors["params"]) from None
        raise
    headers = {"Location": f"/api/v1/tasks/{task.id}"}
    wait = _WAIT.search(request.headers.get("Prefer", ""))
    if wait:
        seconds = min(int(wait.group(1)), MAX_WAIT)
        task = wait_for_end(principal, task, seconds)
        headers["Preference-Applied"] = f"wait={seconds}"
    finished = task.state in ("succeeded", "failed", "cancelled")
    return task, 202 if created and not finished else 200, headers


_DOC = (
    "The task's result: `{job_id | candidate_id, strategy, matches: [{…, score 0-100, reason, "
    "matched_skills, missing_skills, strategy}]}`. `Prefer: wait=N` (N ≤ 30) answers with "
    "the finished task. Every run is logged (`GET /match-logs`)."
)


@blp.route("/matching/candidates_for_job", methods=["POST"])
@require("viewer")
@blp.arguments(CandidatesForJobSchema)
@blp.response(202, TaskSchema)
@blp.alt_response(200, schema=TaskSchema, description="Finished within Prefer: wait=N")
def candidates_for_job(body):
    """The org's best candidates for a job (async `recruiting.match`)."""
    return _run("candidates_for_job", body)


candidates_for_job.__doc__ += "\n\n" + _DOC


@blp.route("/matching/jobs_for_candidate", methods=["POST"])
@require("viewer")
@blp.arguments(JobsForCandidateSchema)
@blp.response(202, TaskSchema)
@blp.alt_response(200, schema=TaskSchema, description="Finished within Prefer: wait=N")
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
