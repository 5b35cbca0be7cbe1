"""Monitoring API (seed 002) under /api/v1/monitoring."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "monitoring",
    __name__,
    url_prefix="/api/v1/monitoring",
    description="Monitoring: service status probes, history and a public status page (seed 002)",
)
