"""Resource Discovery (seed 002's Admin → Resource Discovery): rules naming a registry
namespace whose repositories become DOCKER monitors.

Admins only, org-scoped (another org's rule is a 404). The listing itself is the workers'
(``workers.monitoring.discovery``): a beat job runs each enabled rule every ``interval``
seconds, and ``POST …/run`` runs one now as a tracked task (``monitoring.discover``).
Deleting a rule leaves its monitors, as ordinary resources.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import func, select

from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.monitoring import DiscoveredResource, DiscoveryRule, Resource
from app.monitoring import kinds, netguard
from app.monitoring.blueprint import blp
from app.monitoring.discovery_schemas import (
    RuleCreateSchema,
    RulePatchSchema,
    RuleSchema,
)
from app.monitoring.domain import targets
from app.monitoring.resources import invalid, known_groups
from app.monitoring.schemas import DeletedSchema
from app.pagination import Rows
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require

COLUMNS = {  # request field → model attribute
    "name": "name",
    "namespace": "namespace",
    "recursive": "recursive",
    "skipTLS": "skip_tls",
    "enabled": "enabled",
    "interval": "interval",
    "checkInterval": "check_interval",
    "groupIds": "group_ids",
}


def check_namespace(namespace: str) -> str:
    """The namespace as stored (normalized), or a 400 naming ``namespace``."""
    try:
        problem = netguard.namespace_problem(namespace)
    except targets.TargetError as exc:
        raise invalid("namespace", str(exc)) from None
    if problem:
        raise invalid("namespace", problem)
    return str(targets.parse_namespace(namespace))


def _counts(session, rule_ids: list[str]) -> dict[str, dict[bool, int]]:
    found: dict[str, dict[bool, int]] = {r: {True: 0, False: 0} for r in rule_ids}
    if rule_ids:
        rows = session.execute(
            select(DiscoveredResource.rule_id, Resource.active, func.count())
            .join(Resource, Resource.id == DiscoveredResource.resource_id)
            .where(DiscoveredResource.rule_id.in_(rule_ids))
            .group_by(DiscoveredResource.rule_id, Resource.active)
        ).all()
        for rule_id, active, n in rows:
            found[rule_id][bool(active)] = n
    return found


def rule_json(row: DiscoveryRule, counts: dict[bool, int]) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "namespace": row.namespace,
        "recursive": row.recursive,
        "skipTLS": row.skip_tls,
        "enabled": row.enabled,
        "interval": row.interval,
        "checkInterval": row.check_interval,
        "groupIds": list(row.group_ids or []),
        "nextRunAt": row.next_run_at,
        "lastRunAt": row.last_run_at,
        "lastStatus": row.last_status,
        "lastMessage": row.last_message,
        "lastErrorCode": row.last_error_code,
        "lastRepositories": row.last_repositories,
        "activeMonitors": counts[True],
        "inactiveMonitors": counts[False],
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def _one(session, row: DiscoveryRule) -> dict:
    return rule_json(row, _counts(session, [row.id])[row.id])


def _rules_json(session, rows) -> list[dict]:
    counts = _counts(session, [r.id for r in rows])
    return [rule_json(r, counts[r.id]) for r in rows]


@blp.route("/discovery/rules")
class Rules(MethodView):
    @require("admin")
    @blp.response(200, RuleSchema(many=True))
    @blp.paginate()
    def get(self):
        """The org's discovery rules with how their last run went and how many monitors
        they keep (admin)."""
        stmt = scoped(select(DiscoveryRule), DiscoveryRule, current_principal())
        return Rows(stmt.order_by(DiscoveryRule.created_at, DiscoveryRule.id), _rules_json)

    @require("admin")
    @blp.arguments(RuleCreateSchema)
    @blp.response(201, RuleSchema)
    def post(self, body):
        """Add a discovery rule (admin). Its first run is due now (within a minute); `POST
        …/run` runs it at once."""
        principal = current_principal()
        body["namespace"] = check_namespace(body["namespace"])
        now = datetime.now(UTC)
        with session_scope() as s:
            body["groupIds"] = known_groups(s, principal.org_id, body["groupIds"])
            row = DiscoveryRule(
                org_id=principal.org_id,
                **{COLUMNS[k]: v for k, v in body.items()},
                next_run_at=now,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _one(s, row)


@blp.route("/discovery/rules/<rule_id>")
class RuleById(MethodView):
    @require("admin")
    @blp.response(200, RuleSchema)
    def get(self, rule_id):
        """One discovery rule (admin)."""
        with session_scope() as s:
            return _one(
                s, get_scoped(s, DiscoveryRule, rule_id, "discovery rule", current_principal())
            )

    @require("admin")
    @blp.arguments(RulePatchSchema)
    @blp.response(200, RuleSchema)
    def patch(self, body, rule_id):
        """Change a rule (admin); a new namespace is checked like a new rule's, and the rule
        runs again soon. Its monitors change on its next run."""
        principal = current_principal()
        if "namespace" in body:
            body["namespace"] = check_namespace(body["namespace"])
        with session_scope() as s:
            row = get_scoped(s, DiscoveryRule, rule_id, "discovery rule", current_principal())
            if "groupIds" in body:
                body["groupIds"] = known_groups(s, principal.org_id, body["groupIds"])
            for key, value in body.items():
                setattr(row, COLUMNS[key], value)
            now = datetime.now(UTC)
            if {"namespace", "recursive", "enabled"} & body.keys():
                row.next_run_at = now
            row.updated_at = now
            s.flush()
            return _one(s, row)

    @require("admin")
    @blp.response(200, DeletedSchema)
    def delete(self, rule_id):
        """Delete a rule (admin). The monitors it created stay, as ordinary resources, with
        their history."""
        with session_scope() as s:
            s.delete(get_scoped(s, DiscoveryRule, rule_id, "discovery rule", current_principal()))
        return {"status": "deleted"}


@blp.route("/discovery/rules/<rule_id>/run", methods=["POST"])
@require("admin")
@documents_task(blp)
def run_rule(rule_id):
    """Run a rule now, as a tracked task (`monitoring.discover` on the probes queue); the
    result counts the monitors created, updated, deactivated and brought back."""
    with session_scope() as s:  # a 404 before the task's checks
        get_scoped(s, DiscoveryRule, rule_id, "discovery rule", current_principal())
    return accept_task(kinds.DISCOVER.name, {"rule_id": rule_id})
