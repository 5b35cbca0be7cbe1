"""Jobs: the seed's five endpoints, org-scoped, with its filters and the platform's paging."""

from __future__ import annotations

import pytest

from app.models.recruiting import Job
from tests.factories import add_member, count
from tests.recruiting.ats import R, error_of, make_job, patch

SEED_JOB = {
    "title": "Senior Backend Engineer",
    "department": "Engineering",
    "location": "New York, NY",
    "employment_type": "Full-time",
    "remote_option": "Hybrid",
    "salary_min": 160000,
    "salary_max": 200000,
    "currency": "USD",
    "description": "We are hiring...",
    "required_skills": ["Python", "FastAPI", "PostgreSQL"],
    "nice_to_have_skills": ["Kubernetes", "AWS"],
    "status": "open",
    "is_public": False,
}


def test_create_get_patch_delete_a_job(api):
    job = make_job(api, **SEED_JOB, min_years=5)
    assert {k: job[k] for k in SEED_JOB} == SEED_JOB
    assert job["org_id"] == api.user["org_id"]
    assert job["created_by_user_id"] == api.user["id"]
    assert isinstance(job["id"], int) and job["created_at"] and job["updated_at"]

    assert api.get(f"{R}/jobs/{job['id']}").json()["data"]["title"] == SEED_JOB["title"]

    resp = patch(api, f"{R}/jobs/{job['id']}", json={"status": "on_hold", "location": "Remote"})
    assert resp.status_code == 200, resp.text
    changed = resp.json()["data"]
    assert (changed["status"], changed["location"], changed["title"]) == (
        "on_hold",
        "Remote",
        SEED_JOB["title"],
    )
    assert changed["updated_at"] >= job["updated_at"]

    assert api.delete(f"{R}/jobs/{job['id']}").status_code == 204
    assert error_of(api.get(f"{R}/jobs/{job['id']}"), 404)["code"] == "JOB_NOT_FOUND"


def test_choices_are_read_loosely_and_answered_canonically(api):
    job = make_job(api, employment_type="full time", remote_option="onsite", currency="eur")
    assert (job["employment_type"], job["remote_option"], job["currency"]) == (
        "Full-time",
        "On-site",
        "EUR",
    )


@pytest.mark.both_databases
def test_list_filters_by_title_words_and_status_with_both_paging_styles(api):
    make_job(api, title="Senior Backend Engineer", status="open")
    make_job(api, title="backend intern", status="closed")
    make_job(api, title="Designer", status="open")

    titles = [j["title"] for j in api.get(f"{R}/jobs", params={"q": "BACKEND"}).json()["data"]]
    assert titles == ["backend intern", "Senior Backend Engineer"]

    body = api.get(f"{R}/jobs", params={"status_filter": "open"}).json()
    assert [j["title"] for j in body["data"]] == ["Designer", "Senior Backend Engineer"]
    assert body["meta"]["total"] == 2

    seed = api.get(f"{R}/jobs", params={"skip": 1, "limit": 1}).json()
    assert [j["title"] for j in seed["data"]] == ["backend intern"]
    assert seed["meta"]["total"] == 3
    page = api.get(f"{R}/jobs", params={"page": 2, "page_size": 2}).json()
    assert [j["title"] for j in page["data"]] == ["Senior Backend Engineer"]


@pytest.mark.both_databases
def test_like_wildcards_in_q_are_literal(api):
    make_job(api, title="Data Engineer")
    assert api.get(f"{R}/jobs", params={"q": "%"}).json()["data"] == []


def test_bad_input_names_the_fields_and_writes_nothing(api):
    before = count(Job)
    resp = api.post(
        f"{R}/jobs",
        json={
            "department": "x" * 201,
            "salary_min": -1,
            "currency": "dollars",
            "remote_option": "sometimes",
            "required_skills": ["ok", ""],
            "surprise": 1,
        },
    )
    body = error_of(resp, 400)
    assert body["code"] == "VALIDATION_ERROR"
    assert set(body["errors"]) == {
        "title",
        "department",
        "salary_min",
        "currency",
        "remote_option",
        "required_skills",
        "surprise",
    }
    assert error_of(api.get(f"{R}/jobs", params={"limit": 101}), 400)["errors"].keys() == {"limit"}
    assert count(Job) == before


def test_patch_refuses_bad_fields_and_keeps_the_row(api):
    job = make_job(api, salary_min=100, salary_max=200)
    resp = patch(api, f"{R}/jobs/{job['id']}", json={"title": None, "status": "gone"})
    assert set(error_of(resp, 400)["errors"]) == {"title", "status"}
    again = api.get(f"{R}/jobs/{job['id']}").json()["data"]
    assert (again["title"], again["status"]) == (job["title"], "open")


def test_a_salary_range_typed_backwards_is_kept_in_order(api):
    job = make_job(api, salary_min=200_000, salary_max=160_000)
    assert (job["salary_min"], job["salary_max"]) == (160_000, 200_000)
    resp = patch(api, f"{R}/jobs/{job['id']}", json={"salary_max": 150_000})
    changed = resp.json()["data"]
    assert (changed["salary_min"], changed["salary_max"]) == (150_000, 160_000)


def test_another_orgs_job_is_not_found(api, other_api):
    job = make_job(api)
    for resp in (
        other_api.get(f"{R}/jobs/{job['id']}"),
        patch(other_api, f"{R}/jobs/{job['id']}", json={"title": "mine"}),
        other_api.delete(f"{R}/jobs/{job['id']}"),
    ):
        assert error_of(resp, 404)["code"] == "JOB_NOT_FOUND"
    assert other_api.get(f"{R}/jobs").json()["meta"]["total"] == 0
    for odd in ("not-a-number", "²", "99999999999", "2147483648"):
        assert error_of(api.get(f"{R}/jobs/{odd}"), 404)["code"] == "JOB_NOT_FOUND"
    assert api.get(f"{R}/jobs/{job['id']}").json()["data"]["title"] == job["title"]


def test_viewers_read_members_write_admins_delete(api):
    job = make_job(api)
    viewer, member = add_member(api, "viewer"), add_member(api, "member")
    assert viewer.get(f"{R}/jobs/{job['id']}").status_code == 200
    assert error_of(viewer.post(f"{R}/jobs", json={"title": "x"}), 403)["code"] == "FORBIDDEN"
    assert patch(member, f"{R}/jobs/{job['id']}", json={"title": "Renamed"}).status_code == 200
    assert error_of(member.delete(f"{R}/jobs/{job['id']}"), 403)["code"] == "FORBIDDEN"
    assert api.delete(f"{R}/jobs/{job['id']}").status_code == 204
