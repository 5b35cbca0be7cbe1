"""Bounded history: minutes folded into hours and days, old rows pruned, and every figure a
client reads (uptime windows, status page bars, bucket listings) the same before and after."""

from __future__ import annotations

import copy
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.db import session_scope
from app.models.monitoring import Check, Compaction, Rollup
from app.monitoring.uptime import floor
from tests.monitoring.conftest import BASE, create_resource, data, settings, slug_of
from workers.monitoring import compaction, recorder

# Both databases: rollups folded with INSERT ... ON CONFLICT, concurrent compactions.
pytestmark = pytest.mark.both_databases


def _write_history(rid: str, moments: list[datetime], seed: int) -> int:
    """Checks at these moments (about one in eight down), stored as the recorder stores them:
    the raw check and the minute rollup upsert. Returns how many were down."""
    rng = random.Random(seed)
    checks = []
    for at in moments:
        up = rng.random() > 0.125
        checks.append(
            {
                "resource_id": rid,
                "status": "AVAILABLE" if up else "NOT_AVAILABLE",
                "message": "HTTP 200" if up else "HTTP 503",
                "error_code": "200" if up else "503",
                "latency_ms": None if rng.random() < 0.05 else round(rng.uniform(5, 500), 3),
                "cert_expires_at": None,
                "checked_at": at,
            }
        )
    for i in range(0, len(checks), 2000):
        with session_scope() as s:
            s.execute(insert(Check), checks[i : i + 2000])
            recorder._upsert_rollups(s, recorder._rollup_rows(checks[i : i + 2000]))
    return sum(c["status"] != "AVAILABLE" for c in checks)


WINDOWS = (timedelta(hours=24), timedelta(days=7), timedelta(days=30), timedelta(days=90))


