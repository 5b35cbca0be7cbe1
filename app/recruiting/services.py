"""Light services behind the recruiting routes: list paging with the seed's skip/limit,
case-insensitive word search, partial updates, and the application pipeline with its history."""

from __future__ import annotations

from flask import request
from sqlalchemy import func, select

from app.db import session_scope
from app.http import ApiError, not_found
from app.models.recruiting import Application, ApplicationEvent
from app.platform.auth import Principal

SEED_DEFAULT_LIMIT = 50
MAX_ID = 2**31 - 1


def record_id(value: str, what: str) -> int:
    """An id from a path: ASCII digits within the column's range, else that record is not
    found (404, as for another org's)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        raise not_found(what)
    return int(value)


# Query parameters only seed 001 spells: a caller using one pages as the seed does.
SEED_PARAMS = ("skip", "limit", "status_filter")


def page_of(stmt, page_params, query: dict, *order_by) -> list:
    """One page of rows, paged as the caller speaks: a seed 001 client (any of
    ``SEED_PARAMS`` and no ``page``/``page_size``) gets ``skip``/``limit`` with the seed's
    default of 50; everyone else ``page``/``page_size`` (default 20).

    The envelope's meta reports the page that ``skip`` falls in and ``limit`` as its size.
    """
    platform_paging = "page" in request.args or "page_size" in request.args
    seed = "skip" in query or "limit" in query
    if seed or (not platform_paging and any(k in query for k in SEED_PARAMS)):
        limit = query.get("limit", SEED_DEFAULT_LIMIT)
        offset = query.get("skip", 0)
        page_params.page_size = limit
        page_params.page = offset // limit + 1
    else:
        limit = page_params.page_size
        offset = (page_params.page - 1) * page_params.page_size
    with session_scope() as s:
        page_params.item_count = s.scalar(select(func.count()).select_from(stmt.subquery()))
        return s.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words_in(stmt, column, q: str | None):
    """Rows whose ``column`` contains every word of ``q``, ignoring case."""
    for word in (q or "").split():
        stmt = stmt.where(func.lower(column).like(f"%{_escape_like(word.lower())}%", escape="\\"))
    return stmt


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
