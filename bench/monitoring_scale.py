"""monitoring_scale: thousands of HTTP monitors at a 60 s interval, scheduled by the platform
(beat → lease → batches on the probes queue → concurrent probes → one transaction per batch),
against the same probes done one at a time by a plain loop.

For each size (default 1,000, 5,000 and 10,000 monitors) a fresh stack: SQLite database
(``BENCH_DATABASE_URL`` for another: a scratch database, its monitors are deleted
between sizes), migrations, one local HTTP server process (asyncio) whose
paths answer 200 at once (92 %), 503 (5 %) or 200 after SLOW_S seconds (3 %), one probes
worker (threads pool, one process) and ``kairos beat``. Resources are written straight to the
database with their due times on their own phases in the minute (the steady state; a mass
creation would make the first minute a burst). After a warm-up, a window of RUN_S seconds is
measured: probe lag (check start − due time, from the check rows and each resource's phase),
checks per second against the N/60 expected, the worker's CPU (cores) and RSS, and database
growth extrapolated to a day.

Baseline: the same probe function and the same recorder, one resource at a time in a loop
(each check its own transaction), for BASELINE_S seconds over the same mix: its checks per
second bound how many 60 s monitors such a loop can serve. ``ratio`` = the platform's checks
per second at the largest size / the loop's.

``python -m bench.monitoring_scale serve PORT`` is the target server.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.common import (
    BIN,
    MACHINE,
    Stack,
    _proc_ticks,
    free_port,
    log,
    percentile,
    ratio,
    rss_kib,
)

INTERVAL = 60
SIZES = tuple(
    int(s) for s in os.environ.get("BENCH_MONITORING_SIZES", "1000,5000,10000").split(",")
)
RUN_S = float(os.environ.get("BENCH_MONITORING_SECONDS", "90"))
WARMUP_S = 20.0
BASELINE_S = 20.0
SLOW_S = 1.5
THREADS = 8  # probes worker: batches in flight in the one process
MIX = (("ok", 92), ("fail", 5), ("slow", 3))  # percent of monitors per path


# --- the target server -------------------------------------------------------------------------


async def _answer(reader, writer):
    try:
        line = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        path = line.split(b" ")[1] if line.count(b" ") >= 2 else b"/"
        status = b"503 Service Unavailable" if path == b"/fail" else b"200 OK"
        if path == b"/slow":
            await asyncio.sleep(SLOW_S)
        writer.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        await writer.drain()
    except (ConnectionError, IndexError):
        pass
    finally:
        writer.close()


def serve(port: int) -> None:
    async def main():
        server = await asyncio.start_server(_answer, "127.0.0.1", port, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _wait_port(port: int, timeout: float = 15) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"target server on {port} did not start")


def _wait_beat(beat, client, timeout: float = 60) -> None:
    """Beat sends only while it holds its Redis lock; wait until it does."""
    from schedules.scheduler import LOCK_KEY

    deadline = time.monotonic() + timeout
    while not client.get(LOCK_KEY):
        beat.check()
        if time.monotonic() > deadline:
            raise TimeoutError("beat did not take its lock")
        time.sleep(0.2)


# --- seeding and measuring ---------------------------------------------------------------------


def _paths(n: int) -> list[str]:
    out = []
    for path, pct in MIX:
        out += [path] * round(n * pct / 100)
    out += ["ok"] * (n - len(out))
    out = out[:n]
    random.Random(n).shuffle(out)  # slow and failing ones spread over the minute
    return out


def seed(n: int, base: str, start: datetime | None = None) -> tuple[str, dict[str, str]]:
    """N monitors whose first checks fall on their phases from ``start`` on."""
    from sqlalchemy import insert

    from app.db import session_scope
    from app.models.monitoring import Resource
    from app.models.platform import Org
    from workers.monitoring.recorder import next_due

    now = datetime.now(UTC)
    start = start or now + timedelta(seconds=5)
    org_id = str(uuid.uuid4())
    paths = {}
    rows = []
    for i, path in enumerate(_paths(n)):
        rid = str(uuid.uuid4())
        paths[rid] = path
        rows.append(
            {
                "id": rid,
                "org_id": org_id,
                "name": f"monitor {i}",
                "resource_type": "HTTP",
                "target": f"{base}/{path}",
                "skip_tls": False,
                "recursive": False,
                "active": True,
                "interval": INTERVAL,
                "timeout": 15,
                "retries": 0,
                "current_status": "pending",
                "consecutive_failures": 0,
                "next_due_at": next_due(rid, INTERVAL, start),
                "created_at": now,
                "updated_at": now,
            }
        )
    with session_scope() as s:
        s.add(Org(id=org_id, name="bench"))
    for i in range(0, len(rows), 2000):
        with session_scope() as s:
            s.execute(insert(Resource), rows[i : i + 2000])
    return org_id, paths


def _empty_monitoring_tables() -> None:
    """BENCH_DATABASE_URL is a scratch database: the previous size's monitors go."""
    from sqlalchemy import delete

    from app.db import session_scope
    from app.models.monitoring import Resource

    with session_scope() as s:
        s.execute(delete(Resource))


