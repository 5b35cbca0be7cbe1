"""Careers over HTTP: profile, job postings, applications and their statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.db import session_scope
from app.models.careers import Application, JobPosting
from tests.factories import add_member, count

C = "/api/v1/careers"


def make_job(client, **fields) -> str:
    """A posting owned by ``client`` (searches are tested with real boards elsewhere)."""
    values = {
        "source": "greenhouse",
        "source_id": fields.pop("source_id", str(datetime.now(UTC))),
        "fingerprint": "fp",
        "title": "Backend Engineer",
        "company": "Acme",
        "location": "Berlin",
        "remote": False,
        "description": "Python and PostgreSQL.",
        **fields,
    }
    row = JobPosting(org_id=client.user["org_id"], owner_id=client.user["id"], **values)
    with session_scope() as s:
        s.add(row)
    return row.id


# --- profile -------------------------------------------------------------------------------------


def test_a_new_profile_is_empty_and_put_replaces_it(api):
    assert api.get(f"{C}/profile").json()["data"] == {}
    profile = {
        "name": "Ada",
        "headline": "Backend engineer",
        "skills": ["Python", "Go"],
        "years_experience": 6,
        "locations": ["Berlin"],
        "remote_preference": "remote",
        "salary_expectation": {"min": 90000, "currency": "EUR"},
        "target_roles": ["Staff Engineer"],
        "sources": [{"platform": "greenhouse", "board": "acme"}],
    }
    resp = api.request("PUT", f"{C}/profile", json=profile)
    assert resp.status_code == 200
    got = api.get(f"{C}/profile").json()["data"]
    assert got["skills"] == ["Python", "Go"] and got["salary_expectation"]["currency"] == "EUR"
    assert got["sources"] == [{"platform": "greenhouse", "board": "acme"}]
    api.request("PUT", f"{C}/profile", json={"name": "Ada L."})
    assert api.get(f"{C}/profile").json()["data"] == {"name": "Ada L."}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": "Python"}, "skills"),
        ({"remote_preference": "moon"}, "remote_preference"),
        ({"years_experience": -1}, "years_experience"),
        ({"salary_expectation": {"min": 1, "currency": "EURO"}}, "salary_expectation"),
        ({"sources": [{"platform": "myspace"}]}, "sources"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_a_bad_profile_is_400_and_keeps_the_old_one(api, body, field):
    api.request("PUT", f"{C}/profile", json={"name": "Kept"})
    resp = api.request("PUT", f"{C}/profile", json=body)
    assert resp.status_code == 400 and field in resp.json()["errors"]
    assert api.get(f"{C}/profile").json()["data"] == {"name": "Kept"}


def test_profiles_are_personal(api, other_api):
    api.request("PUT", f"{C}/profile", json={"name": "Mine"})
    colleague = add_member(api, "member")
    assert colleague.get(f"{C}/profile").json()["data"] == {}
    assert other_api.get(f"{C}/profile").json()["data"] == {}


# --- jobs ----------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_jobs_are_listed_filtered_and_paginated(api):
    a = make_job(
        api,
        title="Senior Python Engineer",
        company="Acme",
        remote=True,
        source_id="1",
        posted_at=datetime.now(UTC),
    )
    b = make_job(
        api,
        title="Go Developer",
        company="Globex",
        location="Paris",
        source="lever",
        source_id="2",
        description="Go services at scale.",
        posted_at=datetime.now(UTC) - timedelta(days=1),
    )
    everything = api.get(f"{C}/jobs").json()
    assert [j["id"] for j in everything["data"]] == [a, b]
    assert everything["meta"] == {"total": 2, "page": 1, "page_size": 20}
    assert [j["id"] for j in api.get(f"{C}/jobs", params={"q": "python"}).json()["data"]] == [a]
    assert [j["id"] for j in api.get(f"{C}/jobs", params={"source": "lever"}).json()["data"]] == [b]
    assert [j["id"] for j in api.get(f"{C}/jobs", params={"remote": "true"}).json()["data"]] == [a]
    assert [j["id"] for j in api.get(f"{C}/jobs", params={"location": "par"}).json()["data"]] == [b]
    assert api.get(f"{C}/jobs", params={"analyzed": "true"}).json()["meta"]["total"] == 0
    page2 = api.get(f"{C}/jobs", params={"page": 2, "page_size": 1}).json()
    assert [j["id"] for j in page2["data"]] == [b]
    assert api.get(f"{C}/jobs", params={"min_score": 2}).status_code == 400


def test_another_users_job_is_not_found(api, other_api):
    job = make_job(api)
    colleague = add_member(api, "member")
    for client in (other_api, colleague):
        assert client.get(f"{C}/jobs/{job}").status_code == 404
        assert client.delete(f"{C}/jobs/{job}").json()["code"] == "JOB_NOT_FOUND"
        assert client.post(f"{C}/jobs/{job}/analyze", json={}).status_code == 404
        assert client.get(f"{C}/jobs").json()["meta"]["total"] == 0


def test_deleting_a_job_removes_it_and_keeps_its_applications(api):
    job = make_job(api)
    created = api.post(f"{C}/applications", json={"job_id": job}).json()["data"]
    assert api.delete(f"{C}/jobs/{job}").status_code == 200
    assert api.get(f"{C}/jobs/{job}").status_code == 404
    kept = api.get(f"{C}/applications/{created['id']}").json()["data"]
    assert kept["job_id"] is None and kept["title"] == "Backend Engineer"


def test_analysis_of_an_unanalyzed_job_is_404(api):
    job = make_job(api)
    resp = api.get(f"{C}/jobs/{job}/analysis")
    assert resp.status_code == 404 and resp.json()["code"] == "ANALYSIS_NOT_FOUND"


@pytest.mark.parametrize(
    "sources",
    [
        [{"platform": "myspace", "board": "x"}],
        [{"platform": "greenhouse"}],
        [{"platform": "greenhouse", "board": "../etc/passwd"}],
        "greenhouse",
    ],
)
def test_search_with_bad_sources_is_400_and_enqueues_nothing(api, sources):
    from app.models import Task

    before = count(Task)
    resp = api.post(f"{C}/jobs/search", json={"query": "python", "sources": sources})
    assert resp.status_code == 400 and "sources" in resp.json()["errors"]
    assert count(Task) == before


# --- applications --------------------------------------------------------------------------------


def test_an_application_moves_along_its_pipeline_with_history(api):
    job = make_job(api)
    created = api.post(f"{C}/applications", json={"job_id": job, "notes": "referral"})
    assert created.status_code == 201
    app_id = created.json()["data"]["id"]
    assert created.json()["data"]["status"] == "saved"
    for status in ("applied", "screening", "interviewing", "offer", "accepted"):
        resp = api.request(
            "PATCH", f"{C}/applications/{app_id}", json={"status": status, "note": f"now {status}"}
        )
        assert resp.status_code == 200, resp.text
    detail = api.get(f"{C}/applications/{app_id}").json()["data"]
    assert detail["status"] == "accepted" and detail["notes"] == "referral"
    assert [h["to_status"] for h in detail["history"]] == [
        "saved",
        "applied",
        "screening",
        "interviewing",
        "offer",
        "accepted",
    ]
    assert detail["history"][2]["from_status"] == "applied"
    assert detail["applied_at"] and detail["first_response_at"]


def test_an_application_moves_back_or_reopens_and_the_history_says_who_and_why(api):
    job = make_job(api)
    app_id = api.post(f"{C}/applications", json={"job_id": job}).json()["data"]["id"]
    url = f"{C}/applications/{app_id}"
    script_key = api.post(
        "/api/v1/api-keys", json={"name": "script", "role": "member", "scopes": ["tasks"]}
    ).json()["data"]["key"]
    moves = [
        ("applied", None),
        ("interviewing", None),
        ("screening", "The interview was moved to a later round"),
        ("rejected", None),
        ("applied", "Recruiter reopened the role"),
    ]
    for status, note in moves:
        body = {"status": status} | ({"note": note} if note else {})
        resp = api.request("PATCH", url, json=body)
        assert resp.status_code == 200, resp.text
    resp = api.request(
        "PATCH", url, json={"status": "saved"}, auth=False, headers={"X-API-Key": script_key}
    )
    assert resp.status_code == 200, resp.text

    detail = api.get(url).json()["data"]
    assert detail["status"] == "saved"
    steps = [(h["from_status"], h["to_status"], h["note"]) for h in detail["history"]]
    assert steps == [
        (None, "saved", None),
        ("saved", "applied", None),
        ("applied", "interviewing", None),
        ("interviewing", "screening", "The interview was moved to a later round"),
        ("screening", "rejected", None),
        ("rejected", "applied", "Recruiter reopened the role"),
        ("applied", "saved", None),
    ]
    me = f"user:{api.user['id']}"
    assert {h["changed_by"] for h in detail["history"][:-1]} == {me}
    assert detail["history"][-1]["changed_by"].startswith("api_key:")
    assert all(h["changed_by_user_id"] == api.user["id"] for h in detail["history"])
    # The first application time survives the moves back through "applied".
    assert detail["applied_at"] == detail["history"][1]["at"]


def test_only_a_status_that_does_not_exist_is_refused_and_nothing_changes(api):
    app_id = api.post(f"{C}/applications", json={"job_id": make_job(api)}).json()["data"]["id"]
    resp = api.request("PATCH", f"{C}/applications/{app_id}", json={"status": "ghosted"})
    assert resp.status_code == 400 and "status" in resp.json()["errors"]
    detail = api.get(f"{C}/applications/{app_id}").json()["data"]
    assert detail["status"] == "saved" and len(detail["history"]) == 1


def test_applications_need_one_of_your_own_jobs(api, other_api):
    theirs = make_job(other_api)
    before = count(Application)
    resp = api.post(f"{C}/applications", json={"job_id": theirs})
    assert resp.status_code == 404 and resp.json()["code"] == "JOB_NOT_FOUND"
    assert api.post(f"{C}/applications", json={}).status_code == 400
    assert count(Application) == before


def test_another_users_application_is_not_found(api, other_api):
    app_id = api.post(f"{C}/applications", json={"job_id": make_job(api)}).json()["data"]["id"]
    assert other_api.get(f"{C}/applications/{app_id}").status_code == 404
    resp = other_api.request("PATCH", f"{C}/applications/{app_id}", json={"notes": "mine now"})
    assert resp.status_code == 404
    assert api.get(f"{C}/applications/{app_id}").json()["data"]["notes"] is None


def test_stats_count_statuses_responses_weeks_and_the_funnel(api):
    def application(*statuses):
        app_id = api.post(f"{C}/applications", json={"job_id": make_job(api)}).json()["data"]["id"]
        for status in statuses:
            api.request("PATCH", f"{C}/applications/{app_id}", json={"status": status})
        return app_id

    application("applied", "screening", "interviewing")
    application("applied", "rejected")
    application("applied")
    application()
    stats = api.get(f"{C}/applications/stats").json()["data"]
    assert stats["total"] == 4
    assert stats["by_status"]["interviewing"] == 1 and stats["by_status"]["saved"] == 1
    assert stats["response_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert stats["median_days_to_first_response"] == pytest.approx(0, abs=0.01)
    assert stats["applications_per_week"][-1]["count"] == 3
    assert len(stats["applications_per_week"]) == 12
    funnel = {f["stage"]: f["count"] for f in stats["funnel"]}
    assert funnel == {"applied": 3, "screening": 1, "interviewing": 1, "offer": 0, "accepted": 0}
