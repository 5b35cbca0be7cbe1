"""Recruiting API (seed 001) under /api/v1/recruiting: jobs and candidates here; applications,
matching and the agent in the modules imported at the end, all on the one blueprint ``blp``.

Roles: viewers read and run matching (it only reads, and logs the run); members create and
edit jobs, candidates and applications and delete applications; deleting a job or a
candidate takes an admin, because it removes their applications and pipeline history too.
"""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.recruiting import Candidate, Job
from app.platform.auth import current_principal, require
from app.recruiting.blueprint import blp
from app.recruiting.domain.changes import apply_changes, order_salary
from app.recruiting.domain.duplicates import duplicates_of
from app.recruiting.schemas import (
    CandidateCreateSchema,
    CandidatePatchSchema,
    CandidateQuerySchema,
    CandidateSchema,
    CandidateWrittenSchema,
    JobCreateSchema,
    JobListQuerySchema,
    JobOutSchema,
    JobPatchSchema,
)
from app.recruiting.services import listing, record_id, words_in

__all__ = ["blp"]


# --- jobs ---------------------------------------------------------------------------------------


@blp.route("/jobs")
class Jobs(MethodView):
    @require("viewer")
    @blp.arguments(JobListQuerySchema, location="query")
    @blp.response(200, JobOutSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """The org's jobs, newest first; `q` (title words), `status` / `status_filter`,
        `department`, `location`, `is_public`; `page`/`page_size` or the seed's `skip`/`limit`."""
        stmt = words_in(scoped(select(Job), Job, current_principal()), Job.title, query.get("q"))
        status = query.get("status") or query.get("status_filter")
        if status:
            stmt = stmt.where(Job.status == status)
        for field in ("department", "location"):
            stmt = words_in(stmt, getattr(Job, field), query.get(field))
        if "is_public" in query:
            stmt = stmt.where(Job.is_public.is_(query["is_public"]))
        return listing(stmt.order_by(Job.id.desc()), query)

    @require("member")
    @blp.arguments(JobCreateSchema)
    @blp.response(201, JobOutSchema)
    def post(self, body):
        """Open a job: `title` is required, every other field optional. A salary range given
        backwards is stored in order."""
        principal = current_principal()
        job = Job(
            org_id=principal.org_id,
            created_by_user_id=principal.user_id,
            source="manual",
            **body,
        )
        order_salary(job)
        with session_scope() as s:
            s.add(job)
        return job


@blp.route("/jobs/<job_id>")
class JobById(MethodView):
    @require("viewer")
    @blp.response(200, JobOutSchema)
    def get(self, job_id):
        """One job."""
        with session_scope() as s:
            return get_scoped(s, Job, record_id(job_id, "job"), "job", current_principal())

    @require("member")
    @blp.arguments(JobPatchSchema(partial=True))
    @blp.response(200, JobOutSchema)
    def patch(self, body, job_id):
        """Change any subset of a job's fields."""
        with session_scope() as s:
            job = get_scoped(s, Job, record_id(job_id, "job"), "job", current_principal())
            apply_changes(job, body)
            order_salary(job)
            s.flush()
            return job

    @require("admin")
    @blp.response(204)
    def delete(self, job_id):
        """Delete a job with its applications and their history (admins)."""
        with session_scope() as s:
            s.delete(get_scoped(s, Job, record_id(job_id, "job"), "job", current_principal()))


# --- candidates ---------------------------------------------------------------------------------


@blp.route("/candidates")
class Candidates(MethodView):
    @require("viewer")
    @blp.arguments(CandidateQuerySchema, location="query")
    @blp.response(200, CandidateSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """The org's candidates, newest first; `q` (name words), `email`, `current_company`,
        `location`, `source`; `page`/`page_size` or the seed's `skip`/`limit`."""
        stmt = words_in(
            scoped(select(Candidate), Candidate, current_principal()),
            Candidate.full_name,
            query.get("q"),
        )
        if query.get("email"):
            stmt = stmt.where(Candidate.email_key == query["email"].strip().lower())
        for field in ("current_company", "location"):
            stmt = words_in(stmt, getattr(Candidate, field), query.get(field))
        if query.get("source"):
            stmt = stmt.where(Candidate.source == query["source"])
        return listing(stmt.order_by(Candidate.id.desc()), query)

    @require("member")
    @blp.arguments(CandidateCreateSchema)
    @blp.response(201, CandidateWrittenSchema)
    def post(self, body):
        """Add a candidate. `possible_duplicates` lists records that may be the same person
        (same e-mail, LinkedIn or GitHub URL, or name at the same company): never merged."""
        principal = current_principal()
        with session_scope() as s:
            candidate = Candidate(
                org_id=principal.org_id, created_by_user_id=principal.user_id, **body
            )
            s.add(candidate)
            s.flush()
            candidate.possible_duplicates = duplicates_of(s, candidate)
            return candidate


@blp.route("/candidates/<candidate_id>")
class CandidateById(MethodView):
    @require("viewer")
    @blp.response(200, CandidateWrittenSchema)
    def get(self, candidate_id):
        """One candidate, with the ids of possible duplicates."""
        with session_scope() as s:
            candidate = get_scoped(
                s, Candidate, record_id(candidate_id, "candidate"), "candidate", current_principal()
            )
            candidate.possible_duplicates = duplicates_of(s, candidate)
            return candidate

    @require("member")
    @blp.arguments(CandidatePatchSchema(partial=True))
    @blp.response(200, CandidateWrittenSchema)
    def patch(self, body, candidate_id):
        """Change any subset of a candidate's fields."""
        with session_scope() as s:
            candidate = get_scoped(
                s, Candidate, record_id(candidate_id, "candidate"), "candidate", current_principal()
            )
            apply_changes(candidate, body)
            s.flush()
            candidate.possible_duplicates = duplicates_of(s, candidate)
            return candidate

    @require("admin")
    @blp.response(204)
    def delete(self, candidate_id):
        """Delete a candidate with their applications and history (admins)."""
        with session_scope() as s:
            s.delete(
                get_scoped(
                    s,
                    Candidate,
                    record_id(candidate_id, "candidate"),
                    "candidate",
                    current_principal(),
                )
            )


# Route modules that register on ``blp``: importing them here makes them part of the API.
from app.recruiting import application_routes, matching_routes  # noqa: E402, F401, I001
from app.recruiting import agent_routes  # noqa: E402, F401, I001
