"""The dining blueprint. Route modules decorate it; ``app.dining.routes`` imports them all.

It lives apart from ``routes`` so that a route module imports the blueprint, and ``routes``
imports the route modules, without either importing the other.
"""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "dining",
    __name__,
    url_prefix="/api/v1/dining",
    description="Dining: taste profiles, an allergen guard and daily feeds (seed 003)",
)
