"""Bounded monitoring history: minutes folded into hours, hours into days, old rows pruned.

The recorder writes a raw check and a minute rollup per check. This beat job (the idea of
Gatus merging its hourly uptime rows into daily ones once they are old, and of Uptime Kuma's
``stat_minutely/hourly/daily`` tables) keeps the database from growing with the check rate:

- ``compact()`` folds every whole hour that ended ``GRACE`` ago into hour rollups, then every
  whole day already folded into hours into day rollups, and moves the grain's mark
  (``monitoring_compaction``) only once every resource is done. Reads take buckets before
  the mark from the coarse grain and the rest from the finer one (``app.monitoring.uptime``),
  so a half-done run is invisible and figures do not change when a bucket is folded.
- A fold *replaces* the coarse row with the sum of its fine rows, so running it twice, or on
  two beats at once, writes the same rows. Each run folds the last folded bucket again: a
  check recorded late (a probe takes at most its timeout, far less than ``GRACE``) still
  counts. Work goes in batches of ``RESOURCES_PER_BATCH`` resources over at most ``STEP`` of
  time, one transaction each: no statement touches an unbounded number of rows.
- ``prune()`` deletes rows past their retention in chunks of ``PRUNE_CHUNK``, and never a
  minute or hour that is not folded yet (it would drop out of the figures), nor hours the
  7-day window still reads.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from app.config import get_settings
from app.db import session_scope
from app.models.monitoring import Check, Compaction, Resource, Rollup
from app.monitoring.uptime import FINER, PERIOD_SPAN, Bucket, floor, marks

log = logging.getLogger("kairos.monitoring")

GRACE = timedelta(minutes=10)  # > the longest probe (timeout ≤ 120 s) plus recording
RESOURCES_PER_BATCH = 200
STEP = {"hour": timedelta(hours=6), "day": timedelta(days=2)}  # ≤ 72,000 fine rows a batch
PRUNE_CHUNK = 5000
# Hour rows the 7-day window reads, whatever the retention setting says.
HOUR_FLOOR = timedelta(days=8)
STATS = ("checks", "ups", "downs", "latency_sum", "latency_count", "latency_min", "latency_max")


def compact(now: datetime | None = None) -> dict[str, int]:
    """Fold hours, then days; returns the coarse rows written per grain."""
    now = now or datetime.now(UTC)
    written = {"hour": _fold("hour", now), "day": _fold("day", now)}
    if any(written.values()):
        log.info("monitoring_compacted", extra={"hours": written["hour"], "days": written["day"]})
    return written


def _fold(grain: str, now: datetime) -> int:
    fine = FINER[grain]
    span = PERIOD_SPAN[grain]
    with session_scope() as s:
        folded = marks(s)
        if grain == "hour":
            limit = floor(now - GRACE, "hour")
        elif folded["hour"] is None:
            return 0
        else:
            limit = floor(folded["hour"], "day")  # only days whose every hour is folded
        mark = folded[grain]
        if mark is None:
            first = s.scalar(
                select(Rollup.bucket_start)
                .where(Rollup.period == fine)
                .order_by(Rollup.bucket_start)
                .limit(1)
            )
            if first is None:
                return 0
            start = floor(first, grain)
        else:
            # Fold the last bucket again (a late check), unless retention may have begun to
            # delete its fine rows: folding it then would lose counts.
            start = min(mark, max(mark - span, _ceil(now - _kept(fine), grain)))
    written = 0
    while start < limit:
        # Skip stretches with nothing to fold (an index seek): a long quiet history costs
        # one query, not one pass over every resource per step.
        with session_scope() as s:
            following = s.scalar(
                select(Rollup.bucket_start)
                .where(Rollup.period == fine, Rollup.bucket_start >= start)
                .order_by(Rollup.bucket_start)
                .limit(1)
            )
        if following is None or following >= limit:
            _advance(grain, limit)
            break
        start = max(start, floor(following, grain))
        end = min(limit, start + STEP[grain])
        written += _fold_range(grain, fine, start, end)
        _advance(grain, end)
        start = end
    return written


def _ceil(moment: datetime, grain: str) -> datetime:
    low = floor(moment, grain)
    return low if low == moment else low + PERIOD_SPAN[grain]


def _kept(grain: str) -> timedelta:
    s = get_settings()
    if grain == "minute":
        return timedelta(hours=s.monitoring_minute_rollup_retention_hours)
    return max(timedelta(days=s.monitoring_hour_rollup_retention_days), HOUR_FLOOR)


def _fold_range(grain: str, fine: str, start: datetime, end: datetime) -> int:
    """Every resource's fine rows in [start, end) summed into its coarse rows, by batches."""
    after, written = "", 0
    while True:
        with session_scope() as s:
            ids = s.scalars(
                select(Resource.id)
                .where(Resource.id > after)
                .order_by(Resource.id)
                .limit(RESOURCES_PER_BATCH)
            ).all()
            if not ids:
                return written
            sums: dict[tuple[str, datetime], Bucket] = {}
            rows = s.scalars(
                select(Rollup).where(
                    Rollup.resource_id.in_(ids),
                    Rollup.period == fine,
                    Rollup.bucket_start >= start,
                    Rollup.bucket_start < end,
                )
            )
            for row in rows:
                key = (row.resource_id, floor(row.bucket_start, grain))
                if key not in sums:
                    sums[key] = Bucket(grain, key[1])
                sums[key].add(row)
            _replace(s, sorted(sums.items()))
            written += len(sums)
        after = ids[-1]


