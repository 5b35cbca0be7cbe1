"""Resources: create, list, read, change, delete, check now; their history and rollups."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import delete, insert, select

from app.core.errors import ApiError, NotFound
from app.core.scoping import get_scoped
from app.db import session_scope
from app.models.monitoring import Check, Group, Resource, Rollup, resource_groups
from app.monitoring import kinds, netguard, reads, uptime
from app.monitoring.access import ensure_slug, reader
from app.monitoring.blueprint import blp, conflict, org_named, public_read
from app.monitoring.domain import targets
from app.monitoring.resource_schemas import (
    CheckSchema,
    HistoryQuerySchema,
    ResourceCreateSchema,
    ResourceGroupsSchema,
    ResourcePatchSchema,
    ResourceQuerySchema,
    ResourceSchema,
    RollupQuerySchema,
    RollupSchema,
)
from app.monitoring.schemas import DeletedSchema, ReadQuerySchema
from app.pagination import Rows
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COLUMNS = {  # request field → model attribute
    "name": "name",
    "resourceType": "resource_type",
    "target": "target",
    "skipTLS": "skip_tls",
    "recursive": "recursive",
    "active": "active",
    "interval": "interval",
    "timeout": "timeout",
    "retries": "retries",
}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Invalid input", {field: [message]})


def unknown_records(what: str, field: str, missing: list[str]) -> ApiError:
    """The platform's rule for a referenced record that is unknown or another org's: a 404
    (``GROUP_NOT_FOUND``…), naming the field that referenced it (docs/contract.md)."""
    error = NotFound(what)
    error.errors = {field: [f"Unknown {what}: {', '.join(missing[:20])}"]}
    return error


def check_target(resource_type: str, target: str, stored: bool = False) -> str:
    """The target as stored (stripped), or a 400 naming ``target``.

    ``stored``: the type or the target comes from the record, not the body. A body that is
    fine on its own but does not fit the record is a 409 (naming ``target``): the document
    can state a body's rules, never the record's state.
    """
    try:
        problem = netguard.problem(resource_type, target)
    except targets.TargetError as exc:
        if stored:
            raise ApiError(
                409,
                "CONFLICT",
                f"The target does not fit the resource's type {resource_type}",
                {"target": [str(exc)]},
            ) from None
        raise invalid("target", str(exc)) from None
    if problem:
        raise invalid("target", problem)
    return target.strip()


def known_groups(session, org_id: str, group_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(group_ids))
    if not wanted:
        return []
    found = set(
        session.scalars(select(Group.id).where(Group.org_id == org_id, Group.id.in_(wanted)))
    )
    missing = [g for g in wanted if g not in found]
    if missing:
        raise unknown_records("group", "groupIds", missing)
    return wanted


def set_groups(session, resource_id: str, group_ids: list[str]) -> None:
    session.execute(delete(resource_groups).where(resource_groups.c.resource_id == resource_id))
    if group_ids:
        session.execute(
            insert(resource_groups),
            [{"resource_id": resource_id, "group_id": g} for g in group_ids],
        )


def _one_json(session, row: Resource) -> dict:
    return reads.resources_json(session, [row])[0]


@blp.route("/resources")
class Resources(MethodView):
    @public_read
    @org_named
    @blp.arguments(ResourceQuerySchema, location="query")
    @blp.response(200, ResourceSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """Resources visible to the caller under the group visibility policy (public read).

        Anonymous callers name the org with `?org=<slug>`; members also see AUTHENTICATED
        resources; HIDDEN ones only with `include_hidden` (admins). Latest status and uptime
        ratios (24h, 7d, 30d, 365d, from rollups) included.
        """
        rd = reader(query.get("org"))
        stmt = reads.readable_stmt(rd, reads.allowed_for(rd, query["include_hidden"]))
        if query.get("resourceType"):
            stmt = stmt.where(Resource.resource_type == query["resourceType"])
        if query.get("status"):
            stmt = stmt.where(Resource.current_status == query["status"])
        if query.get("q"):
            stmt = stmt.where(Resource.name.ilike(f"%{query['q']}%"))
        if query.get("groupId"):
            stmt = stmt.where(
                Resource.id.in_(
                    select(resource_groups.c.resource_id).where(
                        resource_groups.c.group_id == query["groupId"]
                    )
                )
            )
        return Rows(stmt.order_by(Resource.created_at, Resource.id), reads.resources_json)

    @require("admin")
    @blp.arguments(ResourceCreateSchema)
    @blp.response(200, ResourceSchema)
    def post(self, body):
        """Add a resource to monitor (admin). HTTP: a URL; TCP: host:port; DOCKER: an image
        reference (normalized as the Docker CLI does). Targets resolving to loopback,
        private, link-local, multicast or reserved addresses are refused."""
        principal = current_principal()
        target = check_target(body["resourceType"], body["target"])
        now = datetime.now(UTC)
        with session_scope() as s:
            group_ids = known_groups(s, principal.org_id, body.pop("groupIds"))
            row = Resource(
                org_id=principal.org_id,
                **{COLUMNS[k]: v for k, v in body.items()},
                created_at=now,
                updated_at=now,
                next_due_at=now,
            )
            row.target = target
            s.add(row)
            s.flush()
            set_groups(s, row.id, group_ids)
            result = _one_json(s, row)
        ensure_slug(principal.org_id)
        return result


@blp.route("/resources/<resource_id>")
class ResourceById(MethodView):
    @public_read
    @blp.arguments(ReadQuerySchema, location="query")
    @blp.response(200, ResourceSchema)
    def get(self, query, resource_id):
        """One resource with its latest status, groups and uptime (public read; 404 when
        not visible to the caller)."""
        rd = reader(query.get("org"), org_required=False)
        allowed = reads.allowed_for(rd, query["include_hidden"])
        with session_scope() as s:
            return _one_json(s, reads.readable_resource(s, resource_id, rd, allowed))

    @require("admin")
    @blp.arguments(ResourcePatchSchema)
    @blp.response(200, ResourceSchema)
    @conflict(
        "CONFLICT naming `target`: a new target does not fit the resource's stored type, or a "
        "new resourceType does not fit its stored target"
    )
    def patch(self, body, resource_id):
        """Change a resource (admin); a new target is checked like a new resource's."""
        principal = current_principal()
        with session_scope() as s:
            row = get_scoped(s, Resource, resource_id, "resource", current_principal())
            if "resourceType" in body or "target" in body:
                kind = body.get("resourceType", row.resource_type)
                stored = "resourceType" not in body or "target" not in body
                body["target"] = check_target(kind, body.get("target", row.target), stored)
                row.next_due_at = datetime.now(UTC)  # check the new target soon
            group_ids = body.pop("groupIds", None)
            if group_ids is not None:
                set_groups(s, row.id, known_groups(s, principal.org_id, group_ids))
            for key, value in body.items():
                setattr(row, COLUMNS[key], value)
            row.updated_at = datetime.now(UTC)
            s.flush()
            return _one_json(s, row)

    @require("admin")
    @blp.response(200, DeletedSchema)
    def delete(self, resource_id):
        """Delete a resource with its whole history (admin)."""
        with session_scope() as s:
            s.delete(get_scoped(s, Resource, resource_id, "resource", current_principal()))
        return {"status": "deleted"}


