"""Applications: a candidate in a job's pipeline, every change kept with who and when."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.http import ErrorEnvelopeSchema
from app.models.recruiting import Application, ApplicationEvent, Candidate, Job
from app.platform.auth import current_principal, require
from app.recruiting.blueprint import blp
from app.recruiting.domain.changes import (
    DUPLICATE_APPLICATION,
    create_application,
    update_application,
)
from app.recruiting.schemas import (
    ApplicationChangeSchema,
    ApplicationInSchema,
    ApplicationListQuerySchema,
    ApplicationOutSchema,
    ApplicationPatchSchema,
    ListQuerySchema,
)
from app.recruiting.services import listing, record_id


@blp.route("/applications")
class Applications(MethodView):
    @require("viewer")
    @blp.arguments(ApplicationListQuerySchema, location="query")
    @blp.response(200, ApplicationOutSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """The org's applications, newest first; filter by `job_id`, `candidate_id`,
        `status` / `status_filter`, `source`."""
        stmt = scoped(select(Application), Application, current_principal())
        for field in ("job_id", "candidate_id", "source"):
            if query.get(field) is not None:
                stmt = stmt.where(getattr(Application, field) == query[field])
        status = query.get("status") or query.get("status_filter")
        if status:
            stmt = stmt.where(Application.status == status)
        return listing(stmt.order_by(Application.id.desc()), query)

    @require("member")
    @blp.arguments(ApplicationInSchema)
    @blp.response(201, ApplicationOutSchema)
    @blp.alt_response(
        409, schema=ErrorEnvelopeSchema, description="This job and candidate already have one"
    )
    def post(self, body):
        """Put a candidate in a job's pipeline. Both must be this org's (404); one application
        per job and candidate (409 `CONFLICT`)."""
        principal = current_principal()
        try:
            with session_scope() as s:
                get_scoped(s, Job, body["job_id"], "job", current_principal())
                get_scoped(s, Candidate, body["candidate_id"], "candidate", current_principal())
                return create_application(s, principal, body)
        except IntegrityError:  # a concurrent request created the same pair first
            raise DUPLICATE_APPLICATION from None


@blp.route("/applications/<application_id>")
class ApplicationById(MethodView):
    @require("viewer")
    @blp.response(200, ApplicationOutSchema)
    def get(self, application_id):
        """One application."""
        with session_scope() as s:
            return get_scoped(
                s,
                Application,
                record_id(application_id, "application"),
                "application",
                current_principal(),
            )

    @require("member")
    @blp.arguments(ApplicationPatchSchema)
    @blp.response(200, ApplicationOutSchema)
    def patch(self, body, application_id):
        """Move an application to any status of the pipeline (sourced → screening →
        interviewing → offer → hired, rejected, withdrawn): forward, back a step, or reopened
        after rejected / withdrawn; only a status that does not exist is refused (400). Or
        change its source, fit_score, notes. Who made the change and the optional `reason`
        are kept in the history."""
        with session_scope() as s:
            app = get_scoped(
                s,
                Application,
                record_id(application_id, "application"),
                "application",
                current_principal(),
            )
            update_application(s, current_principal(), app, body)
            s.flush()
            return app

    @require("member")
    @blp.response(204)
    def delete(self, application_id):
        """Remove an application and its history."""
        with session_scope() as s:
            s.delete(
                get_scoped(
                    s,
                    Application,
                    record_id(application_id, "application"),
                    "application",
                    current_principal(),
                )
            )


@blp.route("/applications/<application_id>/history")
class ApplicationHistory(MethodView):
    @require("viewer")
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, ApplicationChangeSchema(many=True))
    @blp.paginate()
    def get(self, query, application_id):
        """Every change of an application, oldest first: from → to status, other fields
        `{field: [before, after]}`, who (`user:<id>` / `api_key:<id>`) and when."""
        with session_scope() as s:
            app = get_scoped(
                s,
                Application,
                record_id(application_id, "application"),
                "application",
                current_principal(),
            )
        stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
        return listing(stmt.order_by(ApplicationEvent.id), query)
