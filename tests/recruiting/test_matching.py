"""Matching through the real API and worker: both directions, readable reasons, integer
scores 0-100, every run logged, the index following every write."""

from __future__ import annotations

import json

import pytest

from app.models import Task
from tests.factories import count
from tests.recruiting.agent_helpers import llm_server, with_llm  # noqa: F401 (fixtures)
from tests.recruiting.ats import R, error_of, make_candidate, make_job, patch

WAIT = {"Prefer": "wait=20"}


def match(client, direction: str, **body) -> dict:
    resp = client.post(f"{R}/matching/{direction}", json=body, headers=dict(WAIT))
    assert resp.status_code == 200, resp.text
    task = resp.json()["data"]
    assert task["state"] == "succeeded", task
    return task["result"]


@pytest.fixture
def hiring(api):
    job = make_job(
        api,
        title="Senior Backend Engineer",
        location="New York, NY",
        remote_option="Hybrid",
        required_skills=["Python", "FastAPI", "PostgreSQL"],
        nice_to_have_skills=["Kubernetes"],
        min_years=5,
        description="Design distributed backend services and APIs.",
    )
    people = {
        "senior": make_candidate(
            api,
            full_name="Ada Senior",
            current_title="Senior Backend Engineer",
            location="New York, NY",
            experience_years=9,
            skills=["Python", "Postgres", "FastAPI", "k8s"],
            resume_text="Built distributed backend services and APIs in Python.",
        ),
        "junior": make_candidate(
            api,
            full_name="Bo Junior",
            current_title="Junior Developer",
            location="New York, NY",
            experience_years=1,
            skills=["Python", "PostgreSQL", "FastAPI"],
            resume_text="Backend APIs in Python during an internship.",
        ),
        "elsewhere": make_candidate(
            api,
            full_name="Cy Elsewhere",
            current_title="Senior Backend Engineer",
            location="Berlin, Germany",
            experience_years=9,
            skills=["Python", "PostgreSQL", "FastAPI"],
            resume_text="Distributed backend services in Python.",
        ),
        "designer": make_candidate(
            api,
            full_name="Di Designer",
            current_title="Product Designer",
            location="New York, NY",
            experience_years=7,
            skills=["Figma"],
            resume_text="User research and interface design.",
        ),
    }
    return job, people


def test_candidates_for_job_ranks_skills_seniority_and_place(api, hiring):
    job, people = hiring
    result = match(api, "candidates_for_job", job_id=job["id"], limit=10)
    order = [m["candidate_id"] for m in result["matches"]]
    ids = {k: v["id"] for k, v in people.items()}
    assert order == [ids["senior"], ids["elsewhere"], ids["junior"], ids["designer"]]
    best = result["matches"][0]
    assert result["strategy"] == "naive" and best["strategy"] == "naive"
    assert best["full_name"] == "Ada Senior" and best["location"] == "New York, NY"
    assert best["matched_skills"] == ["FastAPI", "PostgreSQL", "Python"]  # "Postgres" counts
    assert best["missing_skills"] == [] and best["matched_nice_to_have"] == ["Kubernetes"]
    assert "Has 3 of 3 required skills" in best["reason"] and "Experience fits" in best["reason"]
    assert all(isinstance(m["score"], int) and 0 <= m["score"] <= 100 for m in result["matches"])
    designer = result["matches"][-1]
    assert designer["missing_skills"] == ["FastAPI", "PostgreSQL", "Python"]


def test_jobs_for_candidate_scores_the_same_pair_the_same(api, hiring):
    job, people = hiring
    make_job(api, title="Product Designer", required_skills=["Figma"], location="New York, NY")
    make_job(api, title="Closed role", required_skills=["Python"], status="closed")
    result = match(api, "jobs_for_candidate", candidate_id=people["senior"]["id"])
    titles = [m["title"] for m in result["matches"]]
    assert titles == ["Senior Backend Engineer", "Product Designer"]  # closed jobs left out
    forward = match(api, "candidates_for_job", job_id=job["id"], limit=1)["matches"][0]
    assert result["matches"][0]["score"] == forward["score"]
    assert result["matches"][0]["status"] == "open"