def _history(now: datetime) -> list[datetime]:
    """45 days every 17 minutes, then the last three hours every 20 seconds. No check lies
    within about an hour of where a window starts: the server's windows move with its clock
    while the test reads them twice, and a check leaving a window then is not compaction's
    doing."""
    start = now - timedelta(days=45)
    sparse = [start + timedelta(minutes=17 * i) for i in range(45 * 24 * 60 // 17)]
    dense_from = now - timedelta(hours=3)
    dense = [dense_from + timedelta(seconds=20 * i) for i in range(3 * 180)]
    near_edge = [
        (now - w - timedelta(minutes=61), now - w + timedelta(minutes=70)) for w in WINDOWS
    ]
    return [
        t
        for t in [t for t in sparse if t < dense_from] + [t for t in dense if t < now]
        if not any(lo <= t < hi for lo, hi in near_edge)
    ]


def _figures(api, rid: str, now: datetime) -> dict:
    """What clients read: the four windows, the status page row, hour and day listings."""
    resource = data(api.get(f"{BASE}/resources/{rid}"))
    page = data(api.get(f"{BASE}/status/{slug_of(api)}"))
    row = next(r for r in page["resources"] if r["id"] == rid)
    listings = {}
    for period, since in (("day", timedelta(days=60)), ("hour", timedelta(hours=30))):
        params = {
            "period": period,
            "from": (now - since).isoformat(),
            "page_size": 100,
        }
        listings[period] = data(api.get(f"{BASE}/resources/{rid}/rollups", params=params))
    return {
        "uptime": resource["uptime"],
        "days": row["days"],
        "uptime90d": row["uptime90d"],
        "listings": listings,
    }


def _same(after: dict, before: dict) -> None:
    """Counts and ratios exactly equal; average latency to float rounding (a sum of sums
    adds the same numbers in another order)."""
    after, before = copy.deepcopy(after), copy.deepcopy(before)
    averages: list[list[float]] = [[], []]
    for i, figures in enumerate((after, before)):
        for rows in figures["listings"].values():
            averages[i] += [row.pop("latencyAvgMs") or 0.0 for row in rows]
    assert after == before
    assert averages[0] == pytest.approx(averages[1], abs=0.002)


def _rows(rid: str, period: str) -> list[tuple]:
    with session_scope() as s:
        rows = s.scalars(
            select(Rollup)
            .where(Rollup.resource_id == rid, Rollup.period == period)
            .order_by(Rollup.bucket_start)
        ).all()
    return [
        (r.bucket_start, r.checks, r.ups, r.downs, r.latency_count, r.latency_min, r.latency_max)
        for r in rows
    ]


def _marks() -> dict:
    with session_scope() as s:
        return dict(s.execute(select(Compaction.grain, Compaction.done_until)).all())


def test_figures_are_unchanged_by_compaction_and_pruning(api, compaction_marks):
    rid = create_resource(api)["id"]
    now = datetime.now(UTC)
    moments = _history(now)
    downs = _write_history(rid, moments, seed=16)
    before = _figures(api, rid, now)
    assert before["uptime"]["30d"] is not None and before["uptime"]["24h"] is not None
    assert _rows(rid, "hour") == [] and _rows(rid, "day") == []

    written = compaction.compact(now)
    assert written["hour"] > 0 and written["day"] > 0
    marks = _marks()
    # Whole hours that ended at least the grace period ago; whole days of those hours.
    assert marks["hour"] == floor(now - compaction.GRACE, "hour")
    assert marks["day"] == floor(marks["hour"], "day")
    # Every check is in exactly one day row or a later, unfolded bucket: counts add up.
    days = _rows(rid, "day")
    hours_after = [r for r in _rows(rid, "hour") if r[0] >= marks["day"]]
    minutes_after = [r for r in _rows(rid, "minute") if r[0] >= marks["hour"]]
    total = sum(r[1] for r in days + hours_after + minutes_after)
    assert total == len(moments)
    assert sum(r[3] for r in days + hours_after + minutes_after) == downs
    _same(_figures(api, rid, now), before)

    # Folding again (or on a second beat) writes the same rows.
    hours, days = _rows(rid, "hour"), _rows(rid, "day")
    compaction.compact(now)
    assert (_rows(rid, "hour"), _rows(rid, "day")) == (hours, days)

    removed = compaction.prune(now)
    assert removed["checks"] > 0 and removed["minute"] > 0
    kept_from = now - timedelta(days=7)
    assert min(r[0] for r in _rows(rid, "minute")) >= kept_from
    _same(_figures(api, rid, now), before)


def test_two_compactions_at_once_write_what_one_writes(api, compaction_marks):
    first, second = create_resource(api)["id"], create_resource(api, name="Other")["id"]
    now = datetime.now(UTC)
    for seed, rid in enumerate((first, second)):
        _write_history(rid, [now - timedelta(minutes=7 * i) for i in range(1, 1500)], seed)
    errors = []

    def run():
        try:
            compaction.compact()
        except Exception as exc:  # reported below: the assertion names it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    together = {rid: (_rows(rid, "hour"), _rows(rid, "day")) for rid in (first, second)}
    with session_scope() as s:
        s.query(Rollup).filter(Rollup.period != "minute").delete()
        s.query(Compaction).delete()
    compaction.compact()
    alone = {rid: (_rows(rid, "hour"), _rows(rid, "day")) for rid in (first, second)}
    assert together == alone
    assert sum(r[1] for r in alone[first][0]) > 0


def test_a_late_check_in_the_last_folded_hour_counts_after_the_next_run(api, compaction_marks):
    rid = create_resource(api)["id"]
    now = datetime.now(UTC)
    _write_history(rid, [now - timedelta(minutes=5 * i) for i in range(1, 60)], seed=3)
    compaction.compact()
    mark = _marks()["hour"]
    last_hour = [r for r in _rows(rid, "hour") if r[0] == mark - timedelta(hours=1)]
    assert len(last_hour) == 1
    _write_history(rid, [mark - timedelta(minutes=1, seconds=30)], seed=4)
    compaction.compact()
    again = [r for r in _rows(rid, "hour") if r[0] == mark - timedelta(hours=1)]
    assert again[0][1] == last_hour[0][1] + 1


def test_nothing_unfolded_is_ever_pruned(api, compaction_marks):
    rid = create_resource(api)["id"]
    old = datetime.now(UTC) - timedelta(days=30)
    _write_history(rid, [old + timedelta(minutes=i) for i in range(10)], seed=5)
    with settings(monitoring_minute_rollup_retention_hours=1):
        assert compaction.prune()["minute"] == 0  # no hour is folded yet
        assert len(_rows(rid, "minute")) == 10
        compaction.compact()
        assert sum(r[1] for r in _rows(rid, "day")) == 10
        compaction.prune()
    assert _rows(rid, "minute") == []
    assert sum(r[1] for r in _rows(rid, "day")) == 10
