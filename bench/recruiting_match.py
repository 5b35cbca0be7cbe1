"""recruiting_match: one candidates_for_job over 100,000 candidates, index vs per-row loop.

100,000 generated candidates (``bench/recruiting_data.py``) are written to a fresh SQLite
database in one org, and the worker's store builds the org's index from it (build time
reported). Then, for QUERIES generated jobs, in the same process and alternating:

- platform: ``matching.candidates_for_job`` through the index (sparse column slices and
  mat-vecs over every row, top 20 with their reasons);
- baseline: a straightforward Python loop scoring every candidate with the same formula
  (``scoring.score_prepared``: sets, dict lookups, the BM25 sum; the job's part prepared once
  per query), then the top 20 — over the same rows' features, precomputed for it too.

Both return the same top 20 (checked). The update cost is one patch of a candidate through the
ORM (which journals it) followed by the store's refresh: journal read, row read, feature
extraction and the delta rebuild; then the next query.
"""

from __future__ import annotations

import heapq
import os
import random
import tempfile
import time
from pathlib import Path

from bench.common import MACHINE, latency_ms, log, ms, percentile, ratio
from bench.recruiting_data import candidate, job

N_CANDIDATES = int(os.environ.get("BENCH_RECRUITING_CANDIDATES", 100_000))
QUERIES = 30
BASELINE_QUERIES = 5
UPDATES = 20
LIMIT = 20
SEED = 42


def _database(tmp: Path) -> str:
    from app.db import init_engine
    from migrations import upgrade

    url = f"sqlite:///{tmp / 'recruiting.db'}"
    upgrade(url)
    init_engine(url)
    return url


def _fill(org_id: str, rng: random.Random) -> None:
    from sqlalchemy import insert

    from app.db import session_scope
    from app.models.base import utcnow
    from app.models.recruiting import Candidate

    now = utcnow()
    batch = []
    with session_scope() as s:
        for i in range(N_CANDIDATES):
            row = candidate(rng)
            batch.append({**row, "org_id": org_id, "created_at": now, "updated_at": now})
            if len(batch) == 5000:
                s.execute(insert(Candidate.__table__), batch)
                batch = []
            if i and i % 25_000 == 0:
                log(f"recruiting_match: {i} candidates written")
        if batch:
            s.execute(insert(Candidate.__table__), batch)


def run() -> dict:
    from app.db import session_scope
    from app.models import Org
    from app.models.recruiting import Candidate
    from workers.recruiting import matching, scoring, store
    from workers.recruiting.profiles import job_features

    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="kairos-bench-recruiting-") as tmp:
        _database(Path(tmp))
        with session_scope() as s:
            org = Org(name="bench")
            s.add(org)
        started = time.perf_counter()
        _fill(org.id, rng)
        fill_s = time.perf_counter() - started
        log(f"recruiting_match: {N_CANDIDATES} candidates in {fill_s:.1f}s; building the index")

        started = time.perf_counter()
        with store.index_for(org.id) as index:
            pass
        build_s = time.perf_counter() - started

        # The baseline's rows: the same candidates' features, extracted once, outside timing.
        with session_scope() as s:
            rows = store.candidate_rows(s, org.id)
        stats = scoring.CorpusStats.of([f for _, f in rows])
        stats.avgdl = index.avgdl

        jobs = [job_features(job(rng)) for _ in range(QUERIES)]
        platform, baseline, agree = [], [], 0
        for i, features in enumerate(jobs):
            started = time.perf_counter()
            with store.index_for(org.id) as index:
                top = matching.candidates_for_job(index, features, LIMIT)
            platform.append(time.perf_counter() - started)
            if i < BASELINE_QUERIES:
                started = time.perf_counter()
                prepared = scoring.PreparedJob(features, stats)
                scored = [(scoring.score_prepared(prepared, f), -cid) for cid, f in rows]
                best = heapq.nlargest(LIMIT, scored)
                baseline.append(time.perf_counter() - started)
                # Same scores in the same order; ids may differ only among exact ties.
                same = [round(v, 4) for v, _ in best] == [round(m.raw, 4) for m in top]
                agree += same

        updates, refreshes = [], []
        ids = [cid for cid, _ in rows]
        for _ in range(UPDATES):
            cid = rng.choice(ids)
            started = time.perf_counter()
            with session_scope() as s:
                s.get(Candidate, cid).skills = candidate(rng)["skills"]
            write = time.perf_counter() - started
            started = time.perf_counter()
            with store.index_for(org.id) as index:
                pass
            refreshes.append(time.perf_counter() - started)
            updates.append(write)
        with store.index_for(org.id) as index:
            started = time.perf_counter()
            matching.candidates_for_job(index, jobs[0], LIMIT)
            after_updates = time.perf_counter() - started
        store.forget(org.id)

    p50, base_p50 = percentile(platform, 50), percentile(baseline, 50)
    return {
        "bench": "recruiting_match",
        "ratio": ratio(base_p50, p50),
        "platform": {
            "query": latency_ms(platform),
            "index_build_s": round(build_s, 2),
            "update_refresh": latency_ms(refreshes),
            "update_write": latency_ms(updates),
            "query_after_updates_ms": ms(after_updates),
            "same_top_20_scores_as_baseline": f"{agree}/{len(baseline)}",
        },
        "baseline": {"query": latency_ms(baseline), "what": "per-candidate Python loop"},
        "settings": {
            "candidates": N_CANDIDATES,
            "queries": QUERIES,
            "baseline_queries": BASELINE_QUERIES,
            "limit": LIMIT,
            "database": "SQLite (fresh file)",
            "fill_s": round(fill_s, 1),
            "machine": MACHINE,
        },
    }
