"""The group visibility policy (seed 002), applied the same way to the resource list, one
resource, its history and rollups, the status page, its live feed and the badges.

- A resource may be in many groups; the most permissive group wins
  (PUBLIC > AUTHENTICATED > HIDDEN).
- Ungrouped resources are always listed.
- AUTHENTICATED ones are left out for anonymous callers (and members of other orgs).
- HIDDEN ones (every group HIDDEN) are left out of every public view; an org admin may ask
  for them explicitly (``include_hidden``) to manage them.
- ``groupId``/``groupName`` are the first group by id, kept beside ``groups``.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import exists, or_, select

from app.models.monitoring import Group, Resource, resource_groups

RANK = {"HIDDEN": 0, "AUTHENTICATED": 1, "PUBLIC": 2}


def allowed_visibilities(level: str, include_hidden: bool = False) -> tuple[str, ...] | None:
    """Group visibilities that make a resource readable at ``level``; None means all."""
    if level == "admin" and include_hidden:
        return None
    if level in ("member", "admin"):
        return ("PUBLIC", "AUTHENTICATED")
    return ("PUBLIC",)


def visible_clause(allowed: tuple[str, ...] | None):
    """A WHERE clause on :class:`Resource` for the policy (None: no restriction)."""
    if allowed is None:
        return None
    grouped = exists().where(resource_groups.c.resource_id == Resource.id)
    permissive = exists().where(
        resource_groups.c.resource_id == Resource.id,
        resource_groups.c.group_id == Group.id,
        Group.visibility.in_(allowed),
    )
    return or_(~grouped, permissive)


def restrict(stmt, allowed: tuple[str, ...] | None):
    clause = visible_clause(allowed)
    return stmt if clause is None else stmt.where(clause)


def effective(visibilities: list[str]) -> str:
    """The most permissive of a resource's groups; ungrouped counts as PUBLIC."""
    if not visibilities:
        return "PUBLIC"
    return max(visibilities, key=RANK.__getitem__)


def groups_of(session, resource_ids: list[str]) -> dict[str, list[dict]]:
    """Each resource's groups, sorted by id (so the first is the seed's groupId)."""
    found: dict[str, list[dict]] = defaultdict(list)
    if not resource_ids:
        return found
    rows = session.execute(
        select(resource_groups.c.resource_id, Group.id, Group.name, Group.visibility)
        .join(Group, Group.id == resource_groups.c.group_id)
        .where(resource_groups.c.resource_id.in_(resource_ids))
        .order_by(resource_groups.c.resource_id, Group.id)
    ).all()
    for resource_id, group_id, name, visibility in rows:
        found[resource_id].append({"id": group_id, "name": name, "visibility": visibility})
    return found


def is_visible(groups: list[dict], allowed: tuple[str, ...] | None) -> bool:
    if allowed is None or not groups:
        return True
    return any(g["visibility"] in allowed for g in groups)
