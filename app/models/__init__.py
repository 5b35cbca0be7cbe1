"""ORM models, one module per workload plus the platform's own."""

from app.models import careers, dining, monitoring, recruiting
from app.models.base import Base
from app.models.platform import ApiKey, CorsOrigin, Org, Task, User

__all__ = [
    "ApiKey",
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
