"""Reading resources under the visibility policy, and their JSON shape (seed 002 fields)."""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import ApiError, NotFound
from app.models.monitoring import Resource
from app.monitoring import uptime, visibility
from app.monitoring.access import Reader


def allowed_for(rd: Reader, include_hidden: bool = False) -> tuple[str, ...] | None:
    if include_hidden and rd.level != "admin":
        raise ApiError(403, "FORBIDDEN", "include_hidden requires the admin role in the org")
    return visibility.allowed_visibilities(rd.level, include_hidden)


def readable_stmt(rd: Reader, allowed: tuple[str, ...] | None):
    stmt = select(Resource)
    if rd.org_id is not None:
        stmt = stmt.where(Resource.org_id == rd.org_id)
    return visibility.restrict(stmt, allowed)


def readable_resource(session, resource_id: str, rd: Reader, allowed) -> Resource:
    """One resource the reader may see, else RESOURCE_NOT_FOUND (never a 403: whether a
    hidden resource exists is itself not public)."""
    row = session.scalar(readable_stmt(rd, allowed).where(Resource.id == resource_id))
    if row is None:
        raise NotFound("resource")
    return row


def resource_json(row: Resource, groups: list[dict], ratios: dict | None = None) -> dict:
    first = groups[0] if groups else None
    return {
        "id": row.id,
        "name": row.name,
        "resourceType": row.resource_type,
        "target": row.target,
        "skipTLS": row.skip_tls,
        "recursive": row.recursive,
        "active": row.active,
        "interval": row.interval,
        "timeout": row.timeout,
        "retries": row.retries,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "currentStatus": row.current_status,
        "latestCheckStatus": row.latest_check_status,
        "latestCheckedAt": row.latest_checked_at,
        "latestMessage": row.latest_message,
        "latestErrorCode": row.latest_error_code,
        "latestLatencyMs": row.latest_latency_ms,
        "certExpiresAt": row.cert_expires_at,
        "groupId": first["id"] if first else None,
        "groupName": first["name"] if first else None,
        "groups": groups,
        "visibility": visibility.effective([g["visibility"] for g in groups]),
        "uptime": ratios or {name: None for name in uptime.WINDOWS},
    }


def resources_json(session, rows: list[Resource]) -> list[dict]:
    ids = [r.id for r in rows]
    groups = visibility.groups_of(session, ids)
    ratios = uptime.uptimes(session, ids)
    return [resource_json(r, groups.get(r.id, []), ratios.get(r.id)) for r in rows]
