"""Monitoring tasks: thin wiring from Celery to the algorithms beside this module.

Scheduled work is plain Celery (no task rows): ``monitoring.dispatch`` (beat, every second),
``monitoring.probe_batch`` (queue ``probes``), ``monitoring.notify`` and ``monitoring.deliver``
(queue ``mail``), ``monitoring.compact`` and ``monitoring.prune`` (beat, bounded history),
``monitoring.discover_due`` (beat, every minute) and ``monitoring.discover_rule`` (queue
``probes``). What a client asks for is a TrackedTask: ``monitoring.probe`` (check one
resource now), ``monitoring.notify_test`` and ``monitoring.discover`` (run a discovery rule
now).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from app.config import get_settings
from app.db import session_scope
from app.models.monitoring import Resource
from workers.base import TaskError, TrackedTask
from workers.celery_app import celery
from workers.monitoring import compaction, discovery, notify, scheduler
from workers.monitoring.net import Policy
from workers.monitoring.probes import ProbeSpec, run_batch
from workers.monitoring.recorder import record

log = logging.getLogger("kairos.monitoring")


@celery.task(name="monitoring.dispatch", ignore_result=True)
def dispatch(org_id=None):
    """Beat: lease the due resources and send them in batches to the probes queue."""

    def send(batch):
        probe_batch.apply_async(kwargs={"batch": batch}, queue="probes", expires=300)

    t0 = time.perf_counter()
    count = scheduler.dispatch(send, org_id)
    elapsed = time.perf_counter() - t0
    if elapsed > 0.5:
        log.warning("probe_dispatch_slow", extra={"resources": count, "seconds": round(elapsed, 3)})
    return {"dispatched": count}


@celery.task(name="monitoring.probe_batch", ignore_result=True, acks_late=True)
def probe_batch(batch):
    return scheduler.run(batch)


@celery.task(name="monitoring.notify", ignore_result=True)
def notify_change(change):
    def send(channel_id, body, resource_id):
        deliver.apply_async(
            kwargs={"channel_id": channel_id, "body": body, "resource_id": resource_id},
            queue="mail",
        )

    return {"deliveries": notify.fan_out(change, send)}


@celery.task(name="monitoring.deliver", ignore_result=True)
def deliver(channel_id, body, resource_id=None, attempt=1):
    done, delay = notify.deliver_once(channel_id, body, resource_id, attempt)
    if not done:
        # A new message, not a Celery retry: the worker is free meanwhile and nothing is
        # held in memory; the attempt number travels with it.
        deliver.apply_async(
            kwargs={
                "channel_id": channel_id,
                "body": body,
                "resource_id": resource_id,
                "attempt": attempt + 1,
            },
            queue="mail",
            countdown=delay,
        )


@celery.task(name="monitoring.compact", ignore_result=True)
def compact():
    """Beat: fold whole minutes into hour rollups and whole hours into day rollups."""
    return compaction.compact()


@celery.task(name="monitoring.prune", ignore_result=True)
def prune():
    """Beat: drop raw checks and rollups past their retention (never an unfolded one)."""
    return compaction.prune()


@celery.task(name="monitoring.discover_due", ignore_result=True)
def discover_due(org_id=None):
    """Beat: send each due discovery rule to the probes queue (plain messages)."""
    claimed = discovery.claim(org_id=org_id)
    for rule_id in claimed:
        discover_rule.apply_async(kwargs={"rule_id": rule_id}, queue="probes", expires=600)
    return {"rules": len(claimed)}


@celery.task(name="monitoring.discover_rule", ignore_result=True)
def discover_rule(rule_id):
    try:
        return dataclasses.asdict(discovery.run(rule_id))
    except discovery.DiscoveryFailed:
        return None  # recorded on the rule (last_status, last_message, last_error_code)


# --- what a client asks for ---------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="monitoring.probe")
def probe(self, resource_id):
    """Check one resource now and record it like a scheduled check (its schedule unchanged)."""
    with session_scope() as s:
        row = s.get(Resource, resource_id)
        if row is None or row.org_id != self.attempt.org_id:
            raise TaskError("Resource not found", code="RESOURCE_NOT_FOUND")
        spec = ProbeSpec(row.id, row.resource_type, row.target, float(row.timeout), row.skip_tls)
    self.progress(10, stage="probing", message=f"{spec.resource_type} {spec.target}")
    policy = Policy(allow_private=get_settings().probe_allow_private)
    outcome = asyncio.run(run_batch([spec], policy, get_settings()))[0]
    if outcome.result is None:
        raise TaskError("The probe failed unexpectedly", code="PROBE_ERROR")
    self.progress(80, stage="recording")
    record([outcome], reschedule=False)
    with session_scope() as s:
        row = s.get(Resource, resource_id)
        current = row.current_status if row is not None else None
    r = outcome.result
    return {
        "resourceId": resource_id,
        "status": r.status,
        "currentStatus": current,
        "message": r.message,
        "errorCode": r.error_code,
        "latencyMs": r.latency_ms,
        "checkedAt": outcome.started_at.isoformat(),
        "certExpiresAt": r.cert_expires_at.isoformat() if r.cert_expires_at else None,
    }


@celery.task(base=TrackedTask, bind=True, name="monitoring.notify_test")
def notify_test(self, channel_id):
    self.progress(10, stage="delivering")
    try:
        return notify.test_channel(channel_id, self.attempt.org_id)
    except notify.DeliveryError as exc:
        raise TaskError(exc.message, code="NOTIFY_FAILED") from None


@celery.task(base=TrackedTask, bind=True, name="monitoring.discover")
def discover(self, rule_id):
    """Run one discovery rule now; the result counts what it created, updated, deactivated."""
    from app.models.monitoring import DiscoveryRule

    with session_scope() as s:
        rule = s.get(DiscoveryRule, rule_id)
        if rule is None or rule.org_id != self.attempt.org_id:
            raise TaskError("Discovery rule not found", code="DISCOVERY_RULE_NOT_FOUND")
        namespace = rule.namespace
    self.progress(10, stage="listing", message=namespace)
    try:
        summary = discovery.run(rule_id)
    except discovery.DiscoveryFailed as exc:
        raise TaskError(exc.message, code=exc.code) from None
    return {"ruleId": rule_id, **dataclasses.asdict(summary)}