@pytest.mark.both_databases
def test_the_index_follows_creates_patches_and_deletes(api, hiring):
    job, people = hiring
    match(api, "candidates_for_job", job_id=job["id"])  # index built
    designer = people["designer"]["id"]
    patch(
        api,
        f"{R}/candidates/{designer}",
        json={"skills": ["Python", "FastAPI", "PostgreSQL", "Kubernetes"], "experience_years": 12,
              "resume_text": "Distributed backend services and APIs in Python."},
    )  # fmt: skip
    newcomer = make_candidate(api, full_name="New Person", skills=["Python"])
    api.delete(f"{R}/candidates/{people['senior']['id']}", headers={})
    result = match(api, "candidates_for_job", job_id=job["id"])
    order = [m["candidate_id"] for m in result["matches"]]
    assert order[0] == designer
    assert newcomer["id"] in order and people["senior"]["id"] not in order
    assert result["considered"] == 4


def test_every_run_is_logged(api, other_api, hiring):
    job, people = hiring
    match(api, "candidates_for_job", job_id=job["id"], limit=2)
    match(api, "jobs_for_candidate", candidate_id=people["junior"]["id"])
    logs = api.get(f"{R}/match-logs").json()["data"]
    assert [entry["direction"] for entry in logs] == ["jobs_for_candidate", "candidates_for_job"]
    first = logs[1]
    assert first["job_id"] == job["id"] and first["inputs"] == {"limit": 2, "strategy": "auto"}
    assert first["requested_by"] == f"user:{api.user['id']}" and first["strategy"] == "naive"
    assert [r["id"] for r in first["results"]] == [
        people["senior"]["id"],
        people["elsewhere"]["id"],
    ]
    assert first["considered"] == 4 and first["task_id"]
    by_job = api.get(f"{R}/match-logs", params={"job_id": job["id"]}).json()["meta"]["total"]
    assert by_job == 1
    assert other_api.get(f"{R}/match-logs").json()["meta"]["total"] == 0
    assert error_of(other_api.get(f"{R}/match-logs/{first['id']}"), 404)


def test_bad_input_and_other_orgs_records_start_nothing(api, other_api, hiring):
    job, people = hiring
    before = count(Task)
    resp = api.post(f"{R}/matching/candidates_for_job", json={"limit": 101, "extra": 1})
    assert set(error_of(resp, 400)["errors"]) == {"job_id", "limit", "extra"}
    resp = api.post(f"{R}/matching/jobs_for_candidate", json={"candidate_id": "x"})
    assert set(error_of(resp, 400)["errors"]) == {"candidate_id"}
    resp = other_api.post(f"{R}/matching/candidates_for_job", json={"job_id": job["id"]})
    assert error_of(resp, 404)["code"] == "JOB_NOT_FOUND"
    resp = other_api.post(
        f"{R}/matching/jobs_for_candidate", json={"candidate_id": people["senior"]["id"]}
    )
    assert error_of(resp, 404)["code"] == "CANDIDATE_NOT_FOUND"
    assert count(Task) == before


def test_without_prefer_wait_the_task_is_accepted(api, hiring):
    job, _ = hiring
    resp = api.post(f"{R}/matching/candidates_for_job", json={"job_id": job["id"]})
    assert resp.status_code == 202 and resp.headers["Location"].startswith("/api/v1/tasks/")
    task = api.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded" and len(task["result"]["matches"]) == 4


def test_an_idempotency_key_replays_the_same_run_and_a_bad_key_writes_nothing(api, hiring):
    job, _ = hiring
    url, body = f"{R}/matching/candidates_for_job", {"job_id": job["id"]}
    key = {"Idempotency-Key": "nightly-match-7"}
    first = api.post(url, json=body, headers=key)
    assert first.status_code == 202, first.text
    again = api.post(url, json=body, headers=key)
    # The earlier task, not a second run: 200 with the same task and Location.
    assert again.status_code == 200, again.text
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert again.headers["Location"] == first.headers["Location"]
    other = api.post(url, json={**body, "limit": 3}, headers=key)
    assert error_of(other, 409)["code"] == "CONFLICT"
    before = count(Task)
    for bad in ("two words", "x" * 201, "clé"):
        resp = api.post(url, json=body, headers={"Idempotency-Key": bad.encode().decode("latin-1")})
        assert set(error_of(resp, 400)["errors"]) == {"Idempotency-Key"}, bad
    assert count(Task) == before


