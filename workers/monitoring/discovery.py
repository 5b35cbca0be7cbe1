"""Resource Discovery: keep a rule's DOCKER monitors in step with its registry namespace.

A run lists the namespace (``catalog.list_namespace``) and then, in one transaction:

- each repository found (each of its tags when the rule is ``recursive``, else the tag it
  watches: ``latest``, or the highest version) that has no monitor of the rule gets one:
  ``<registry>/<repository>:<tag>``, the rule's check interval, TLS setting and groups;
- a monitor whose repository now watches another tag (a non-recursive rule whose newest
  version moved on) gets the new target and is checked soon;
- a monitor whose repository (or tag) is gone is deactivated, never deleted: its history
  stays. It comes back if the repository does. A monitor an admin switched off stays off;
- a repository whose tags could not be read this time keeps its monitors as they are.

A run whose listing fails changes no monitor (a registry outage must not switch everything
off); the rule records why (``last_status = failed``, the message and a code). Monitors are
keyed by (rule, key) in ``monitoring_discovered``: another org's rule on the same namespace
has its own monitors, in its own org.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert, select, update

from app.config import get_settings
from app.db import session_scope
from app.models.monitoring import DiscoveredResource, DiscoveryRule, Group, Resource
from app.models.monitoring import resource_groups as resource_groups_table
from app.monitoring.domain.targets import Namespace, parse_namespace, registry_is_insecure
from workers.monitoring import catalog
from workers.monitoring.net import Policy, ResolveError, blocked_cause, client
from workers.monitoring.probes.registry import RegistryFailure, Session

log = logging.getLogger("kairos.monitoring")

RUN_TIMEOUT = 120.0  # seconds for one whole listing
REQUEST_TIMEOUT = 15.0
MAX_MONITORS = 1000  # per rule: a recursive rule on a busy namespace stops here, and says so
MAX_CLAIM = 100  # rules sent per beat tick


class DiscoveryFailed(Exception):
    def __init__(self, message: str, code: str = "DISCOVERY_FAILED"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Summary:
    repositories: int = 0
    monitors: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    message: str = ""


# --- the listing (network) ----------------------------------------------------------------------


async def _list(namespace: Namespace, skip_tls: bool, policy: Policy, insecure) -> catalog.Listing:
    scheme = "http" if registry_is_insecure(namespace.api_host, tuple(insecure)) else "https"
    async with (
        asyncio.timeout(RUN_TIMEOUT),
        client(policy, verify=not skip_tls, timeout=REQUEST_TIMEOUT) as http,
    ):
        session = Session(http, namespace, f"{scheme}://{namespace.api_host}")
        return await catalog.list_namespace(session, namespace)


def list_namespace(namespace: Namespace, skip_tls: bool) -> catalog.Listing:
    """List it, or raise DiscoveryFailed with a sentence and a code."""
    settings = get_settings()
    policy = Policy(allow_private=settings.probe_allow_private)
    try:
        return asyncio.run(_list(namespace, skip_tls, policy, settings.probe_insecure_registries))
    except RegistryFailure as exc:
        raise DiscoveryFailed(exc.message, exc.code) from None
    except TimeoutError:
        raise DiscoveryFailed(f"Listing {namespace} took longer than {RUN_TIMEOUT:g}s") from None
    except Exception as exc:
        blocked = blocked_cause(exc)
        if blocked is not None:
            raise DiscoveryFailed(str(blocked), blocked.code) from None
        unresolved = _in_chain(exc, ResolveError)
        if unresolved is not None:
            raise DiscoveryFailed(str(unresolved), "CONNECTION_ERROR") from None
        if isinstance(exc, httpx.HTTPError | OSError):
            reason = str(exc) or type(exc).__name__
            raise DiscoveryFailed(
                f"Could not reach the registry {namespace.api_host}: {reason}", "CONNECTION_ERROR"
            ) from None
        raise


def _in_chain(exc: BaseException | None, kind: type) -> BaseException | None:
    """httpx may wrap what the network backend raised: find it in the chain."""
    for _ in range(10):
        if exc is None or isinstance(exc, kind):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def wanted(namespace: Namespace, listing: catalog.Listing, recursive: bool) -> dict[str, str]:
    """key → image reference of every monitor the rule should have, at most MAX_MONITORS."""
    found: dict[str, str] = {}
    for repository in sorted(listing.tags):
        tag_names = listing.tags[repository]
        if recursive:
            for tag in sorted(tag_names):
                found[f"{repository}:{tag}"] = f"{namespace.domain}/{repository}:{tag}"
        else:
            found[repository] = f"{namespace.domain}/{repository}:{catalog.latest_tag(tag_names)}"
    if len(found) > MAX_MONITORS:
        listing.notes.append(f"only the first {MAX_MONITORS} images are monitored")
        found = dict(list(found.items())[:MAX_MONITORS])
    return found


def _repository_of(key: str) -> str:
    return key.split(":", 1)[0]


# --- applying it (database) ----------------------------------------------------------------------


def apply(rule_id: str, listing: catalog.Listing) -> Summary:
    """Create, update, deactivate or bring back the rule's monitors in one transaction."""
    now = datetime.now(UTC)
    summary = Summary(repositories=len(listing.tags) + len(listing.unreadable))
    with session_scope() as s:
        rule = s.get(DiscoveryRule, rule_id)
        if rule is None:
            raise DiscoveryFailed("The discovery rule no longer exists", "DISCOVERY_RULE_NOT_FOUND")
        namespace = parse_namespace(rule.namespace)
        target_of = wanted(namespace, listing, rule.recursive)
        rows = s.execute(
            select(DiscoveredResource, Resource)
            .join(Resource, Resource.id == DiscoveredResource.resource_id)
            .where(DiscoveredResource.rule_id == rule.id)
        ).all()
        existing = {link.key: (link, res) for link, res in rows}
        groups = _groups(s, rule)
        for key, target in target_of.items():
            if key not in existing:
                _create(s, rule, key, target, groups, now)
                summary.created += 1
                continue
            link, res = existing[key]
            if res.target != target:
                res.target, res.name, res.next_due_at = target, _name(target), now
                summary.updated += 1
            if link.gone_at is not None:
                res.active, link.gone_at, res.next_due_at = True, None, now
                summary.reactivated += 1
        for key, (link, res) in existing.items():
            if key in target_of or _repository_of(key) in listing.unreadable:
                continue
            if res.active and link.gone_at is None:
                res.active, link.gone_at = False, now
                summary.deactivated += 1
        summary.monitors = len(target_of)
        summary.message = _message(summary, listing)
        _finish(rule, now, "ok", summary.message, None, summary.repositories)
    # The summary's "created" and "message" are LogRecord attributes (KeyError as extra keys).
    fields = {f"summary_{key}": value for key, value in asdict(summary).items()}
    log.info("discovery_run", extra={"rule_id": rule_id, **fields})
    return summary


