"""The read side of the rollups: uptime ratios, daily bars and bucket listings.

The recorder folds every check into minute, hour and day buckets (UTC). Reads pick the
coarsest period that still has the window's resolution, as Uptime Kuma does with its
``stat_minutely/hourly/daily`` tables:

=======  ==================  =====================================================
window   rollups read        buckets (the current, partial one included)
=======  ==================  =====================================================
24 h     hour                24
7 d      hour                168
30 d     day                 30
365 d    day                 365
=======  ==================  =====================================================

Uptime = ups ÷ (ups + downs) over the window's buckets; ``None`` when nothing was checked.
One query serves any number of resources and all four windows (conditional sums), so the
cost of a page of resources does not depend on how often they are checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from app.models.monitoring import Rollup

WINDOWS = {
    "24h": ("hour", timedelta(hours=24)),
    "7d": ("hour", timedelta(days=7)),
    "30d": ("day", timedelta(days=30)),
    "365d": ("day", timedelta(days=365)),
}
PERIOD_SPAN = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


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


def uptimes(session, resource_ids: list[str], now: datetime | None = None) -> dict[str, dict]:
    """``{resource_id: {"24h": r, "7d": r, "30d": r, "365d": r}}`` (r in 0..1 or None).

    One query per period (hour, day), each a range on the rollups' unique index
    (resource_id, period, bucket_start), with one conditional sum per window.
    """
    now = now or datetime.now(UTC)
    result = {rid: {name: None for name in WINDOWS} for rid in resource_ids}
    if not resource_ids:
        return result
    starts = {name: window_start(name, now) for name in WINDOWS}
    for period in {p for p, _ in starts.values()}:
        names = [n for n, (p, _) in starts.items() if p == period]
        earliest = min(starts[n][1] for n in names)
        columns = []
        for name in names:
            hit = Rollup.bucket_start >= starts[name][1]
            columns.append(func.sum(case((hit, Rollup.ups), else_=0)).label(f"u{name}"))
            columns.append(func.sum(case((hit, Rollup.downs), else_=0)).label(f"d{name}"))
        rows = session.execute(
            select(Rollup.resource_id, *columns)
            .where(
                Rollup.resource_id.in_(resource_ids),
                Rollup.period == period,
                Rollup.bucket_start >= earliest,
            )
            .group_by(Rollup.resource_id)
        ).all()
        for row in rows:
            values = row._mapping
            for name in names:
                result[row.resource_id][name] = ratio(values[f"u{name}"], values[f"d{name}"])
    return result


def uptime_over(session, resource_id: str, period: str, start: datetime) -> float | None:
    ups, downs = session.execute(
        select(func.sum(Rollup.ups), func.sum(Rollup.downs)).where(
            Rollup.resource_id == resource_id,
            Rollup.period == period,
            Rollup.bucket_start >= start,
        )
    ).one()
    return ratio(ups, downs)


def daily_bars(
    session, resource_ids: list[str], days: int = 90, now: datetime | None = None
) -> dict[str, dict]:
    """The last ``days`` UTC days per resource, oldest first:
    ``{resource_id: {"days": [uptime or None per day], "ups": n, "downs": n}}``."""
    now = now or datetime.now(UTC)
    first = floor(now, "day") - timedelta(days=days - 1)
    bars = {rid: {"days": [None] * days, "ups": 0, "downs": 0} for rid in resource_ids}
    if not resource_ids:
        return bars
    rows = session.execute(
        select(Rollup.resource_id, Rollup.bucket_start, Rollup.ups, Rollup.downs).where(
            Rollup.resource_id.in_(resource_ids),
            Rollup.period == "day",
            Rollup.bucket_start >= first,
        )
    ).all()
    for rid, start, ups, downs in rows:
        index = (start - first).days
        if 0 <= index < days:
            bar = bars[rid]
            bar["days"][index] = ratio(ups, downs)
            bar["ups"] += ups
            bar["downs"] += downs
    return bars


def bucket_json(row: Rollup) -> dict:
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
