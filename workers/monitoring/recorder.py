"""The result recorder: a batch of probe outcomes written in one transaction.

For each outcome: a check row, the resource's latest state (status with retries, failure
streak, certificate expiry), its next due time (its own phase within its interval, so due
times stay spread and never drift) and the release of its lease, and the minute rollup (an
upsert that adds to the bucket). Hour and day rollups are folded from whole minutes later by
the compaction beat job (``compaction.py``): writing them here too would update the same hot
row sixty times an hour per resource, which on PostgreSQL leaves a dead row version each time.
Only after the commit: metrics, the live status stream and notifications, one task per change.

A database error is retried with backoff (the whole transaction, which is safe: nothing of
it was kept) and then logged; it is never recorded as the resource being down. The lease
then runs out and the resources are probed again.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app import metrics
from app.db import session_scope
from app.models.monitoring import Check, Resource, Rollup
from workers.monitoring.probes import Outcome

log = logging.getLogger("kairos.monitoring")

RECORD_ATTEMPTS = 5
RECORD_BACKOFF = (0.2, 0.5, 1.0, 2.0)
CERT_WINDOW_DAYS = 365  # channels may ask to hear of expiry up to this far ahead
MINUTE = 60


@dataclass
class Change:
    """A resource whose current status changed, or whose certificate crossed a day."""

    org_id: str
    resource_id: str
    name: str
    resource_type: str
    target: str
    status: str
    previous: str | None
    check_status: str
    message: str | None
    error_code: str | None
    checked_at: datetime
    latency_ms: float | None
    cert_expires_at: datetime | None = None
    cert_days_before: float | None = None  # days left at the check before (None: unknown)

    def as_payload(self) -> dict:
        return {
            "org_id": self.org_id,
            "resource_id": self.resource_id,
            "name": self.name,
            "type": self.resource_type,
            "target": self.target,
            "status": self.status,
            "previous": self.previous,
            "check_status": self.check_status,
            "message": self.message,
            "error_code": self.error_code,
            "checked_at": self.checked_at.isoformat(),
            "latency_ms": self.latency_ms,
            "cert_expires_at": self.cert_expires_at.isoformat() if self.cert_expires_at else None,
            "cert_days_before": self.cert_days_before,
        }


def phase_of(resource_id: str, interval: int) -> float:
    """A stable offset within the interval: monitors created together still fire apart."""
    return (zlib.crc32(resource_id.encode()) % (interval * 1000)) / 1000.0


def next_due(resource_id: str, interval: int, now: datetime) -> datetime:
    """The first slot of this resource's phase strictly after ``now``."""
    interval = max(1, int(interval))
    epoch = now.timestamp()
    phase = phase_of(resource_id, interval)
    slot = ((epoch - phase) // interval + 1) * interval + phase
    return datetime.fromtimestamp(slot, UTC)


def bucket(at: datetime, seconds: int) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def new_state(row, up: bool) -> tuple[str, int]:
    """(current status, failure streak) after one check, with retries before NOT_AVAILABLE."""
    if up:
        return "available", 0
    streak = row.consecutive_failures + 1
    if streak > row.retries:
        return "not_available", streak
    # Retrying: the resource is pending, unless it was already down (then it stays down).
    return ("not_available" if row.current_status == "not_available" else "pending"), streak


def _days_left(expires: datetime | None, at: datetime | None) -> float | None:
    if expires is None or at is None:
        return None
    return (expires - at).total_seconds() / 86400


def _cert_crossed_a_day(before: float | None, now: float | None) -> bool:
    """Once a day per resource at most, and only within the window any channel may want."""
    if now is None or now > CERT_WINDOW_DAYS:
        return False
    return before is None or int(before // 1) != int(now // 1)


def _upsert_rollups(session, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(Rollup)
    new = stmt.excluded
    t = Rollup.__table__.c
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.resource_id, t.period, t.bucket_start],
        set_={
            "checks": t.checks + new.checks,
            "ups": t.ups + new.ups,
            "downs": t.downs + new.downs,
            "latency_sum": t.latency_sum + new.latency_sum,
            "latency_count": t.latency_count + new.latency_count,
            # Portable min/max that ignore NULL (SQLite's min() would return NULL).
            "latency_min": case(
                (t.latency_min.is_(None), new.latency_min),
                (new.latency_min.is_(None), t.latency_min),
                (new.latency_min < t.latency_min, new.latency_min),
                else_=t.latency_min,
            ),
            "latency_max": case(
                (t.latency_max.is_(None), new.latency_max),
                (new.latency_max.is_(None), t.latency_max),
                (new.latency_max > t.latency_max, new.latency_max),
                else_=t.latency_max,
            ),
        },
    )
    session.execute(stmt, rows)


def _rollup_rows(checks: list[dict]) -> list[dict]:
    merged: dict[tuple, dict] = {}
    for c in checks:
        up = c["status"] == "AVAILABLE"
        latency = c["latency_ms"]
        key = (c["resource_id"], bucket(c["checked_at"], MINUTE))
        row = merged.get(key)
        if row is None:
            row = merged[key] = {
                "resource_id": key[0],
                "period": "minute",
                "bucket_start": key[1],
                "checks": 0,
                "ups": 0,
                "downs": 0,
                "latency_sum": 0.0,
                "latency_count": 0,
                "latency_min": None,
                "latency_max": None,
            }
        row["checks"] += 1
        row["ups" if up else "downs"] += 1
        if latency is not None:
            row["latency_sum"] += latency
            row["latency_count"] += 1
            low, high = row["latency_min"], row["latency_max"]
            row["latency_min"] = latency if low is None else min(low, latency)
            row["latency_max"] = latency if high is None else max(high, latency)
    # A stable order: concurrent batches then take row locks in the same order (no deadlock).
    return sorted(merged.values(), key=lambda r: (r["resource_id"], r["bucket_start"]))


def _write(outcomes: list[Outcome], reschedule: bool) -> tuple[list[Change], int]:
    """One transaction; returns the changes to announce and the number of checks written."""
    done = [o for o in outcomes if o.result is not None]
    ids = sorted({o.spec.resource_id for o in outcomes})
    changes: list[Change] = []
    with session_scope() as s:
        rows = {r.id: r for r in s.execute(select(Resource).where(Resource.id.in_(ids))).scalars()}
        checks, updates = [], []
        now = datetime.now(UTC)
        for o in done:
            row = rows.get(o.spec.resource_id)
            if row is None:  # deleted while it was being probed
                continue
            r = o.result
            checked_at = o.started_at
            status, streak = new_state(row, r.up)
            checks.append(
                {
                    "resource_id": row.id,
                    "status": r.status,
                    "message": (r.message or "")[:1000],
                    "error_code": r.error_code,
                    "latency_ms": r.latency_ms,
                    "cert_expires_at": r.cert_expires_at,
                    "checked_at": checked_at,
                }
            )
            values = {
                "b_id": row.id,
                "current_status": status,
                "latest_check_status": r.status,
                "latest_message": (r.message or "")[:1000],
                "latest_error_code": r.error_code,
                "latest_checked_at": checked_at,
                "latest_latency_ms": r.latency_ms,
                "consecutive_failures": streak,
                "status_changed_at": now if status != row.current_status else row.status_changed_at,
                "cert_expires_at": r.cert_expires_at or row.cert_expires_at,
                "updated_at": now,
            }
            if reschedule:
                values["locked_until"] = None
                values["next_due_at"] = next_due(row.id, row.interval, now)
            updates.append(values)
            went_down = status == "not_available" and row.current_status != "not_available"
            recovered = status == "available" and row.current_status == "not_available"
            before = _days_left(row.cert_expires_at, row.latest_checked_at)
            after = _days_left(r.cert_expires_at, checked_at)
            cert_due = r.cert_expires_at is not None and _cert_crossed_a_day(before, after)
            if went_down or recovered or cert_due or status != row.current_status:
                changes.append(
                    Change(
                        row.org_id,
                        row.id,
                        row.name,
                        row.resource_type,
                        row.target,
                        status,
                        row.current_status,
                        r.status,
                        r.message,
                        r.error_code,
                        checked_at,
                        r.latency_ms,
                        r.cert_expires_at if cert_due else None,
                        before if cert_due else None,
                    )
                )
        # Outcomes with no result (our own error): release and reschedule, record nothing.
        if reschedule:
            for o in outcomes:
                row = rows.get(o.spec.resource_id)
                if o.result is None and row is not None:
                    updates.append(_release(row, now))
        if checks:
            s.execute(insert(Check), checks)
        if updates:
            s.execute(
                update(Resource.__table__).where(Resource.__table__.c.id == bindparam("b_id")),
                updates,
            )
        _upsert_rollups(s, _rollup_rows(checks))
    return changes, len(checks)


def _release(row, now: datetime) -> dict:
    return {
        "b_id": row.id,
        "current_status": row.current_status,
        "latest_check_status": row.latest_check_status,
        "latest_message": row.latest_message,
        "latest_error_code": row.latest_error_code,
        "latest_checked_at": row.latest_checked_at,
        "latest_latency_ms": row.latest_latency_ms,
        "consecutive_failures": row.consecutive_failures,
        "status_changed_at": row.status_changed_at,
        "cert_expires_at": row.cert_expires_at,
        "locked_until": None,
        "next_due_at": next_due(row.id, row.interval, now),
        "updated_at": now,
    }


def _transient(exc: BaseException) -> bool:
    # IntegrityError: a resource deleted between our read and our insert (its checks would
    # reference nothing); the retry reads again and leaves it out.
    return isinstance(exc, OperationalError | IntegrityError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def record(outcomes: list[Outcome], *, reschedule: bool = True) -> list[Change]:
    """Write a batch (retrying database errors), then announce what changed."""
    if not outcomes:
        return []
    t0 = time.perf_counter()
    for attempt in range(RECORD_ATTEMPTS):
        try:
            changes, written = _write(outcomes, reschedule)
            break
        except Exception as exc:
            if not _transient(exc) or attempt == RECORD_ATTEMPTS - 1:
                log.error(
                    "probe_record_failed",
                    extra={
                        "resources": len(outcomes),
                        "attempts": attempt + 1,
                        "error": f"{type(exc).__name__}: {exc}"[:500],
                    },
                )
                metrics.PROBE_RECORD_FAILURES.inc()
                raise
            delay = RECORD_BACKOFF[min(attempt, len(RECORD_BACKOFF) - 1)]
            log.warning(
                "probe_record_retry",
                extra={"attempt": attempt + 1, "delay": delay, "error": str(exc)[:300]},
            )
            time.sleep(delay)
    metrics.PROBE_RECORD_SECONDS.observe(time.perf_counter() - t0)
    for o in outcomes:
        if o.result is None:
            continue
        metrics.PROBE_CHECKS.labels(o.spec.resource_type, o.result.status).inc()
        metrics.PROBE_DURATION.labels(o.spec.resource_type).observe(o.duration)
        if o.lag is not None:
            metrics.PROBE_LAG.observe(max(0.0, o.lag))
    announce(changes)
    log.debug("probe_batch_recorded", extra={"checks": written, "changes": len(changes)})
    return changes


def announce(changes: list[Change]) -> None:
    """Live stream and notifications for each change; Redis trouble is logged, not raised."""
    from app.monitoring.live import publish_status_change

    for ch in changes:
        if ch.status != ch.previous:
            publish_status_change(
                ch.org_id,
                ch.resource_id,
                ch.name,
                ch.status,
                ch.previous,
                check_status=ch.check_status,
                message=ch.message,
                error_code=ch.error_code,
                checked_at=ch.checked_at,
                latency_ms=ch.latency_ms,
            )
        notifiable = (ch.status == "not_available" and ch.previous != "not_available") or (
            ch.status == "available" and ch.previous == "not_available"
        )
        if notifiable or ch.cert_expires_at is not None:
            try:
                from workers.monitoring.notify import send_change

                send_change(ch.as_payload())
            except Exception as exc:
                log.warning(
                    "notify_enqueue_failed",
                    extra={"resource_id": ch.resource_id, "error": str(exc)[:300]},
                )


def lease_for(timeout: float) -> timedelta:
    """How long a claim holds: the probe's own timeout plus time to wait in the queue."""
    return timedelta(seconds=float(timeout) + 120)