def _name(target: str) -> str:
    return target.split("/", 1)[1][:200]


def _groups(session, rule: DiscoveryRule) -> list[str]:
    if not rule.group_ids:
        return []
    return list(
        session.scalars(
            select(Group.id).where(Group.org_id == rule.org_id, Group.id.in_(rule.group_ids))
        )
    )


def _create(session, rule, key: str, target: str, groups: list[str], now: datetime) -> None:
    res = Resource(
        org_id=rule.org_id,
        name=_name(target),
        resource_type="DOCKER",
        target=target,
        skip_tls=rule.skip_tls,
        recursive=rule.recursive,
        interval=rule.check_interval,
        created_at=now,
        updated_at=now,
        next_due_at=now,
    )
    session.add(res)
    session.flush()
    session.add(DiscoveredResource(resource_id=res.id, rule_id=rule.id, key=key))
    if groups:
        session.execute(
            insert(resource_groups_table), [{"resource_id": res.id, "group_id": g} for g in groups]
        )


def _message(summary: Summary, listing: catalog.Listing) -> str:
    parts = [
        f"{summary.repositories} repositories, {summary.monitors} images monitored "
        f"({summary.created} new, {summary.updated} updated, {summary.deactivated} deactivated, "
        f"{summary.reactivated} back)"
    ]
    if listing.unreadable:
        names = ", ".join(sorted(listing.unreadable)[:5])
        parts.append(f"tags unreadable, kept as they were: {names}")
    parts.extend(listing.notes)
    return "; ".join(parts)[:1000]


def _finish(rule, now, status, message, code, repositories) -> None:
    rule.last_run_at, rule.last_status = now, status
    rule.last_message, rule.last_error_code = message[:1000], code
    if repositories is not None:
        rule.last_repositories = repositories


def fail(rule_id: str, failure: DiscoveryFailed) -> None:
    """Record a failed run on the rule; its monitors are left as they are."""
    with session_scope() as s:
        rule = s.get(DiscoveryRule, rule_id)
        if rule is not None:
            _finish(rule, datetime.now(UTC), "failed", failure.message, failure.code, None)
    log.warning(
        "discovery_failed",
        extra={"rule_id": rule_id, "code": failure.code, "reason": failure.message},
    )


def run(rule_id: str) -> Summary:
    """One run of a rule: list its namespace, then apply. Raises DiscoveryFailed (recorded)."""
    with session_scope() as s:
        rule = s.get(DiscoveryRule, rule_id)
        if rule is None:
            raise DiscoveryFailed("The discovery rule no longer exists", "DISCOVERY_RULE_NOT_FOUND")
        namespace, skip_tls = parse_namespace(rule.namespace), rule.skip_tls
    try:
        return apply(rule_id, list_namespace(namespace, skip_tls))
    except DiscoveryFailed as exc:
        if exc.code != "DISCOVERY_RULE_NOT_FOUND":
            fail(rule_id, exc)
        raise


# --- the beat ----------------------------------------------------------------------------------


def claim(now: datetime | None = None, org_id: str | None = None) -> list[str]:
    """The enabled rules that are due, each moved to its next run in the same statement (a
    second beat or a late tick finds them not due)."""
    now = now or datetime.now(UTC)
    due = (DiscoveryRule.enabled.is_(True), DiscoveryRule.next_run_at <= now)
    if org_id is not None:
        due = (*due, DiscoveryRule.org_id == org_id)
    with session_scope() as s:
        candidates = s.execute(
            select(DiscoveryRule.id, DiscoveryRule.interval).where(*due).limit(MAX_CLAIM)
        ).all()
        claimed = []
        for rule_id, interval in candidates:
            won = s.execute(
                update(DiscoveryRule)
                .where(DiscoveryRule.id == rule_id, *due)
                .values(next_run_at=now + timedelta(seconds=interval))
            ).rowcount
            if won:
                claimed.append(rule_id)
    return claimed
