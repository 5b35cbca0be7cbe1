"""Index snapshots: a process that has never seen an org's index answers from the snapshot in
the blob store (plus the journal after it) what a rebuild answers; an unreadable or missing
snapshot means a rebuild, said in the log."""

from __future__ import annotations

import logging
import random

import pytest

from app.db import session_scope
from app.platform import blobs
from tests.recruiting.ats import R, make_candidate, make_job, patch
from tests.recruiting.test_matching import match
from tests.recruiting.test_matching_index import _candidate, _job
from workers.recruiting import matching, snapshots, store
from workers.recruiting.index import OrgIndex
from workers.recruiting.profiles import candidate_features, job_features


def _answers(index: OrgIndex, jobs, cands) -> list:
    """Every job's top candidates and a few candidates' top jobs, with scores and reasons."""
    out = [matching.candidates_for_job(index, features, 50) for features in jobs]
    out += [matching.jobs_for_candidate(index, features, 50) for features in cands]
    return [[(m.id, m.raw, m.as_dict()) for m in found] for found in out]


def test_a_snapshot_with_row_updates_reads_back_as_the_same_index():
    rng = random.Random(11)
    cands = {i: candidate_features(_candidate(rng)) for i in range(1, 301)}
    jobs = {i: job_features(_job(rng)) for i in range(1, 21)}
    index = OrgIndex("6f1c3a52-8f5e-4a43-9d7e-2b9a0c1d2e3f", version=40)
    index.build(sorted(cands.items()), sorted(jobs.items()))
    # Row updates since the build: a delta block and dead main rows travel too.
    index.candidates.apply({3: candidate_features(_candidate(rng)), 301: cands[7]}, {5})
    index.jobs.apply({2: job_features(_job(rng))}, {4})
    index.version = 44

    loaded = snapshots.loads(snapshots.dumps(index), index.org_id)
    assert loaded.version == 44 and loaded.n_docs() == index.n_docs() == 300
    probes_jobs = [job_features(_job(rng)) for _ in range(5)]
    probes_cands = [candidate_features(_candidate(rng)) for _ in range(5)]
    assert _answers(loaded, probes_jobs, probes_cands) == _answers(index, probes_jobs, probes_cands)


@pytest.mark.parametrize(
    "data", [b"", b"not an archive", b"PK\x03\x04 truncated zip"], ids=["empty", "text", "zip"]
)
def test_bytes_that_are_not_a_snapshot_are_refused(data):
    with pytest.raises(snapshots.SnapshotError):
        snapshots.loads(data, "6f1c3a52-8f5e-4a43-9d7e-2b9a0c1d2e3f")


def test_another_orgs_snapshot_is_refused():
    index = OrgIndex("6f1c3a52-8f5e-4a43-9d7e-2b9a0c1d2e3f")
    index.build([(1, candidate_features(_candidate(random.Random(1))))], [])
    with pytest.raises(snapshots.SnapshotError, match="of org"):
        snapshots.loads(snapshots.dumps(index), "0b7e6c1e-3d1a-4f5e-9c2b-1a2b3c4d5e6f")


# --- through the worker and the blob store ------------------------------------------------------


@pytest.fixture
def hiring(api):
    """A job and four candidates of the signed-in org."""
    job = make_job(
        api,
        title="Senior Backend Engineer",
        location="New York, NY",
        required_skills=["Python", "FastAPI", "PostgreSQL"],
        nice_to_have_skills=["Kubernetes"],
        min_years=5,
        description="Design distributed backend services and APIs.",
    )
    people = {
        name: make_candidate(api, full_name=name.title(), **fields)
        for name, fields in {
            "senior": {"experience_years": 9, "skills": ["Python", "FastAPI", "k8s"]},
            "junior": {"experience_years": 1, "skills": ["Python", "PostgreSQL"]},
            "elsewhere": {"location": "Berlin, Germany", "skills": ["Python", "FastAPI"]},
            "designer": {"experience_years": 7, "skills": ["Figma"]},
        }.items()
    }
    return job, people