def _dialect_insert(session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _replace(session, items: list[tuple[tuple[str, datetime], Bucket]]) -> None:
    """Upsert coarse rows, setting (not adding) their sums: the same fold twice is harmless."""
    if not items:
        return
    stmt = _dialect_insert(session)(Rollup)
    stmt = stmt.on_conflict_do_update(
        index_elements=["resource_id", "period", "bucket_start"],
        set_={name: getattr(stmt.excluded, name) for name in STATS},
    )
    session.execute(
        stmt,
        [
            {"resource_id": rid, "period": b.period, "bucket_start": b.bucket_start}
            | {name: getattr(b, name) for name in STATS}
            for (rid, _at), b in items
        ],
    )


def _advance(grain: str, until: datetime) -> None:
    """Move the mark forward only (two beats racing leave the later one)."""
    with session_scope() as s:
        stmt = _dialect_insert(s)(Compaction).values(
            grain=grain, done_until=until, updated_at=datetime.now(UTC)
        )
        table = Compaction.__table__
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=["grain"],
                set_={
                    "done_until": stmt.excluded.done_until,
                    "updated_at": stmt.excluded.updated_at,
                },
                where=table.c.done_until < stmt.excluded.done_until,
            )
        )


def prune(now: datetime | None = None) -> dict[str, int]:
    """Drop checks and rollups past their retention, in chunks; never an unfolded bucket."""
    s = get_settings()
    now = now or datetime.now(UTC)
    with session_scope() as session:
        folded = marks(session)
    removed = {
        "checks": _prune(
            Check, Check.checked_at, now - timedelta(days=s.monitoring_check_retention_days)
        )
    }
    for grain, cutoff in (
        ("minute", now - _kept("minute")),
        ("hour", now - _kept("hour")),
        ("day", now - timedelta(days=s.monitoring_day_rollup_retention_days)),
    ):
        coarser = {"minute": "hour", "hour": "day"}.get(grain)
        if coarser is not None:
            if folded[coarser] is None:
                removed[grain] = 0
                continue
            cutoff = min(cutoff, folded[coarser])
        removed[grain] = _prune(Rollup, Rollup.bucket_start, cutoff, Rollup.period == grain)
    if any(removed.values()):
        log.info("monitoring_pruned", extra=removed)
    return removed


def _prune(model, column, cutoff, *where) -> int:
    total = 0
    while True:
        with session_scope() as s:
            ids = s.scalars(
                select(model.id).where(column < cutoff, *where).limit(PRUNE_CHUNK)
            ).all()
            if not ids:
                return total
            s.execute(delete(model).where(model.id.in_(ids)))
        total += len(ids)
        if len(ids) < PRUNE_CHUNK:
            return total
