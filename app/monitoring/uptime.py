"""The read side of the rollups: uptime ratios, daily bars and bucket listings.

The recorder folds every check into a minute bucket (UTC); the compaction beat job folds
whole minutes into hours and whole hours into days, and keeps a mark per coarse grain (the
``monitoring_compaction`` table): every minute before the hour mark is in an hour row, every
hour before the day mark in a day row. A window is read from the coarsest grain that has its
resolution (as Uptime Kuma does with its ``stat_minutely/hourly/daily`` tables), and the part
of it that is not folded yet from the next finer grain, so each bucket counts exactly once:

=======  ================================================  ==============================
window   rows read                                         buckets (current one included)
=======  ================================================  ==============================
24 h     hour before the hour mark, minute after           24
7 d      hour before the hour mark, minute after           168
30 d     day before the day mark, hour, then minute         30
365 d    day before the day mark, hour, then minute         365
=======  ================================================  ==============================

Uptime = ups ÷ (ups + downs) over the window's buckets; ``None`` when nothing was checked.
Folding only adds counts up, so a figure is the same before and after compaction. One query
per grain serves any number of resources and all four windows (conditional sums), so the
cost of a page of resources does not depend on how often they are checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select

from app.models.monitoring import Compaction, Rollup

WINDOWS = {
    "24h": ("hour", timedelta(hours=24)),
    "7d": ("hour", timedelta(days=7)),
    "30d": ("day", timedelta(days=30)),
    "365d": ("day", timedelta(days=365)),
}
PERIOD_SPAN = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
FINER = {"day": "hour", "hour": "minute"}


def floor(moment: datetime, period: str) -> datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    if period in ("hour", "day"):
        moment = moment.replace(minute=0)
    if period == "day":
        moment = moment.replace(hour=0)
    return moment


def window_start(name: str, now: datetime) -> tuple[str, datetime]:
    """(period, first bucket) of a window ending with the bucket that holds ``now``."""
    period, span = WINDOWS[name]
    return period, floor(now, period) - span + PERIOD_SPAN[period]


def ratio(ups: int | None, downs: int | None) -> float | None:
    ups, downs = ups or 0, downs or 0
    if ups + downs == 0:
        return None
    return round(ups / (ups + downs), 6)


def marks(session) -> dict[str, datetime | None]:
    """How far hours and days are folded (``None``: not at all yet)."""
    found = dict(session.execute(select(Compaction.grain, Compaction.done_until)).all())
    return {"hour": found.get("hour"), "day": found.get("day")}


def segments(
    period: str, start: datetime, folded: dict[str, datetime | None]
) -> list[tuple[str, datetime, datetime | None]]:
    """Where the buckets from ``start`` on, read at ``period``, are stored: ``(grain, from,
    until)`` ranges (``until`` None: open), coarsest first, each bucket in exactly one."""
    out = []
    low = start
    grain = period
    while grain != "minute":
        mark = folded.get(grain)
        if mark is not None and mark > low:
            out.append((grain, low, mark))
            low = mark
        grain = FINER[grain]
    out.append(("minute", low, None))
    return out


def _in(low: datetime, high: datetime | None):
    hit = Rollup.bucket_start >= low
    return hit if high is None else and_(hit, Rollup.bucket_start < high)


def uptimes(session, resource_ids: list[str], now: datetime | None = None) -> dict[str, dict]:
    """``{resource_id: {"24h": r, "7d": r, "30d": r, "365d": r}}`` (r in 0..1 or None).

    One query per grain stored, each a range on the rollups' unique index (resource_id,
    period, bucket_start), with one conditional sum per window.
    """
    now = now or datetime.now(UTC)
    result = {rid: {name: None for name in WINDOWS} for rid in resource_ids}
    if not resource_ids:
        return result
    folded = marks(session)
    by_grain: dict[str, list[tuple[str, datetime, datetime | None]]] = {}
    for name in WINDOWS:
        period, start = window_start(name, now)
        for grain, low, high in segments(period, start, folded):
            by_grain.setdefault(grain, []).append((name, low, high))
    sums = {rid: {name: [0, 0] for name in WINDOWS} for rid in resource_ids}
    for grain, parts in by_grain.items():
        columns = []
        for i, (_name, low, high) in enumerate(parts):
            hit = _in(low, high)
            columns.append(func.sum(case((hit, Rollup.ups), else_=0)).label(f"u{i}"))
            columns.append(func.sum(case((hit, Rollup.downs), else_=0)).label(f"d{i}"))
        rows = session.execute(
            select(Rollup.resource_id, *columns)
            .where(
                Rollup.resource_id.in_(resource_ids),
                Rollup.period == grain,
                Rollup.bucket_start >= min(low for _n, low, _h in parts),
            )
            .group_by(Rollup.resource_id)
        ).all()
        for row in rows:
            values = row._mapping
            for i, (name, _low, _high) in enumerate(parts):
                total = sums[row.resource_id][name]
                total[0] += values[f"u{i}"] or 0
                total[1] += values[f"d{i}"] or 0
    for rid, windows in sums.items():
        for name, (ups, downs) in windows.items():
            result[rid][name] = ratio(ups, downs)
    return result


@dataclass
class Bucket:
    """A rollup bucket read at some grain, whatever grains it was stored in."""

    period: str
    bucket_start: datetime
    checks: int = 0
    ups: int = 0
    downs: int = 0
    latency_sum: float = 0.0
    latency_count: int = 0
    latency_min: float | None = None
    latency_max: float | None = None

    def add(self, row) -> None:
        self.checks += row.checks
        self.ups += row.ups
        self.downs += row.downs
        self.latency_sum += row.latency_sum
        self.latency_count += row.latency_count
        if row.latency_min is not None:
            low = self.latency_min
            self.latency_min = row.latency_min if low is None else min(low, row.latency_min)
        if row.latency_max is not None:
            high = self.latency_max
            self.latency_max = row.latency_max if high is None else max(high, row.latency_max)


def buckets(
    session,
    resource_ids: list[str],
    period: str,
    start: datetime,
    end: datetime | None = None,
    folded: dict[str, datetime | None] | None = None,
) -> dict[str, dict[datetime, Bucket]]:
    """``{resource_id: {bucket_start: Bucket}}`` at ``period`` for buckets in [start, end),
    each summed from the grain it is stored in."""
    folded = marks(session) if folded is None else folded
    out: dict[str, dict[datetime, Bucket]] = {rid: {} for rid in resource_ids}
    if not resource_ids:
        return out
    for grain, low, high in segments(period, floor(start, period), folded):
        if end is not None:
            high = end if high is None else min(high, end)
            if high <= low:
                continue
        rows = session.execute(
            select(Rollup).where(
                Rollup.resource_id.in_(resource_ids), Rollup.period == grain, _in(low, high)
            )
        ).scalars()
        for row in rows:
            at = floor(row.bucket_start, period)
            found = out[row.resource_id]
            if at not in found:
                found[at] = Bucket(period, at)
            found[at].add(row)
    return out


def daily_bars(
    session, resource_ids: list[str], days: int = 90, now: datetime | None = None
) -> dict[str, dict]:
    """The last ``days`` UTC days per resource, oldest first:
    ``{resource_id: {"days": [uptime or None per day], "ups": n, "downs": n}}``."""
    now = now or datetime.now(UTC)
    first = floor(now, "day") - timedelta(days=days - 1)
    bars = {rid: {"days": [None] * days, "ups": 0, "downs": 0} for rid in resource_ids}
    for rid, found in buckets(session, resource_ids, "day", first).items():
        for start, b in found.items():
            index = (start - first).days
            if 0 <= index < days:
                bar = bars[rid]
                bar["days"][index] = ratio(b.ups, b.downs)
                bar["ups"] += b.ups
                bar["downs"] += b.downs
    return bars


def bucket_json(row: Rollup | Bucket) -> dict:
    average = row.latency_sum / row.latency_count if row.latency_count else None
    return {
        "period": row.period,
        "bucketStart": row.bucket_start,
        "checks": row.checks,
        "ups": row.ups,
        "downs": row.downs,
        "uptime": ratio(row.ups, row.downs),
        "latencyAvgMs": None if average is None else round(average, 3),
        "latencyMinMs": row.latency_min,
        "latencyMaxMs": row.latency_max,
    }
