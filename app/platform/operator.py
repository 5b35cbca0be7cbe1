"""The installation's operator org: its admins (and only theirs) change what is one per
installation, not per org — runtime settings and the CORS allowed-origins list. Any
self-registered owner is an admin of their own org, so an org role alone must never be
enough to change what every other org relies on."""

from __future__ import annotations

from sqlalchemy import select

from app.config import get_settings
from app.core.errors import ApiError
from app.core.principal import Principal
from app.db import session_scope
from app.models import Org


def operator_org_id() -> str | None:
    """``operator_org`` if set, else the oldest org (the one whoever installed Kairos
    registered first)."""
    wanted = get_settings().operator_org
    if wanted:
        return wanted
    with session_scope() as s:
        return s.scalar(select(Org.id).order_by(Org.created_at, Org.id).limit(1))


def require_operator(principal: Principal, what: str) -> None:
    """403 unless the caller acts for the operator org (the route already required admin)."""
    if principal.org_id != operator_org_id():
        raise ApiError(403, "FORBIDDEN", f"{what} belong to the installation's operator org")
