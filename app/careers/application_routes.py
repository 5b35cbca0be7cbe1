"""Careers applications (seed 000): a job seeker's pipeline, to their job records or to a job
found anywhere (a free-form job becomes a record with source `manual`), with its history and
dashboard statistics. Registered on the careers blueprint."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import select

from app.careers import stats
from app.careers.blueprint import blp
from app.careers.schemas import (
    ApplicationCreateSchema,
    ApplicationDetailSchema,
    ApplicationQuerySchema,
    ApplicationSchema,
    ApplicationUpdateSchema,
    StatsSchema,
)
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.base import new_id
from app.models.careers import Application, ApplicationEvent, JobPosting
from app.platform.auth import current_principal, require

# --- applications -------------------------------------------------------------------------------


def _application_detail(s, app_row: Application) -> dict:
    history = s.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == app_row.id)
        .order_by(ApplicationEvent.at, ApplicationEvent.id)
    ).all()
    detail = {c: getattr(app_row, c) for c in ApplicationSchema().fields}
    return {**detail, "history": history}


def _manual_job(s, principal, job: dict) -> JobPosting:
    source_id = new_id()
    row = JobPosting(
        id=source_id,
        org_id=principal.org_id,
        owner_id=principal.user_id,
        source="manual",
        source_id=source_id,
        # Its own fingerprint: a board search never merges its postings into this record.
        fingerprint=f"manual:{source_id}",
        title=job["title"],
        company=job["company"],
        apply_url=job["url"],
        description=job["description"],
    )
    s.add(row)
    s.flush()
    return row


def _event(row: Application, principal, at: datetime, **fields) -> ApplicationEvent:
    return ApplicationEvent(
        application_id=row.id,
        changed_by=principal.caller,
        changed_by_user_id=principal.user_id,
        at=at,
        **fields,
    )


@blp.route("/applications")
class Applications(MethodView):
    @require("member")
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationDetailSchema)
    def post(self, body):
        """Start tracking an application: to one of your job records (`job_id`), or to a job
        found anywhere (`job`: title, company, URL, optional description), which becomes a
        job record with source `manual` that analysis and tailoring work on like any other."""
        principal = current_principal()
        now = datetime.now(UTC)
        with session_scope() as s:
            if "job" in body:
                job = _manual_job(s, principal, body["job"])
            else:
                job = get_scoped(s, JobPosting, body["job_id"], "job", current_principal())
            row = Application(
                org_id=principal.org_id,
                owner_id=principal.user_id,
                job_id=job.id,
                title=job.title,
                company=job.company,
                status=body["status"],
                notes=body["notes"],
                updated_at=now,
                applied_at=now if body["status"] == "applied" else None,
            )
            s.add(row)
            s.flush()
            s.add(_event(row, principal, now, to_status=row.status))
            s.flush()
            return _application_detail(s, row)

    @require("viewer")
    @blp.arguments(ApplicationQuerySchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """Your applications, most recently updated first."""
        stmt = scoped(select(Application), Application, current_principal())
        if query.get("status"):
            stmt = stmt.where(Application.status == query["status"])
        return stmt.order_by(Application.updated_at.desc(), Application.id)


@blp.route("/applications/stats", methods=["GET"])
@require("viewer")
@blp.response(200, StatsSchema)
def application_stats():
    """Counts by status, response rate, median days to first response, per week, funnel."""
    with session_scope() as s:
        apps = s.scalars(scoped(select(Application), Application, current_principal())).all()
        events = (
            s.execute(
                select(ApplicationEvent.application_id, ApplicationEvent.to_status).where(
                    ApplicationEvent.application_id.in_([a.id for a in apps])
                )
            ).all()
            if apps
            else []
        )
    return stats.application_stats(apps, events, datetime.now(UTC))


@blp.route("/applications/<application_id>")
class ApplicationById(MethodView):
    @require("viewer")
    @blp.response(200, ApplicationDetailSchema)
    def get(self, application_id):
        """An application with its status history."""
        with session_scope() as s:
            return _application_detail(
                s, get_scoped(s, Application, application_id, "application", current_principal())
            )

    @require("member")
    @blp.arguments(ApplicationUpdateSchema)
    @blp.response(200, ApplicationDetailSchema)
    def patch(self, body, application_id):
        """Move an application to any status (forward, back a step, or reopened after
        rejected / withdrawn; only a status that does not exist is a 400) and/or edit its
        notes. The history records each move with who made it and the optional `note` (the
        reason)."""
        principal = current_principal()
        now = datetime.now(UTC)
        with session_scope() as s:
            row = get_scoped(s, Application, application_id, "application", current_principal())
            new = body.get("status")
            if new is not None and new != row.status:
                # Any move is allowed (back a step, or reopening a rejected or withdrawn
                # application); the schema refuses only a status that does not exist.
                s.add(
                    _event(
                        row,
                        principal,
                        now,
                        from_status=row.status,
                        to_status=new,
                        note=body.get("note"),
                    )
                )
                if new == "applied" and row.applied_at is None:
                    row.applied_at = now  # moving back to applied keeps the first time
                elif row.applied_at and row.first_response_at is None and new in stats.RESPONSES:
                    row.first_response_at = now
                row.status = new
            if "notes" in body:
                row.notes = body["notes"]
            row.updated_at = now
            s.flush()
            return _application_detail(s, row)