def test_openai_strategy_reranks_with_the_model_and_keeps_scores_in_range(
    api,
    hiring,
    with_llm,  # noqa: F811
):
    job, people = hiring
    ids = {k: v["id"] for k, v in people.items()}
    with_llm.reply(
        json.dumps(
            {
                "matches": [
                    {"id": ids["elsewhere"], "score": 150, "reason": "Deep backend depth."},
                    {"id": ids["senior"], "score": 88.4, "reason": "Right skills, right city."},
                    {"id": 999999, "score": 99, "reason": "Not on the shortlist."},
                ]
            }
        )
    )
    result = match(api, "candidates_for_job", job_id=job["id"], limit=3)
    assert result["strategy"] == "openai"
    top = result["matches"]
    assert [(m["candidate_id"], m["score"], m["strategy"]) for m in top[:2]] == [
        (ids["elsewhere"], 100, "openai"),
        (ids["senior"], 88, "openai"),
    ]
    assert top[1]["reason"] == "Right skills, right city."
    assert top[2]["strategy"] == "naive" and len(top) == 3
    embedded = [r for r in with_llm.requests if r["path"] == "/v1/embeddings"]
    assert embedded, "the shortlist is widened by embeddings"
    prompt = json.loads(
        [r for r in with_llm.requests if r["path"] == "/v1/chat/completions"][0]["body"][
            "messages"
        ][1]["content"]
    )
    assert {item["id"] for item in prompt["items"]} == set(ids.values())
    log = api.get(f"{R}/match-logs").json()["data"][0]
    assert log["strategy"] == "openai"

    # A deleted candidate's stored vector goes with the hourly trim.
    from app.db import session_scope
    from app.models.recruiting import Embedding
    from workers.recruiting.store import trim_journal

    def stored(candidate_id):
        with session_scope() as s:
            return s.query(Embedding).filter_by(entity="candidate", entity_id=candidate_id).count()

    assert stored(ids["designer"]) == 1
    assert api.delete(f"{R}/candidates/{ids['designer']}").status_code == 204
    trim_journal()
    assert stored(ids["designer"]) == 0 and stored(ids["senior"]) == 1


def test_asking_for_openai_without_an_llm_fails_clearly(api, hiring):
    job, _ = hiring
    resp = api.post(
        f"{R}/matching/candidates_for_job",
        json={"job_id": job["id"], "strategy": "openai"},
        headers=dict(WAIT),
    )
    task = resp.json()["data"]
    assert task["state"] == "failed" and task["error"]["code"] == "LLM_NOT_CONFIGURED"


@pytest.mark.both_databases
def test_a_trimmed_journal_makes_the_worker_rebuild_instead_of_missing_writes(api, hiring):
    from workers.recruiting.store import trim_journal

    job, people = hiring
    match(api, "candidates_for_job", job_id=job["id"])  # cached at the current version
    newcomer = make_candidate(
        api, full_name="Late Arrival", skills=["Python", "FastAPI", "PostgreSQL", "Kubernetes"]
    )
    assert trim_journal(days=0) >= 1  # the newcomer's journal entry is gone
    result = match(api, "candidates_for_job", job_id=job["id"])
    assert newcomer["id"] in [m["candidate_id"] for m in result["matches"]]
    assert result["considered"] == 5


def test_runs_and_index_work_are_measured(api, hiring):
    job, _ = hiring
    match(api, "candidates_for_job", job_id=job["id"])
    text = api.get("/metrics").text
    assert (
        'kairos_recruiting_match_seconds_count{direction="candidates_for_job",strategy="naive"}'
        in text
    )
    assert 'kairos_recruiting_index_seconds_count{operation="build"}' in text


def test_openai_jobs_for_candidate_and_a_broken_model_answer(
    api,
    hiring,
    with_llm,  # noqa: F811
):
    job, people = hiring
    other = make_job(api, title="Product Designer", required_skills=["Figma"])
    with_llm.reply(
        json.dumps({"matches": [{"id": other["id"], "score": -5, "reason": "Not a fit."}]})
    )
    result = match(api, "jobs_for_candidate", candidate_id=people["senior"]["id"], limit=2)
    assert result["strategy"] == "openai"
    by_job = {m["job_id"]: m for m in result["matches"]}
    assert by_job[other["id"]]["score"] == 0 and by_job[other["id"]]["strategy"] == "openai"
    assert by_job[job["id"]]["strategy"] == "naive"  # left out by the model: naive kept
    assert [m["job_id"] for m in result["matches"]] == [job["id"], other["id"]]

    with_llm.reply("this is not JSON")
    resp = api.post(
        f"{R}/matching/candidates_for_job", json={"job_id": job["id"]}, headers=dict(WAIT)
    )
    task = resp.json()["data"]
    assert task["state"] == "failed" and task["error"]["code"] == "LLM_ERROR"
    logs = api.get(f"{R}/match-logs").json()["meta"]["total"]
    assert logs == 1  # only the run that produced matches