def db_bytes() -> int | None:
    from sqlalchemy import text

    from app.db import get_engine

    engine = get_engine()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            pages = conn.execute(text("PRAGMA page_count")).scalar()
            size = conn.execute(text("PRAGMA page_size")).scalar()
            return pages * size
        if engine.dialect.name == "postgresql":
            return conn.execute(
                text(
                    "SELECT pg_total_relation_size('monitoring_checks')"
                    " + pg_total_relation_size('monitoring_rollups')"
                    " + pg_total_relation_size('monitoring_resources')"
                )
            ).scalar()
    return None


def lags_in(t0: datetime, t1: datetime) -> tuple[list[float], int, int]:
    """(lag of each check started in the window, checks, downs)."""
    from sqlalchemy import select

    from app.db import session_scope
    from app.models.monitoring import Check
    from workers.monitoring.recorder import phase_of

    lags, downs = [], 0
    with session_scope() as s:
        rows = s.execute(
            select(Check.resource_id, Check.checked_at, Check.status).where(
                Check.checked_at >= t0, Check.checked_at < t1
            )
        ).all()
    for rid, at, status in rows:
        epoch = at.timestamp()
        phase = phase_of(rid, INTERVAL)
        due = (epoch - phase) // INTERVAL * INTERVAL + phase
        lags.append(epoch - due)
        downs += status != "AVAILABLE"
    return lags, len(rows), downs


def cpu_seconds(pid: int) -> float:
    return _proc_ticks(pid) / os.sysconf("SC_CLK_TCK")


