"""Applications: a job and a candidate of the org, one per pair, a status pipeline whose every
change is kept with who and when."""

from __future__ import annotations

import pytest

from app.models.recruiting import Application
from tests.factories import add_member, count
from tests.recruiting.ats import (
    R,
    error_of,
    make_application,
    make_candidate,
    make_job,
    patch,
)


def test_create_filter_patch_delete(api):
    job, other_job = make_job(api), make_job(api, title="Designer")
    cand = make_candidate(api)
    app = make_application(api, job["id"], cand["id"], fit_score=85)
    assert (app["status"], app["source"], app["fit_score"]) == ("sourced", "manual", 85)
    make_application(api, other_job["id"], cand["id"], status="screening", source="referral")

    by_job = api.get(f"{R}/applications", params={"job_id": job["id"]}).json()["data"]
    assert [a["id"] for a in by_job] == [app["id"]]
    by_candidate = api.get(f"{R}/applications", params={"candidate_id": cand["id"]}).json()
    assert by_candidate["meta"]["total"] == 2
    screening = api.get(f"{R}/applications", params={"status_filter": "screening"}).json()
    assert [a["job_id"] for a in screening["data"]] == [other_job["id"]]

    resp = patch(api, f"{R}/applications/{app['id']}", json={"fit_score": 90})
    assert resp.json()["data"]["fit_score"] == 90
    assert api.delete(f"{R}/applications/{app['id']}").status_code == 204
    assert error_of(api.get(f"{R}/applications/{app['id']}"), 404)["code"] == (
        "APPLICATION_NOT_FOUND"
    )


@pytest.mark.both_databases
def test_one_application_per_job_and_candidate(api):
    job, cand = make_job(api), make_candidate(api)
    make_application(api, job["id"], cand["id"])
    resp = api.post(f"{R}/applications", json={"job_id": job["id"], "candidate_id": cand["id"]})
    assert error_of(resp, 409)["code"] == "CONFLICT"
    assert api.get(f"{R}/applications").json()["meta"]["total"] == 1


def test_status_moves_along_the_pipeline_and_history_says_who_and_when(api):
    job, cand = make_job(api), make_candidate(api)
    app = make_application(api, job["id"], cand["id"])
    member = add_member(api, "member")
    url = f"{R}/applications/{app['id']}"
    assert patch(api, url, json={"status": "screening"}).status_code == 200
    assert patch(member, url, json={"status": "offer", "reason": "Great loop"}).status_code == 200
    assert patch(api, url, json={"status": "hired", "fit_score": 95}).status_code == 200

    history = api.get(f"{url}/history").json()["data"]
    moves = [(h["from_status"], h["to_status"]) for h in history]
    assert moves == [(None, "sourced"), ("sourced", "screening"), ("screening", "offer"),
                     ("offer", "hired")]  # fmt: skip
    assert history[2]["note"] == "Great loop"
    assert history[2]["changed_by"] != history[1]["changed_by"]
    assert history[1]["changed_by"] == f"user:{api.user['id']}"
    assert history[3]["changes"] == {"fit_score": [None, 95]}
    assert all(h["at"] for h in history)


def test_status_moves_back_and_a_closed_application_reopens_with_the_reason(api):
    job, cand = make_job(api), make_candidate(api)
    app = make_application(api, job["id"], cand["id"], status="offer")
    url = f"{R}/applications/{app['id']}"
    back = patch(api, url, json={"status": "interviewing", "reason": "One more panel"})
    assert back.status_code == 200 and back.json()["data"]["status"] == "interviewing"
    assert patch(api, url, json={"status": "rejected"}).status_code == 200
    reopened = patch(api, url, json={"status": "screening", "reason": "Role reopened"})
    assert reopened.status_code == 200 and reopened.json()["data"]["status"] == "screening"
    assert patch(api, url, json={"status": "hired"}).status_code == 200
    assert patch(api, url, json={"status": "offer"}).status_code == 200

    history = api.get(f"{url}/history").json()["data"]
    assert [(h["from_status"], h["to_status"], h["note"]) for h in history[1:]] == [
        ("offer", "interviewing", "One more panel"),
        ("interviewing", "rejected", None),
        ("rejected", "screening", "Role reopened"),
        ("screening", "hired", None),
        ("hired", "offer", None),
    ]
    assert {h["changed_by"] for h in history} == {f"user:{api.user['id']}"}


def test_a_status_that_does_not_exist_is_400_and_changes_nothing(api):
    job, cand = make_job(api), make_candidate(api)
    app = make_application(api, job["id"], cand["id"])
    url = f"{R}/applications/{app['id']}"
    resp = patch(api, url, json={"status": "ghosted", "reason": "?"})
    assert "status" in error_of(resp, 400)["errors"]
    assert api.get(url).json()["data"]["status"] == "sourced"
    assert len(api.get(f"{url}/history").json()["data"]) == 1


def test_rejected_or_withdrawn_from_any_open_stage(api):
    job, cand = make_job(api), make_candidate(api)
    app = make_application(api, job["id"], cand["id"], status="interviewing")
    resp = patch(api, f"{R}/applications/{app['id']}", json={"status": "withdrawn"})
    assert resp.json()["data"]["status"] == "withdrawn"


def test_bad_input_and_foreign_records(api, other_api):
    job, cand = make_job(api), make_candidate(api)
    theirs_job, theirs_cand = make_job(other_api), make_candidate(other_api)
    before = count(Application)
    resp = api.post(
        f"{R}/applications",
        json={"job_id": 1, "candidate_id": 0, "status": "maybe", "fit_score": 101},
    )
    assert set(error_of(resp, 400)["errors"]) == {"candidate_id", "status", "fit_score"}
    resp = api.post(f"{R}/applications", json={"job_id": "five", "candidate_id": 2.5})
    assert set(error_of(resp, 400)["errors"]) == {"job_id", "candidate_id"}
    resp = api.post(
        f"{R}/applications", json={"job_id": theirs_job["id"], "candidate_id": cand["id"]}
    )
    assert error_of(resp, 404)["code"] == "JOB_NOT_FOUND"
    resp = api.post(
        f"{R}/applications", json={"job_id": job["id"], "candidate_id": theirs_cand["id"]}
    )
    assert error_of(resp, 404)["code"] == "CANDIDATE_NOT_FOUND"
    assert count(Application) == before

    app = make_application(api, job["id"], cand["id"])
    for resp in (
        other_api.get(f"{R}/applications/{app['id']}"),
        patch(other_api, f"{R}/applications/{app['id']}", json={"status": "screening"}),
        other_api.get(f"{R}/applications/{app['id']}/history"),
        other_api.delete(f"{R}/applications/{app['id']}"),
    ):
        assert error_of(resp, 404)["code"] == "APPLICATION_NOT_FOUND"
    assert other_api.get(f"{R}/applications").json()["meta"]["total"] == 0


def test_deleting_a_job_removes_its_applications(api):
    job, cand = make_job(api), make_candidate(api)
    app = make_application(api, job["id"], cand["id"])
    assert api.delete(f"{R}/jobs/{job['id']}").status_code == 204
    assert error_of(api.get(f"{R}/applications/{app['id']}"), 404)
