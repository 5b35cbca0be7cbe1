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


def public_read(fn):
    """Document a read that answers anyone, and more to a member who authenticates (a bad
    credential, when sent, is still a 401): security is optional (`{}` first)."""
    from app.openapi import SECURITY

    return blp.doc(security=[{}, *SECURITY])(fn)


def org_named(fn):
    """Document the 404 of a ``?org=<slug>`` that names no org."""
    from app.http import ErrorEnvelopeSchema

    return blp.alt_response(
        404, schema=ErrorEnvelopeSchema, description="No org has that slug (ORG_NOT_FOUND)"
    )(fn)


def conflict(description: str):
    from app.http import ErrorEnvelopeSchema

    return blp.alt_response(409, schema=ErrorEnvelopeSchema, description=description)
