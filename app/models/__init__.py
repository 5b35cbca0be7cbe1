"""ORM models, one module per workload plus the platform's own: every manifest's models
module is imported here, so ``Base.metadata`` holds every table (app/workloads.py)."""

import importlib

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

from app.workloads import MANIFESTS  # noqa: E402

for _manifest in MANIFESTS:
    if _manifest.models:
        importlib.import_module(_manifest.models)
