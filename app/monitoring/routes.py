"""Monitoring API (seed 002) under /api/v1/monitoring: the route modules, gathered on one
blueprint, plus the public status page at /status/<slug>."""

from __future__ import annotations

from app.monitoring import (  # noqa: F401  (each registers its routes on the blueprint)
    announcements,
    badges,
    channels,
    discovery,
    groups,
    resources,
    status_routes,
)
from app.monitoring.blueprint import blp

__all__ = ["blp"]
