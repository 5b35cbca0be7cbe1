"""Dining API (seed 003) under /api/v1/dining."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "dining",
    __name__,
    url_prefix="/api/v1/dining",
    description="Dining: taste profiles, an allergen guard and daily feeds (seed 003)",
)
