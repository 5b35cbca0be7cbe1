"""monitoring_status_page: the public status page and the resource list of an org with 10,000
resources and 30 days of history, read from the rollups (the platform) against the same pages
computed from the raw check table (the baseline).

Data (a fresh SQLite database, the default install; written with sqlite3 in bulk):

- 10,000 HTTP resources in one org, 2 % not available, 1 % pending; a fifth in groups
  (PUBLIC, AUTHENTICATED, HIDDEN), so the visibility policy filters for real;
- rollups for every resource: 30 day buckets and 7 × 24 hour buckets (what the uptime and bar
  reads touch; older hour buckets only lengthen the index);
- raw checks every 5 minutes for 30 days (8,640 each) for the resources the measured pages show
  (the first page of the status page and of the list), and their rollups derived from those
  very checks, so both sides compute the same numbers (``agree`` checks it).

Measured, anonymous (``?org=<slug>``), through the whole Flask app in process (the test client:
routing, visibility, serialization; no sockets), ROUNDS each:

- status page JSON (`/api/v1/monitoring/status/<slug>`, 100 resources, 90 daily bars each),
  the HTML page (`/status/<slug>`, 50 resources), and the list
  (`/api/v1/monitoring/resources?page_size=100`, with 24 h / 7 d / 30 d / 365 d uptime);
- the baseline: the same two JSON requests with the rollup reads (daily bars, uptime ratios)
  swapped for the same aggregates over the raw checks (``GROUP BY`` on the
  ``(resource_id, checked_at)`` index).

``ratio`` = baseline p50 ÷ platform p50 of the status page JSON (higher is better).
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import MACHINE, REDIS_URL, latency_ms, log, ratio

RESOURCES = int(os.environ.get("BENCH_STATUS_RESOURCES", "10000"))
DAYS = 30
HOUR_DAYS = 7
RAW_INTERVAL_S = 300
ROUNDS = int(os.environ.get("BENCH_STATUS_ROUNDS", "40"))
PAGE = 100
HTML_PAGE = 50
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a datetime in SQLite


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(FMT)


# --- data ---------------------------------------------------------------------------------------


def _setup(workdir: Path) -> dict:
    os.environ.update(
        KAIROS_ENV="test",
        KAIROS_VAR_DIR=str(workdir),
        KAIROS_DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
        KAIROS_REDIS_URL=REDIS_URL,
        KAIROS_RATE_LIMIT="1000000/minute",
        KAIROS_LOG_LEVEL="WARNING",
        KAIROS_SECRET_KEY="bench-secret-" + "0123456789abcdef" * 3,
    )
    from app.config import configure, load_settings
    from migrations import upgrade

    settings = load_settings()
    configure(settings)
    upgrade(settings.database_url)
    return {"db": str(workdir / "bench.db"), "settings": settings}


def _fill(db: str, now: datetime) -> dict:
    rnd = random.Random(2)
    conn = sqlite3.connect(db)
    org_id, slug = str(uuid.uuid4()), "bench-org"
    conn.execute(
        "INSERT INTO orgs (id, name, slug, created_at) VALUES (?, ?, ?, ?)",
        (org_id, "Bench Org", slug, _ts(now)),
    )
    groups = {v: str(uuid.uuid4()) for v in ("PUBLIC", "AUTHENTICATED", "HIDDEN")}
    conn.executemany(
        "INSERT INTO monitoring_groups (id, org_id, name, visibility, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(gid, org_id, v.title(), v, _ts(now)) for v, gid in groups.items()],
    )
    resources, memberships = [], []
    for i in range(RESOURCES):
        rid = str(uuid.uuid4())
        draw = rnd.random()
        status = "not_available" if draw < 0.02 else "pending" if draw < 0.03 else "available"
        check = {"available": "AVAILABLE", "not_available": "NOT_AVAILABLE"}.get(status)
        created = _ts(now - timedelta(days=DAYS, seconds=RESOURCES - i))
        resources.append(
            (rid, org_id, f"service-{i:05d}", "HTTP", f"https://svc{i}.example.com/health",
             0, 0, 1, 60, 15, 0, status, check, "HTTP 200" if check == "AVAILABLE" else
             "HTTP 503", "200" if check == "AVAILABLE" else "503", _ts(now), 12.5, 0,
             _ts(now), _ts(now), created, created)
        )  # fmt: skip
        if i % 5 == 0:
            visibility = ("PUBLIC", "AUTHENTICATED", "HIDDEN")[(i // 5) % 3]
            memberships.append((rid, groups[visibility]))
    conn.executemany(
        "INSERT INTO monitoring_resources (id, org_id, name, resource_type, target, skip_tls, "
        "recursive, active, interval, timeout, retries, current_status, latest_check_status, "
        "latest_message, latest_error_code, latest_checked_at, latest_latency_ms, "
        "consecutive_failures, next_due_at, updated_at, created_at, status_changed_at) "
        "VALUES (" + ",".join("?" * 22) + ")",
        resources,
    )
    conn.executemany(
        "INSERT INTO monitoring_resource_groups (resource_id, group_id) VALUES (?, ?)",
        memberships,
    )
    # The hour and day rollups written below hold every check up to now, as compaction
    # leaves them: the marks say so, and the reads take those rows (no minutes are written).
    hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    conn.executemany(
        "INSERT INTO monitoring_compaction (grain, done_until, updated_at) VALUES (?, ?, ?)",
        [
            ("hour", _ts(hour), _ts(now)),
            (
                "day",
                _ts(now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)),
                _ts(now),
            ),
        ],
    )
    conn.commit()
    conn.close()
    return {"org_id": org_id, "slug": slug, "ids": [r[0] for r in resources]}


def _synthetic_rollups(db: str, ids: list[str], now: datetime, skip: set[str]) -> int:
    rnd = random.Random(3)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour0 = now.replace(minute=0, second=0, microsecond=0)
    conn = sqlite3.connect(db)
    rows = 0
    batch = []
    day_stamps = [_ts(today - timedelta(days=d)) for d in range(DAYS)]
    hour_stamps = [_ts(hour0 - timedelta(hours=h)) for h in range(HOUR_DAYS * 24)]
    for rid in ids:
        if rid in skip:
            continue
        for at in day_stamps:
            downs = 0 if rnd.random() < 0.9 else rnd.randint(1, 60)
            batch.append((rid, "day", at, 1440, 1440 - downs, downs, 57600.0, 1440, 5.0, 900.0))
        for at in hour_stamps:
            downs = 0 if rnd.random() < 0.98 else rnd.randint(1, 60)
            batch.append((rid, "hour", at, 60, 60 - downs, downs, 2400.0, 60, 5.0, 900.0))
        if len(batch) > 200_000:
            rows += _insert_rollups(conn, batch)
            batch = []
    rows += _insert_rollups(conn, batch)
    conn.close()
    return rows


def _insert_rollups(conn, batch) -> int:
    conn.executemany(
        "INSERT INTO monitoring_rollups (resource_id, period, bucket_start, checks, ups, downs, "
        "latency_sum, latency_count, latency_min, latency_max) VALUES (?,?,?,?,?,?,?,?,?,?)",
        batch,
    )
    conn.commit()
    return len(batch)


def _raw_checks(db: str, ids: list[str], now: datetime) -> int:
    """Raw checks for ``ids``, then their rollups folded from those checks in SQL."""
    rnd = random.Random(4)
    start = now - timedelta(days=DAYS)
    per = DAYS * 86_400 // RAW_INTERVAL_S
    conn = sqlite3.connect(db)
    total = 0
    stamps = [_ts(start + timedelta(seconds=k * RAW_INTERVAL_S)) for k in range(per)]
    up_row, down_row = ("AVAILABLE", "HTTP 200", "200"), ("NOT_AVAILABLE", "HTTP 503", "503")
    for rid in ids:
        bad_from, bad_len = rnd.randint(0, per), rnd.choice((0, 3, 12))
        rows = []
        for k, at in enumerate(stamps):
            up = not (bad_from <= k < bad_from + bad_len) and rnd.random() > 0.002
            rows.append((rid, *(up_row if up else down_row), 20.0 + (k % 50), at))
        conn.executemany(
            "INSERT INTO monitoring_checks (resource_id, status, message, error_code, latency_ms, "
            "checked_at) VALUES (?,?,?,?,?,?)",
            rows,
        )
        total += len(rows)
    marks = ",".join("?" * len(ids))
    for period, bucket, since in (
        ("day", "strftime('%Y-%m-%d 00:00:00.000000', checked_at)", start),
        ("hour", "strftime('%Y-%m-%d %H:00:00.000000', checked_at)",
         now - timedelta(days=HOUR_DAYS)),
    ):  # fmt: skip
        conn.execute(
            "INSERT INTO monitoring_rollups (resource_id, period, bucket_start, checks, ups, "
            "downs, latency_sum, latency_count, latency_min, latency_max) "
            f"SELECT resource_id, '{period}', {bucket}, count(*), "
            "sum(status = 'AVAILABLE'), sum(status != 'AVAILABLE'), sum(latency_ms), count(*), "
            f"min(latency_ms), max(latency_ms) FROM monitoring_checks "
            f"WHERE resource_id IN ({marks}) AND checked_at >= ? GROUP BY 1, 3",
            [*ids, _ts(since)],
        )
    conn.commit()
    conn.close()
    return total


# --- the baseline: the same reads over raw checks ----------------------------------------------


def raw_daily_bars(session, resource_ids, days=90, now=None):
    from sqlalchemy import case, func, select

    from app.models.monitoring import Check
    from app.monitoring import uptime

    now = now or datetime.now(UTC)
    first = uptime.floor(now, "day") - timedelta(days=days - 1)
    day = func.strftime("%Y-%m-%d", Check.checked_at)
    up = func.sum(case((Check.status == "AVAILABLE", 1), else_=0))
    rows = session.execute(
        select(Check.resource_id, day, up, func.count())
        .where(Check.resource_id.in_(resource_ids), Check.checked_at >= first)
        .group_by(Check.resource_id, day)
    ).all()
    bars = {rid: {"days": [None] * days, "ups": 0, "downs": 0} for rid in resource_ids}
    index = {(first + timedelta(days=i)).date().isoformat(): i for i in range(days)}
    for rid, date, ups, checks in rows:
        if date in index:
            bar = bars[rid]
            bar["days"][index[date]] = uptime.ratio(ups, checks - ups)
            bar["ups"] += ups
            bar["downs"] += checks - ups
    return bars


def raw_uptimes(session, resource_ids, now=None):
    from sqlalchemy import case, func, select

    from app.models.monitoring import Check
    from app.monitoring import uptime

    now = now or datetime.now(UTC)
    result = {rid: {name: None for name in uptime.WINDOWS} for rid in resource_ids}
    columns, earliest = [], None
    for name in uptime.WINDOWS:
        _period, start = uptime.window_start(name, now)
        earliest = start if earliest is None else min(earliest, start)
        hit = Check.checked_at >= start
        up = case((hit & (Check.status == "AVAILABLE"), 1), else_=0)
        down = case((hit & (Check.status != "AVAILABLE"), 1), else_=0)
        columns += [func.sum(up).label(f"u{name}"), func.sum(down).label(f"d{name}")]
    rows = session.execute(
        select(Check.resource_id, *columns)
        .where(Check.resource_id.in_(resource_ids), Check.checked_at >= earliest)
        .group_by(Check.resource_id)
    ).all()
    for row in rows:
        m = row._mapping
        result[row.resource_id] = {
            name: uptime.ratio(m[f"u{name}"], m[f"d{name}"]) for name in uptime.WINDOWS
        }
    return result


# --- measuring ---------------------------------------------------------------------------------


def _time(client, path: str, rounds: int) -> tuple[list[float], dict]:
    samples, body = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        resp = client.get(path)
        samples.append(time.perf_counter() - started)
        assert resp.status_code == 200, (path, resp.status_code, resp.data[:300])
        body = resp
    return samples, body


def run() -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="kairos-bench-status-"))
    env = _setup(workdir)
    now = datetime.now(UTC)
    started = time.perf_counter()
    made = _fill(env["db"], now)

    from app.monitoring import statuspage, uptime
    from app.web_app import create_app

    app = create_app(env["settings"])
    client = app.test_client()
    slug = made["slug"]
    status_path = f"/api/v1/monitoring/status/{slug}?page_size={PAGE}"
    list_path = f"/api/v1/monitoring/resources?org={slug}&page_size={PAGE}"
    html_path = f"/status/{slug}?page_size={HTML_PAGE}"

    # Which resources the measured pages show (ordering does not depend on history).
    shown = {r["id"] for r in client.get(status_path).get_json()["data"]["resources"]}
    shown |= {r["id"] for r in client.get(list_path).get_json()["data"]}
    raw = _raw_checks(env["db"], sorted(shown), now)
    rollups = _synthetic_rollups(env["db"], made["ids"], now, shown)
    conn = sqlite3.connect(env["db"])
    rollups = conn.execute("SELECT count(*) FROM monitoring_rollups").fetchone()[0]
    conn.execute("ANALYZE")
    conn.close()
    setup_s = time.perf_counter() - started
    log(f"data: {RESOURCES} resources, {rollups} rollups, {raw} raw checks in {setup_s:.1f} s")

    for path in (status_path, list_path, html_path):  # warm caches and the query planner
        _time(client, path, 3)
    platform = {}
    for name, path in (("status_json", status_path), ("list", list_path), ("html", html_path)):
        samples, resp = _time(client, path, ROUNDS)
        platform[name] = latency_ms(samples)
        if name == "html":
            platform[name]["bytes"] = len(resp.data)
    platform_status = client.get(status_path).get_json()["data"]
    platform_list = client.get(list_path).get_json()["data"]

    real_bars, real_uptimes = uptime.daily_bars, uptime.uptimes
    statuspage.uptime.daily_bars = raw_daily_bars
    uptime.uptimes = raw_uptimes
    try:
        baseline = {}
        for name, path in (("status_json", status_path), ("list", list_path)):
            _time(client, path, 3)
            samples, _ = _time(client, path, ROUNDS)
            baseline[name] = latency_ms(samples)
        baseline_status = client.get(status_path).get_json()["data"]
        baseline_list = client.get(list_path).get_json()["data"]
    finally:
        uptime.daily_bars, uptime.uptimes = real_bars, real_uptimes

    agree = [r["days"] for r in platform_status["resources"]] == [
        r["days"] for r in baseline_status["resources"]
    ] and [r["uptime"]["30d"] for r in platform_list] == [r["uptime"]["30d"] for r in baseline_list]
    p50 = platform["status_json"]["p50_ms"]
    return {
        "bench": "monitoring_status_page",
        "ratio": ratio(baseline["status_json"]["p50_ms"], p50),
        "platform": {**platform, "reads": "rollups (day buckets for bars, hour/day for uptime)"},
        "baseline": {**baseline, "reads": "raw checks, GROUP BY over (resource_id, checked_at)"},
        "settings": {
            "resources": RESOURCES,
            "visible_to_anonymous": platform_status["summary"]["total"],
            "days_of_history": DAYS,
            "rollup_rows": rollups,
            "raw_check_rows": raw,
            "raw_interval_s": RAW_INTERVAL_S,
            "raw_checks_for": f"the {len(shown)} resources the measured pages show",
            "page_size": {"status_json": PAGE, "list": PAGE, "html": HTML_PAGE},
            "rounds": ROUNDS,
            "list_ratio": ratio(baseline["list"]["p50_ms"], platform["list"]["p50_ms"]),
            "p99_ratio_status": ratio(
                baseline["status_json"]["p99_ms"], platform["status_json"]["p99_ms"]
            ),
            "agree": agree,
            "database": "sqlite (WAL), fresh file",
            "client": "Flask test client in process (no sockets)",
            "setup_s": round(setup_s, 1),
            "machine": MACHINE,
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
