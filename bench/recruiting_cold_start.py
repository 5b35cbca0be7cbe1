"""recruiting_cold_start: the first match query of a worker process that has never seen the
org's index, at 100,000 candidates: from the snapshot in the blob store vs. a full build.

100,000 generated candidates (``bench/recruiting_data.py``) are written to a fresh SQLite
database in one org. Then each measurement is a **new Python process** (as a worker after a
deploy or a restart), which imports the worker code, notes its RSS, runs one
``candidates_for_job`` through ``store.index_for`` and notes the time and its RSS again:

- baseline: the first process finds no snapshot and builds the index from the database (the
  path before snapshots); after its timed query it writes the snapshot (time and bytes
  reported apart);
- platform: ``RUNS`` more processes, each loading that snapshot and replaying the journal
  after its version; ``UPDATES`` candidates are changed after the snapshot so the replay has
  work to do.

``ratio`` = baseline first query ÷ platform first query (median). Goal: platform ≤ 2 s.
``BENCH_RECRUITING_CANDIDATES`` for a smaller run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import MACHINE, ROOT, log, percentile, ratio, rss_kib

N_CANDIDATES = int(os.environ.get("BENCH_RECRUITING_CANDIDATES", 100_000))
RUNS = 3
UPDATES = 50
SEED = 42


def _env(tmp: Path) -> dict:
    env = dict(os.environ)
    env.update(
        KAIROS_DATABASE_URL=f"sqlite:///{tmp / 'recruiting.db'}",
        KAIROS_VAR_DIR=str(tmp / "var"),
        KAIROS_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def _child(org_id: str) -> None:
    """One fresh process: one first query, measured; prints one JSON line."""
    from app.config import configure, load_settings

    configure(load_settings(dict(os.environ)))
    from bench.recruiting_data import job
    from workers.recruiting import matching, snapshots, store
    from workers.recruiting.profiles import job_features

    features = job_features(job(random.Random(SEED)))
    real_save, saved = snapshots.save, []
    snapshots.save = lambda index: saved.append(index)  # timed apart, after the query
    rss0 = rss_kib(os.getpid())
    started = time.perf_counter()
    with store.index_for(org_id) as index:
        top = matching.candidates_for_job(index, features, 20)
    first = time.perf_counter() - started
    rss1 = rss_kib(os.getpid())
    save_s = None
    if saved:
        started = time.perf_counter()
        real_save(saved[-1])
        save_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "first_query_s": round(first, 3),
                "rss_before_mib": round(rss0 / 1024, 1),
                "rss_delta_mib": round((rss1 - rss0) / 1024, 1),
                "built": bool(saved),
                "snapshot_save_s": None if save_s is None else round(save_s, 2),
                "top": [m.id for m in top],
                "candidates": index.candidates.n_alive(),
            }
        )
    )


def _spawn(env: dict, org_id: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.recruiting_cold_start", "child", org_id],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _snapshot_bytes(org_id: str) -> int:
    from app.platform import blobs
    from workers.recruiting import snapshots

    return len(blobs.get(snapshots.key_for(org_id), org_id=org_id))


def run() -> dict:
    from app.config import configure, load_settings
    from app.db import init_engine, session_scope
    from app.models import Org
    from app.models.recruiting import Candidate
    from bench.recruiting_data import candidate
    from bench.recruiting_match import _fill
    from migrations import upgrade

    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="kairos-bench-cold-") as tmp:
        env = _env(Path(tmp))
        configure(load_settings(env))
        upgrade(env["KAIROS_DATABASE_URL"])
        init_engine(env["KAIROS_DATABASE_URL"])
        with session_scope() as s:
            org = Org(name="bench")
            s.add(org)
        _fill(org.id, rng)
        log(f"recruiting_cold_start: {N_CANDIDATES} candidates; first process builds")
        baseline = _spawn(env, org.id)
        log(f"  {baseline}")
        size = _snapshot_bytes(org.id)
        with session_scope() as s:  # journaled changes the snapshot does not hold
            for cid in rng.sample(range(1, N_CANDIDATES + 1), UPDATES):
                row = s.get(Candidate, cid)
                if row is not None:
                    row.skills = candidate(rng)["skills"]
        runs = []
        for i in range(RUNS):
            runs.append(_spawn(env, org.id))
            log(f"  snapshot run {i + 1}: {runs[-1]}")
    firsts = [r["first_query_s"] for r in runs]
    p50 = percentile(firsts, 50)
    return {
        "bench": "recruiting_cold_start",
        "ratio": ratio(baseline["first_query_s"], p50),
        "platform": {
            "first_query_s": firsts,
            "first_query_s_median": p50,
            "rss_delta_mib": [r["rss_delta_mib"] for r in runs],
            "rss_before_mib": runs[0]["rss_before_mib"],
            "built": [r["built"] for r in runs],
            "goal_first_query_le_2s": p50 is not None and p50 <= 2.0,
            "snapshot_bytes": size,
        },
        "baseline": {
            "first_query_s": baseline["first_query_s"],
            "rss_delta_mib": baseline["rss_delta_mib"],
            "snapshot_save_s": baseline["snapshot_save_s"],
            "what": "a fresh process builds the index from the database (no snapshot)",
        },
        "settings": {
            "candidates": N_CANDIDATES,
            "runs": RUNS,
            "journaled_updates_after_snapshot": UPDATES,
            "process": "a new Python process per measurement (imports not timed)",
            "database": "SQLite (fresh file); blobs in the database backend",
            "machine": MACHINE,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "child":
        _child(sys.argv[2])
    else:
        from bench.common import emit

        emit(run())
