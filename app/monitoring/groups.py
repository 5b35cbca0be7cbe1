"""Groups: named sets of resources with a visibility (PUBLIC, AUTHENTICATED, HIDDEN)."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import ApiError
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.monitoring import Group, Resource, resource_groups
from app.monitoring.blueprint import blp, conflict
from app.monitoring.resources import unknown_records
from app.monitoring.schemas import DeletedSchema
from app.monitoring.status_schemas import GroupCreateSchema, GroupPatchSchema, GroupSchema
from app.pagination import Rows
from app.platform.auth import current_principal, require


def _conflict(name: str) -> ApiError:
    return ApiError(409, "CONFLICT", f"A group named {name!r} already exists")


def _members(session, group_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {g: [] for g in group_ids}
    if group_ids:
        rows = session.execute(
            select(resource_groups.c.group_id, resource_groups.c.resource_id)
            .where(resource_groups.c.group_id.in_(group_ids))
            .order_by(resource_groups.c.resource_id)
        ).all()
        for group_id, resource_id in rows:
            found[group_id].append(resource_id)
    return found


def group_json(row: Group, members: list[str]) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "visibility": row.visibility,
        "resourceIds": members,
        "createdAt": row.created_at,
    }


def _groups_json(session, rows: list[Group]) -> list[dict]:
    members = _members(session, [g.id for g in rows])
    return [group_json(g, members[g.id]) for g in rows]


def _known_resources(session, org_id: str, resource_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(resource_ids))
    if not wanted:
        return []
    found = set(
        session.scalars(
            select(Resource.id).where(Resource.org_id == org_id, Resource.id.in_(wanted))
        )
    )
    missing = [r for r in wanted if r not in found]
    if missing:
        raise unknown_records("resource", "resourceIds", missing)
    return wanted


def _set_members(session, group_id: str, resource_ids: list[str]) -> None:
    session.execute(delete(resource_groups).where(resource_groups.c.group_id == group_id))
    if resource_ids:
        session.execute(
            insert(resource_groups),
            [{"resource_id": r, "group_id": group_id} for r in resource_ids],
        )


def _name_taken(session, org_id: str, name: str, except_id: str | None = None) -> bool:
    stmt = select(Group.id).where(Group.org_id == org_id, Group.name == name)
    if except_id:
        stmt = stmt.where(Group.id != except_id)
    return session.scalar(stmt) is not None


@blp.route("/groups")
class Groups(MethodView):
    @require("viewer")
    @blp.response(200, GroupSchema(many=True))
    @blp.paginate()
    def get(self):
        """The org's groups with their visibility and members (members of the org)."""
        stmt = scoped(select(Group), Group, current_principal())
        return Rows(stmt.order_by(Group.id), _groups_json)

    @require("admin")
    @conflict("A group of that name exists in the org (CONFLICT)")
    @blp.arguments(GroupCreateSchema)
    @blp.response(201, GroupSchema)
    def post(self, body):
        """Create a group (admin), optionally with its resources."""
        principal = current_principal()
        try:
            with session_scope() as s:
                if _name_taken(s, principal.org_id, body["name"]):
                    raise _conflict(body["name"])
                members = _known_resources(s, principal.org_id, body["resourceIds"])
                row = Group(
                    org_id=principal.org_id, name=body["name"], visibility=body["visibility"]
                )
                s.add(row)
                s.flush()
                _set_members(s, row.id, members)
                return group_json(row, sorted(members))
        except IntegrityError:  # a concurrent create with the same name
            raise _conflict(body["name"]) from None


@blp.route("/groups/<group_id>")
class GroupById(MethodView):
    @require("viewer")
    @blp.response(200, GroupSchema)
    def get(self, group_id):
        """One group."""
        with session_scope() as s:
            row = get_scoped(s, Group, group_id, "group", current_principal())
            return group_json(row, _members(s, [row.id])[row.id])

    @require("admin")
    @conflict("A group of that name exists in the org (CONFLICT)")
    @blp.arguments(GroupPatchSchema)
    @blp.response(200, GroupSchema)
    def patch(self, body, group_id):
        """Rename, change visibility, or replace the members (admin)."""
        principal = current_principal()
        try:
            with session_scope() as s:
                row = get_scoped(s, Group, group_id, "group", current_principal())
                if "name" in body and _name_taken(s, principal.org_id, body["name"], row.id):
                    raise _conflict(body["name"])
                if "resourceIds" in body:
                    members = _known_resources(s, principal.org_id, body["resourceIds"])
                    _set_members(s, row.id, members)
                for key in ("name", "visibility"):
                    if key in body:
                        setattr(row, key, body[key])
                s.flush()
                return group_json(row, _members(s, [row.id])[row.id])
        except IntegrityError:
            raise _conflict(body.get("name", "")) from None

    @require("admin")
    @blp.response(200, DeletedSchema)
    def delete(self, group_id):
        """Delete a group (admin); its resources stay, without it."""
        with session_scope() as s:
            s.delete(get_scoped(s, Group, group_id, "group", current_principal()))
        return {"status": "deleted"}