@blp.route("/resources/<resource_id>/groups", methods=["PUT"])
@require("admin")
@blp.arguments(ResourceGroupsSchema)
@blp.response(200, ResourceSchema)
def put_resource_groups(body, resource_id):
    """Replace the groups a resource belongs to (admin); an empty list ungroups it."""
    principal = current_principal()
    with session_scope() as s:
        row = get_scoped(s, Resource, resource_id, "resource", current_principal())
        set_groups(s, row.id, known_groups(s, principal.org_id, body["groupIds"]))
        row.updated_at = datetime.now(UTC)
        s.flush()
        return _one_json(s, row)


@blp.route("/resources/<resource_id>/check", methods=["POST"])
@require("admin")
@documents_task(blp)
def check_now(resource_id):
    """Check a resource now, as a tracked task (`monitoring.probe` on the probes queue); the
    result is recorded like a scheduled check."""
    return accept_task(kinds.PROBE.name, {"resource_id": resource_id})


def _member_reader(query):
    """History and rollups are for the org's members (seed: any authenticated user), still
    under the visibility policy."""
    rd = reader(query.get("org"))
    if not rd.is_member:
        raise ApiError(404, "RESOURCE_NOT_FOUND", "Resource not found")
    return rd


@blp.route("/resources/<resource_id>/history")
@require("viewer")
@blp.arguments(HistoryQuerySchema, location="query")
@blp.response(200, CheckSchema(many=True))
@blp.paginate()
def resource_history(query, resource_id):
    """Every check kept (raw checks are pruned after the retention period), newest first;
    `from`/`to` bound `checkedAt` (inclusive, exclusive)."""
    rd = _member_reader(query)
    with session_scope() as s:
        row = reads.readable_resource(
            s, resource_id, rd, reads.allowed_for(rd, query["include_hidden"])
        )
        stmt = select(Check).where(Check.resource_id == row.id)
        if query.get("from_"):
            stmt = stmt.where(Check.checked_at >= query["from_"])
        if query.get("to"):
            stmt = stmt.where(Check.checked_at < query["to"])
        if query.get("status"):
            stmt = stmt.where(Check.status == query["status"])
    return Rows(stmt.order_by(Check.checked_at.desc(), Check.id.desc()), _checks_json)


def _checks_json(_session, checks) -> list[dict]:
    return [
        {
            "id": c.id,
            "status": c.status,
            "message": c.message,
            "errorCode": c.error_code,
            "latencyMs": c.latency_ms,
            "certExpiresAt": c.cert_expires_at,
            "checkedAt": c.checked_at,
        }
        for c in checks
    ]


@blp.route("/resources/<resource_id>/rollups")
@require("viewer")
@blp.arguments(RollupQuerySchema, location="query")
@blp.response(200, RollupSchema(many=True))
@blp.paginate()
def resource_rollups(query, resource_id):
    """Minute, hour or day buckets (checks, ups, downs, uptime, latency avg/min/max),
    newest first."""
    rd = _member_reader(query)
    with session_scope() as s:
        row = reads.readable_resource(
            s, resource_id, rd, reads.allowed_for(rd, query["include_hidden"])
        )
        period = query["period"]
        if period != "minute":
            # Hours and days not folded yet are summed from the finer grain (at most the
            # retention of hours or days in buckets: a bounded list, paged here).
            start = query.get("from_") or EPOCH
            found = uptime.buckets(s, [row.id], period, start, query.get("to"))[row.id]
            ordered = sorted(found.values(), key=lambda b: b.bucket_start, reverse=True)
            return [uptime.bucket_json(b) for b in ordered]
        stmt = select(Rollup).where(Rollup.resource_id == row.id, Rollup.period == period)
        if query.get("from_"):
            stmt = stmt.where(Rollup.bucket_start >= query["from_"])
        if query.get("to"):
            stmt = stmt.where(Rollup.bucket_start < query["to"])
    return Rows(
        stmt.order_by(Rollup.bucket_start.desc()),
        lambda _s, buckets: [uptime.bucket_json(b) for b in buckets],
    )
