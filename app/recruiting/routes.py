"""Recruiting API (seed 001) under /api/v1/recruiting."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "recruiting",
    __name__,
    url_prefix="/api/v1/recruiting",
    description="Recruiting: an org-scoped ATS with two-way matching (seed 001)",
)
