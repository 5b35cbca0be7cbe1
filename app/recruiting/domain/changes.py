"""Changes to recruiting records: partial updates, salary order, and the application
pipeline with its history. Flask-free: the routes and the agent's tools both apply them."""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import ApiError
from app.core.principal import Principal
from app.models.recruiting import Application, ApplicationEvent


def apply_changes(row, body: dict) -> dict:
    """Set the given fields; returns ``{field: [before, after]}`` for the ones that changed."""
    changes = {}
    for field, value in body.items():
        before = getattr(row, field)
        if before != value:
            changes[field] = [before, value]
            setattr(row, field, value)
    return changes


def order_salary(job) -> None:
    """A range typed backwards (200000–160000) means 160000–200000: kept in order."""
    low, high = job.salary_min, job.salary_max
    if low is not None and high is not None and low > high:
        job.salary_min, job.salary_max = high, low


# --- applications ---------------------------------------------------------------------------


def _event(app: Application, principal: Principal, **fields) -> ApplicationEvent:
    return ApplicationEvent(
        application_id=app.id,
        org_id=app.org_id,
        changed_by=principal.caller,
        changed_by_user_id=principal.user_id,
        **fields,
    )


DUPLICATE_APPLICATION = ApiError(
    409,
    "CONFLICT",
    "This candidate already has an application for this job",
    {"candidate_id": ["An application for this job and candidate exists."]},
)


def create_application(s, principal: Principal, body: dict) -> Application:
    """A new application (the job and candidate were checked to be the org's). 409 when the
    pair already has one; the unique constraint settles a race (the caller maps it)."""
    taken = s.scalar(
        select(Application.id).where(
            Application.job_id == body["job_id"], Application.candidate_id == body["candidate_id"]
        )
    )
    if taken is not None:
        raise DUPLICATE_APPLICATION
    app = Application(org_id=principal.org_id, created_by_user_id=principal.user_id, **body)
    s.add(app)
    s.flush()
    s.add(_event(app, principal, from_status=None, to_status=app.status, changes={}))
    return app


def update_application(s, principal: Principal, app: Application, body: dict) -> Application:
    # Any move is allowed (back a step, or reopening a rejected or withdrawn application),
    # as in Odoo Recruitment: the schema refuses only a status that does not exist, and the
    # history keeps who moved it and why.
    reason = body.pop("reason", None)
    new_status = body.get("status", app.status)
    before = app.status
    changes = apply_changes(app, body)
    if not changes:
        return app
    status_change = changes.pop("status", None)
    s.add(
        _event(
            app,
            principal,
            from_status=before if status_change else None,
            to_status=new_status if status_change else None,
            changes=changes,
            note=reason,
        )
    )
    return app
