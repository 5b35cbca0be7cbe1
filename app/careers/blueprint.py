"""The careers blueprint, apart from the route modules that register on it (so they can
import it without importing each other). ``app.careers.routes`` re-exports it."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "careers",
    __name__,
    url_prefix="/api/v1/careers",
    description="Careers: a job seeker's assistant (seed 000)",
)
