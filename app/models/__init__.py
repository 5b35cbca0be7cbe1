"""ORM models, one module per workload plus the platform's own."""

from app.models import careers, dining, monitoring, recruiting
from app.models.base import Base
from app.models.platform import (
    ApiKey,
    AuditEvent,
    Blob,
    ConfigVersion,
    CorsOrigin,
    Invitation,
    Membership,
    Org,
    RevokedToken,
    Task,
    User,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Blob",
    "ConfigVersion",
    "Invitation",
    "Membership",
    "RevokedToken",
    "Base",
    "CorsOrigin",
    "Org",
    "Task",
    "User",
    "careers",
    "dining",
    "monitoring",
    "recruiting",
]
