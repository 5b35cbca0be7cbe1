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

from sqlalchemy import and_, case, func, or_, select

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
    """``{resource_id: {"24h": r, "7d": r, "30d": r, "365d": r}}`` (r in 0..1 or None)."""
    now = now or datetime.now(UTC)
    empty = {name: None for name in WINDOWS}
    result = {rid: dict(empty) for rid in resource_ids}
    if not resource_ids:
        return result
    starts = {name: window_start(name, now) for name in WINDOWS}
    columns = []
    for name, (period, start) in starts.items():
        hit = and_(Rollup.period == period, Rollup.bucket_start >= start)
        columns.append(func.sum(case((hit, Rollup.ups), else_=0)).label(f"u{name}"))
        columns.append(func.sum(case((hit, Rollup.downs), else_=0)).label(f"d{name}"))
    earliest = {}
    for period, start in starts.values():
        earliest[period] = min(start, earliest.get(period, start))
    rows = session.execute(
        select(Rollup.resource_id, *columns)
        .where(
            Rollup.resource_id.in_(resource_ids),
            or_(*(and_(Rollup.period == p, Rollup.bucket_start >= s) for p, s in earliest.items())),
        )
        .group_by(Rollup.resource_id)
    ).all()
    for row in rows:
        values = row._mapping
        result[row.resource_id] = {
            name: ratio(values[f"u{name}"], values[f"d{name}"]) for name in WINDOWS
        }
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
) -> dict[str, list[dict]]:
    """The last ``days`` UTC days per resource, oldest first, one entry per day (a day
    without checks has ``uptime`` None)."""
    now = now or datetime.now(UTC)
    today = floor(now, "day")
    first = today - timedelta(days=days - 1)
    by_resource: dict[str, dict[datetime, tuple[int, int]]] = {rid: {} for rid in resource_ids}
    if resource_ids:
        rows = session.execute(
            select(Rollup.resource_id, Rollup.bucket_start, Rollup.ups, Rollup.downs).where(
                Rollup.resource_id.in_(resource_ids),
                Rollup.period == "day",
                Rollup.bucket_start >= first,
            )
        ).all()
        for rid, start, ups, downs in rows:
            by_resource[rid][start] = (ups, downs)
    bars = {}
    for rid, seen in by_resource.items():
        row = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            ups, downs = seen.get(day, (0, 0))
            row.append(
                {
                    "date": day.date().isoformat(),
                    "ups": ups,
                    "downs": downs,
                    "uptime": ratio(ups, downs),
                }
            )
        bars[rid] = row
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
