"""The recruiting blueprint, apart from the route modules that register on it (so they can
import it without importing each other). ``app.recruiting.routes`` re-exports it."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "recruiting",
    __name__,
    url_prefix="/api/v1/recruiting",
    description="Recruiting: an org-scoped ATS with two-way matching (seed 001)",
)
