"""The monitoring blueprint, shared by the route modules (resources, groups, announcements,
channels, status page); ``app.monitoring.routes`` gathers them."""

from __future__ import annotations

from app.http import Blueprint

blp = Blueprint(
    "monitoring",
    __name__,
    url_prefix="/api/v1/monitoring",
    description="Monitoring: service status probes, history and a public status page (seed 002)",
)
