"""monitoring_storage: database bytes per day of monitoring history at 10,000 monitors on a
60 s interval, and the steady state once retention is reached, on SQLite and PostgreSQL.

Writes go through the recorder's own storage statements (the raw check insert and the minute
rollup upsert, ``recorder._rollup_rows``/``_upsert_rollups``) with simulated clock times, so
days pass in minutes; every simulated hour runs ``compaction.compact`` and ``compaction.prune``
at that time (beat runs them every 5 minutes and hourly) with the default retention settings.
At each simulated day's end the size of the monitoring tables is taken (SQLite: the file's
pages after a WAL checkpoint, free pages included, since SQLite reuses but never returns them;
PostgreSQL: ``pg_total_relation_size`` after a plain ``VACUUM``, which autovacuum does many
times in a real day).

Two runs per database:

- **days**: ``SIM_MONITORS`` monitors for ``DAYS`` simulated days (past the 48 h of raw checks
  and the 7 days of minutes), scaled linearly to ``MONITORS`` (bytes per monitor do not depend
  on how many there are; the second run checks it).
- **full size**: ``MONITORS`` monitors for ``FULL_HOURS`` simulated hours, no retention yet:
  bytes per check at the full size, against the first day of the days run.

Figures at 10,000 monitors: ``first_day_gb`` (what a day adds before any retention: raw
checks + minutes), ``steady_growth_gb_per_day`` (what the last simulated day added: hour and
day rollups, which stop at their own 90 / 400 day retention), ``plateau_gb`` (the size
once raw and minute retention are reached). Goal: steady growth ≤ 1 GB/day. Baseline: keeping
everything (no compaction, no pruning) grows by the first day's figure every day; ``ratio`` =
that ÷ the steady growth (higher is better).

Small runs: ``BENCH_STORAGE_MONITORS`` (10000), ``BENCH_STORAGE_SIM_MONITORS`` (100),
``BENCH_STORAGE_DAYS`` (12), ``BENCH_STORAGE_FULL_HOURS`` (1), ``BENCH_STORAGE_DATABASES``
(``sqlite,postgresql``; PostgreSQL at ``BENCH_PG_URL``, default the local server's ``test``
database, in a scratch schema dropped afterwards, skipped when it does not answer).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import BIN, MACHINE, log, ratio

INTERVAL = 60
MONITORS = int(os.environ.get("BENCH_STORAGE_MONITORS", "10000"))
SIM_MONITORS = int(os.environ.get("BENCH_STORAGE_SIM_MONITORS", "100"))
DAYS = int(os.environ.get("BENCH_STORAGE_DAYS", "12"))
FULL_HOURS = float(os.environ.get("BENCH_STORAGE_FULL_HOURS", "1"))
DATABASES = os.environ.get("BENCH_STORAGE_DATABASES", "sqlite,postgresql").split(",")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://127.0.0.1:5432/test")
DOWN_RATE = 0.03
CHUNK = 2000  # checks per transaction (a probe batch is 200–250)
GB = 1e9


class Database:
    """A scratch database with the platform's schema, configured for this process."""

    def __init__(self, kind: str):
        self.kind = kind
        self.tmp = Path(tempfile.mkdtemp(prefix="kairos-bench-storage-"))
        self.schema = None
        if kind == "sqlite":
            self.url = f"sqlite:///{self.tmp / 'kairos.db'}"
        else:
            import sqlalchemy as sa

            from app.db import make_engine

            self.schema = f"kairos_bench_{uuid.uuid4().hex[:8]}"
            self.admin = make_engine(PG_URL)
            with self.admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"

    def __enter__(self) -> Database:
        from app.config import configure, load_settings
        from app.db import init_engine

        env = dict(os.environ, KAIROS_DATABASE_URL=self.url, KAIROS_VAR_DIR=str(self.tmp))
        configure(load_settings(env))
        self.engine = init_engine(self.url)
        subprocess.run(
            [str(BIN / "kairos"), "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        return self

    def __exit__(self, *exc) -> None:
        import sqlalchemy as sa

        self.engine.dispose()
        if self.schema:
            with self.admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def size(self) -> int:
        from sqlalchemy import text

        if self.kind == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                pages = conn.execute(text("PRAGMA page_count")).scalar()
                return pages * conn.execute(text("PRAGMA page_size")).scalar()
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM monitoring_checks, monitoring_rollups")
            return conn.execute(
                text(
                    "SELECT pg_total_relation_size('monitoring_checks')"
                    " + pg_total_relation_size('monitoring_rollups')"
                    " + pg_total_relation_size('monitoring_compaction')"
                )
            ).scalar()

    def rows(self) -> dict:
        from sqlalchemy import func, select

        from app.db import session_scope
        from app.models.monitoring import Check, Rollup

        with session_scope() as s:
            out = {"checks": s.scalar(select(func.count()).select_from(Check))}
            for period, count in s.execute(
                select(Rollup.period, func.count()).group_by(Rollup.period)
            ):
                out[period] = count
        return out


def _write_minutes(ids: list[str], moments: list[datetime], rng: random.Random) -> None:
    """One check per monitor per minute, ``CHUNK`` checks a transaction."""
    from sqlalchemy import insert

    from app.db import session_scope
    from app.models.monitoring import Check
    from workers.monitoring.recorder import _rollup_rows, _upsert_rollups, phase_of

    checks = []
    for at, rid in ((at, rid) for at in moments for rid in ids):
        up = rng.random() > DOWN_RATE
        checks.append(
            {
                "resource_id": rid,
                "status": "AVAILABLE" if up else "NOT_AVAILABLE",
                "message": "HTTP 200" if up else "HTTP 503 Service Unavailable",
                "error_code": None if up else "503",
                "latency_ms": round(rng.uniform(5, 300), 3),
                "cert_expires_at": None,
                "checked_at": at + timedelta(seconds=phase_of(rid, INTERVAL)),
            }
        )
    for i in range(0, len(checks), CHUNK):
        chunk = checks[i : i + CHUNK]
        with session_scope() as s:
            s.execute(insert(Check), chunk)
            _upsert_rollups(s, _rollup_rows(chunk))


def _monitors(n: int) -> list[str]:
    from bench.monitoring_scale import seed

    _org, paths = seed(n, "http://127.0.0.1:9")
    return sorted(paths)


def days_run(db: Database, start: datetime) -> dict:
    from workers.monitoring import compaction

    ids = _monitors(SIM_MONITORS)
    rng = random.Random(16)
    sizes = [db.size()]
    t0 = time.monotonic()
    per_write = max(1, min(60, CHUNK // len(ids)))  # minutes written together
    for day in range(DAYS):
        for hour in range(24):
            at = start + timedelta(days=day, hours=hour)
            for first in range(0, 60, per_write):
                span = range(first, min(60, first + per_write))
                _write_minutes(ids, [at + timedelta(minutes=m) for m in span], rng)
            compaction.compact(at + timedelta(hours=1))
            compaction.prune(at + timedelta(hours=1))
        sizes.append(db.size())
        log(f"  {db.kind} day {day + 1}: {sizes[-1] / 1e6:.1f} MB ({time.monotonic() - t0:.0f}s)")
    scale = MONITORS / SIM_MONITORS
    growth = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
    checks_per_day = SIM_MONITORS * 24 * 3600 // INTERVAL
    return {
        "simulated_monitors": SIM_MONITORS,
        "days": DAYS,
        "size_mb_by_day": [round(s / 1e6, 2) for s in sizes[1:]],
        "growth_mb_by_day": [round(g / 1e6, 2) for g in growth],
        "bytes_per_check_first_day": round(growth[0] / checks_per_day, 1),
        "rows_at_end": db.rows(),
        "first_day_gb": round(growth[0] * scale / GB, 3),
        "steady_growth_gb_per_day": round(growth[-1] * scale / GB, 3),
        "plateau_gb": round(sizes[-1] * scale / GB, 2),
        "wall_s": round(time.monotonic() - t0, 1),
    }


def full_size_run(db: Database, start: datetime) -> dict:
    ids = _monitors(MONITORS)
    rng = random.Random(7)
    before = db.size()
    minutes = int(FULL_HOURS * 60)
    t0 = time.monotonic()
    for minute in range(minutes):
        _write_minutes(ids, [start + timedelta(minutes=minute)], rng)
    wall = time.monotonic() - t0
    grown = db.size() - before
    checks = MONITORS * minutes
    return {
        "monitors": MONITORS,
        "simulated_minutes": minutes,
        "checks": checks,
        "bytes_per_check": round(grown / checks, 1),
        "checks_per_s_written": round(checks / wall, 1),
    }


def run_database(kind: str) -> dict | None:
    try:
        db = Database(kind)
    except Exception as exc:  # no PostgreSQL here: say so and go on
        log(f"monitoring_storage: {kind} skipped ({type(exc).__name__}: {exc})")
        return None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db:
        log(f"monitoring_storage: {kind}, {SIM_MONITORS} monitors x {DAYS} simulated days")
        days = days_run(db, start)
    with Database(kind) as db:
        log(f"monitoring_storage: {kind}, {MONITORS} monitors x {FULL_HOURS} simulated hours")
        full = full_size_run(db, start)
    days["full_size"] = full
    days["goal_steady_growth_le_1gb_per_day"] = days["steady_growth_gb_per_day"] <= 1.0
    return days


def run() -> dict:
    results = {kind: run_database(kind) for kind in DATABASES}
    first = next((r for r in results.values() if r), None)
    return {
        "bench": "monitoring_storage",
        "ratio": ratio(first["first_day_gb"], first["steady_growth_gb_per_day"]) if first else None,
        "platform": results,
        "baseline": {
            kind: {"keep_everything_gb_per_day": r["first_day_gb"]}
            for kind, r in results.items()
            if r
        },
        "settings": {
            "ratio_uses": "keep-everything growth / steady growth per day, first database",
            "monitors": MONITORS,
            "interval_s": INTERVAL,
            "down_rate": DOWN_RATE,
            "retention": "defaults: raw checks 48 h, minutes 7 d, hours 90 d, days 400 d",
            "compaction": "compact + prune every simulated hour",
            "sizes": "SQLite file pages (free pages included); PostgreSQL relation sizes "
            "after VACUUM",
            "machine": MACHINE,
        },
    }


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