def platform_run(n: int) -> dict:
    from app.config import get_settings
    from app.db import init_engine

    with Stack(f"monitoring-{n}") as stack:
        env = stack.env()
        env.update(KAIROS_PROBE_ALLOW_PRIVATE="true", KAIROS_PROBE_BATCH_SIZE="250")
        db_url = os.environ.get("BENCH_DATABASE_URL")
        if db_url:
            env["KAIROS_DATABASE_URL"] = db_url
        from app.config import configure, load_settings

        configure(load_settings(env))
        init_engine(get_settings().database_url)
        import subprocess

        subprocess.run(
            [str(BIN / "kairos"), "db", "upgrade"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if db_url:
            _empty_monitoring_tables()
        port = free_port()
        stack.start(
            "targets", [sys.executable, "-m", "bench.monitoring_scale", "serve", str(port)], env
        )
        _wait_port(port)
        worker = stack.start(
            "probes-worker",
            [
                sys.executable, "-m", "celery", "-A", "workers.celery_app:celery", "worker",
                "-P", "threads", "-c", str(THREADS), "-Q", "probes", "-l", "WARNING",
                "-n", f"probes-{uuid.uuid4().hex[:6]}@%h",
            ],
            env,
        )  # fmt: skip
        from bench.common import wait_worker

        wait_worker(worker, stack.redis)
        beat = stack.start("beat", [str(BIN / "kairos"), "beat"], env)
        _wait_beat(beat, stack.redis)
        # Worker and beat are up before the first monitor is due: the window then measures
        # the steady state, not the catch-up of checks that fell due while processes started.
        t_seed = time.monotonic()
        start = datetime.now(UTC) + timedelta(seconds=10 + n / 1000)
        seed(n, f"http://127.0.0.1:{port}", start)
        seed_s = time.monotonic() - t_seed
        time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + WARMUP_S)
        worker.check()
        beat.check()
        t0 = datetime.now(UTC)
        cpu0 = cpu_seconds(worker.pid), cpu_seconds(beat.pid)
        size0 = db_bytes()
        rss = []
        end = time.monotonic() + RUN_S
        while time.monotonic() < end:
            rss.append(rss_kib(worker.pid))
            time.sleep(2)
        t1 = datetime.now(UTC)
        cpu1 = cpu_seconds(worker.pid), cpu_seconds(beat.pid)
        size1 = db_bytes()
        window = (t1 - t0).total_seconds()
        problems = worker.log_problems()
    lags, checks, downs = lags_in(t0, t1)
    growth = None
    if size0 is not None and size1 is not None:
        growth = round((size1 - size0) / window * 86400 / 1e6, 1)
    expected = n / INTERVAL
    return {
        "monitors": n,
        "interval_s": INTERVAL,
        "window_s": round(window, 1),
        "checks": checks,
        "checks_per_s": round(checks / window, 1),
        "expected_checks_per_s": round(expected, 1),
        "down_checks": downs,
        "lag_p50_ms": _ms(percentile(lags, 50)),
        "lag_p99_ms": _ms(percentile(lags, 99)),
        "lag_max_ms": _ms(max(lags) if lags else None),
        "worker_cpu_cores": round((cpu1[0] - cpu0[0]) / window, 2),
        "beat_cpu_cores": round((cpu1[1] - cpu0[1]) / window, 3),
        "worker_rss_mib_max": round(max(rss) / 1024, 1) if rss else None,
        "db_growth_mb_per_day": growth,
        "seed_s": round(seed_s, 1),
        "worker_log": problems,
    }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def baseline_run() -> dict:
    """Probe and record one resource after another, for BASELINE_S seconds."""
    from app.config import configure, get_settings, load_settings
    from app.db import init_engine

    with Stack("monitoring-baseline") as stack:
        env = stack.env()
        env.update(KAIROS_PROBE_ALLOW_PRIVATE="true")
        configure(load_settings(env))
        init_engine(get_settings().database_url)
        import subprocess

        subprocess.run(
            [str(BIN / "kairos"), "db", "upgrade"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        stack.start(
            "targets", [sys.executable, "-m", "bench.monitoring_scale", "serve", str(port)], env
        )
        _wait_port(port)
        _org, paths = seed(1000, f"http://127.0.0.1:{port}")
        from workers.monitoring.net import Policy
        from workers.monitoring.probes import ProbeSpec, run_batch
        from workers.monitoring.recorder import record

        policy = Policy(allow_private=True)
        ids = list(paths)
        done = 0
        cpu0 = time.process_time()
        t0 = time.monotonic()
        while time.monotonic() - t0 < BASELINE_S:
            rid = ids[done % len(ids)]
            spec = ProbeSpec(rid, "HTTP", f"http://127.0.0.1:{port}/{paths[rid]}", 15.0)
            outcomes = asyncio.run(run_batch([spec], policy))
            record(outcomes)
            done += 1
        wall = time.monotonic() - t0
        rate = done / wall
    return {
        "checks": done,
        "checks_per_s": round(rate, 1),
        "max_monitors_at_60s": int(rate * INTERVAL),
        "cpu_cores": round((time.process_time() - cpu0) / wall, 2),
        "how": "one probe at a time, each recorded in its own transaction (same code)",
    }


def run() -> dict:
    results = []
    for n in SIZES:
        log(f"monitoring_scale: {n} monitors, {RUN_S:.0f}s window after {WARMUP_S:.0f}s warm-up")
        results.append(platform_run(n))
        log(f"  {results[-1]}")
    log("monitoring_scale: baseline loop")
    base = baseline_run()
    log(f"  {base}")
    largest = results[-1]
    return {
        "bench": "monitoring_scale",
        "ratio": ratio(largest["checks_per_s"], base["checks_per_s"]),
        "platform": {"sizes": results},
        "baseline": base,
        "settings": {
            "interval_s": INTERVAL,
            "run_s": RUN_S,
            "warmup_s": WARMUP_S,
            "mix_percent": dict(MIX),
            "slow_s": SLOW_S,
            "probes_worker": f"1 process, threads pool x{THREADS}, queue probes",
            "database": os.environ.get(
                "BENCH_DATABASE_URL", "sqlite (file under the bench's var/)"
            ),
            "machine": MACHINE,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        from bench.common import emit

        emit(run())
