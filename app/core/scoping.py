"""The one org-scoping helper: every query of tenant data goes through :func:`scoped` or
:func:`get_scoped`, so another org's record is always a 404.

The principal is an argument, never read from a request: routes pass
``current_principal()``, workers the principal of the task they run.
"""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import NotFound
from app.core.principal import Principal


def scoped(stmt, model, principal: Principal):
    """Restrict a select to the caller's org, and to the caller's own records for personal
    models (``__personal__``: a job seeker's resumes are theirs, not their org's)."""
    stmt = stmt.where(model.org_id == principal.org_id)
    if getattr(model, "__personal__", False):
        stmt = stmt.where(model.owner_id == principal.user_id)
    return stmt


def get_scoped(session, model, id_: str, what: str, principal: Principal):
    """Fetch one tenant record by id, or raise ``<WHAT>_NOT_FOUND`` (also for other orgs)."""
    row = session.scalar(scoped(select(model).where(model.id == id_), model, principal))
    if row is None:
        raise NotFound(what)
    return row