def _org_rows(org_id: str):
    with session_scope() as s:
        return store.job_rows(s, org_id), store.candidate_rows(s, org_id)


def _fresh_process(monkeypatch) -> list[str]:
    """Forget every cached index (as a new process starts without one) and record builds."""
    built = []
    real = store.build
    monkeypatch.setattr(store, "build", lambda org_id: built.append(org_id) or real(org_id))
    store.forget()
    return built


def _current(org_id: str) -> OrgIndex:
    with store.index_for(org_id) as index:
        return index


def test_a_new_process_answers_from_the_snapshot_what_a_rebuild_answers(
    api,
    hiring,
    monkeypatch,
):
    org_id = api.user["org_id"]
    job, _people = hiring
    match(api, "candidates_for_job", job_id=job["id"])  # the worker builds and snapshots
    assert blobs.backend().exists(snapshots.key_for(org_id), org_id)

    built = _fresh_process(monkeypatch)
    loaded = _current(org_id)
    assert built == []  # read from the snapshot, not built
    rebuilt = store.build(org_id)
    jobs, cands = _org_rows(org_id)
    want = _answers(rebuilt, [f for _, f in jobs], [f for _, f in cands])
    assert _answers(loaded, [f for _, f in jobs], [f for _, f in cands]) == want
    # The API, served by the same worker from the loaded index, agrees.
    result = match(api, "candidates_for_job", job_id=job["id"])
    shown = [m["candidate_id"] for m in result["matches"]]
    assert shown == [m[0] for m in want[0]][: len(shown)]


def test_a_stale_snapshot_plus_the_journal_equals_the_index_kept_current(
    api,
    hiring,
    monkeypatch,
):
    org_id = api.user["org_id"]
    job, people = hiring
    match(api, "candidates_for_job", job_id=job["id"])  # snapshot at this version
    make_candidate(api, full_name="Late Arrival", skills=["Python", "FastAPI", "Kubernetes"])
    patch(api, f"{R}/candidates/{people['junior']['id']}", json={"experience_years": 6})
    assert api.delete(f"{R}/candidates/{people['designer']['id']}").status_code in (200, 204)
    kept = _current(org_id)  # this process's index, refreshed through the journal

    built = _fresh_process(monkeypatch)
    loaded = _current(org_id)
    assert built == [] and loaded is not kept
    assert loaded.version == kept.version > loaded.snapshot_version
    jobs, cands = _org_rows(org_id)
    job_f, cand_f = [f for _, f in jobs], [f for _, f in cands]
    assert _answers(loaded, job_f, cand_f) == _answers(kept, job_f, cand_f)
    # Against a build from scratch: the same rows, ranked the same (a build also recomputes
    # BM25's average length, which row updates leave as built, so scores may move a little).
    fresh = store.build(org_id)
    assert loaded.n_docs() == fresh.n_docs() == 4
    pairs = zip(_answers(loaded, job_f, cand_f), _answers(fresh, job_f, cand_f), strict=True)
    for got, want in pairs:
        assert [m[0] for m in got] == [m[0] for m in want]
        assert [m[1] for m in got] == pytest.approx([m[1] for m in want], abs=2.0)


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_an_unreadable_or_missing_snapshot_means_a_rebuild(
    api, hiring, monkeypatch, caplog, damage
):
    org_id = api.user["org_id"]
    job, _people = hiring
    match(api, "candidates_for_job", job_id=job["id"])
    key = snapshots.key_for(org_id)
    if damage == "corrupt":
        blobs.put(b"PK\x03\x04 not what was written", org_id=org_id, kind=snapshots.KIND, key=key)
    else:
        blobs.delete(key, org_id=org_id)

    built = _fresh_process(monkeypatch)
    with caplog.at_level(logging.INFO, logger="kairos.recruiting.index"):
        index = _current(org_id)
    assert built == [org_id]
    events = [r.msg for r in caplog.records]
    if damage == "corrupt":
        assert "recruiting_index_snapshot_unreadable" in events
    assert "recruiting_index_snapshot_saved" in events  # a good one replaces it
    assert snapshots.loads(blobs.get(key, org_id=org_id), org_id).version == index.version
