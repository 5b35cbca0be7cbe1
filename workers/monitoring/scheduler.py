"""Scheduled probes at scale: claim what is due, send it in batches, probe a batch at once.

Scheduled checks are not task rows (10,000 monitors at 60 s would be 14 million rows a day).
A beat entry runs :func:`dispatch` every second: it claims the resources due within the next
``LOOKAHEAD`` seconds with an atomic lease —

    UPDATE monitoring_resources SET locked_until = now + lease
    WHERE id IN (…candidates…) AND active AND next_due_at <= now + lookahead
      AND (locked_until IS NULL OR locked_until < now)
    RETURNING …

— which on PostgreSQL re-checks the condition on each row it locks (two dispatchers never
both win a row) and on SQLite runs under the single writer lock, and sends the claimed ones
as plain Celery messages of ``probe_batch_size`` on the ``probes`` queue. A batch waits for
each resource's due time, probes them concurrently (asyncio), and writes all results in one
transaction (``recorder.record``), which also sets the next due time and frees the lease. A
batch that waited in the queue so long its lease is nearly over drops those resources: they
are claimed afresh, so a resource is never probed twice at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from app import metrics
from app.config import get_settings
from app.db import session_scope
from app.models.monitoring import Resource
from workers.monitoring.net import Policy
from workers.monitoring.probes import ProbeSpec, run_batch
from workers.monitoring.recorder import lease_for, record

log = logging.getLogger("kairos.monitoring")

LOOKAHEAD = 2.0  # seconds: claim early (absorbs a late tick), start on the dot
MAX_CLAIM = 5000  # resources per dispatch tick (10,000 at 60 s is ~167 per second)
LEASE_MARGIN = 5.0  # seconds of lease a batch must still have to start a probe
SLOW_LAG, SLOW_RECORD = 2.0, 1.0  # seconds: a batch past these is logged as a warning


def claim(
    now: datetime | None = None, limit: int = MAX_CLAIM, org_id: str | None = None
) -> list[dict]:
    """Atomically lease the due resources (of one org, if given: tests and operators);
    returns their probe specs with the lease's end."""
    now = now or datetime.now(UTC)
    horizon = now + timedelta(seconds=LOOKAHEAD)
    free = or_(Resource.locked_until.is_(None), Resource.locked_until < now)
    due = (Resource.active.is_(True), Resource.next_due_at <= horizon, free)
    if org_id is not None:
        due = (*due, Resource.org_id == org_id)
    with session_scope() as s:
        candidates = s.execute(
            select(Resource.id, Resource.timeout)
            .where(*due)
            .order_by(Resource.next_due_at)
            .limit(limit)
        ).all()
        if not candidates:
            return []
        claimed = []
        # One UPDATE per lease length (timeouts differ); a handful of distinct values.
        by_timeout: dict[int, list[str]] = {}
        for rid, timeout in candidates:
            by_timeout.setdefault(int(timeout), []).append(rid)
        for timeout, ids in by_timeout.items():
            until = now + lease_for(timeout)
            rows = s.execute(
                update(Resource)
                .where(Resource.id.in_(ids), *due)
                .values(locked_until=until)
                .returning(
                    Resource.id,
                    Resource.resource_type,
                    Resource.target,
                    Resource.timeout,
                    Resource.skip_tls,
                    Resource.next_due_at,
                )
                .execution_options(synchronize_session=False)
            ).all()
            for rid, rtype, target, tout, skip_tls, due_at in rows:
                claimed.append(
                    {
                        "id": rid,
                        "type": rtype,
                        "target": target,
                        "timeout": tout,
                        "skip_tls": skip_tls,
                        "due_at": due_at.isoformat(),
                        "lease_until": until.isoformat(),
                    }
                )
    claimed.sort(key=lambda c: c["due_at"])
    return claimed


def batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def dispatch(send, org_id: str | None = None) -> int:
    """Claim what is due and hand it to ``send(batch)`` in batches; returns how many."""
    settings = get_settings()
    claimed = claim(org_id=org_id)
    for batch in batches(claimed, settings.probe_batch_size):
        send(batch)
    if claimed:
        metrics.PROBE_DISPATCHED.inc(len(claimed))
        log.debug("probes_dispatched", extra={"resources": len(claimed)})
    return len(claimed)


def release(items: list[dict]) -> None:
    """Give back leases we will not use, so the next tick claims them (only if still ours:
    the lease's end is its token)."""
    with session_scope() as s:
        for item in items:
            s.execute(
                update(Resource)
                .where(
                    Resource.id == item["id"],
                    Resource.locked_until == datetime.fromisoformat(item["lease_until"]),
                )
                .values(locked_until=None)
                .execution_options(synchronize_session=False)
            )


def to_spec(item: dict) -> ProbeSpec:
    return ProbeSpec(
        resource_id=item["id"],
        resource_type=item["type"],
        target=item["target"],
        timeout=float(item["timeout"]),
        skip_tls=bool(item["skip_tls"]),
        due_at=datetime.fromisoformat(item["due_at"]),
    )


def run(batch: list[dict]) -> dict:
    """Probe one batch and record it (the body of the ``monitoring.probe_batch`` task)."""
    settings = get_settings()
    now = datetime.now(UTC)
    fresh, stale = [], []
    for item in batch:
        lease_until = datetime.fromisoformat(item["lease_until"])
        # Not enough lease left to finish: another dispatcher will claim it again soon.
        enough = lease_until - now > timedelta(seconds=float(item["timeout"]) + LEASE_MARGIN)
        (fresh if enough else stale).append(item)
    if stale:
        release(stale)
        log.warning("probe_batch_stale", extra={"dropped": len(stale)})
    if not fresh:
        return {"probed": 0, "dropped": len(stale)}
    policy = Policy(allow_private=settings.probe_allow_private)
    t0 = time.perf_counter()
    outcomes = asyncio.run(run_batch([to_spec(i) for i in fresh], policy, settings))
    t1 = time.perf_counter()
    changes = record(outcomes)
    t2 = time.perf_counter()
    lags = [o.lag for o in outcomes if o.lag is not None]
    fields = {
        "probed": len(outcomes),
        "max_lag_s": round(max(lags), 3) if lags else None,
        "queued_s": round((now - datetime.fromisoformat(fresh[0]["due_at"])).total_seconds(), 3),
        "probe_s": round(t1 - t0, 3),
        "record_s": round(t2 - t1, 3),
    }
    # Late or slow batches are what an operator wants to see; the others only when debugging.
    slow = (lags and max(lags) > SLOW_LAG) or t2 - t1 > SLOW_RECORD
    log.log(logging.WARNING if slow else logging.DEBUG, "probe_batch_done", extra=fields)
    return {"probed": len(outcomes), "dropped": len(stale), "changes": len(changes)}
