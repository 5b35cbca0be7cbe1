"""Candidates: the seed's five endpoints plus contact, skills and resume text; possible
duplicates reported, never merged."""

from __future__ import annotations

import pytest

from app.models.recruiting import Candidate
from tests.factories import add_member, count
from tests.recruiting.ats import R, error_of, make_candidate, patch

SEED_CANDIDATE = {
    "full_name": "Jane Doe",
    "headline": "Senior Backend Engineer",
    "location": "San Francisco, CA",
    "experience_years": 8,
    "current_title": "Staff Engineer",
    "current_company": "TechCorp",
    "linkedin_url": "https://linkedin.com/in/janedoe",
    "github_url": "https://github.com/janedoe",
    "website_url": None,
    "notes": "Strong experience with Python and distributed systems.",
}


def test_create_get_patch_delete_a_candidate(api):
    cand = make_candidate(
        api,
        **SEED_CANDIDATE,
        email="jane@example.com",
        phone="+1 (555) 010-2000",
        skills=["Python", "PostgreSQL"],
        resume_text="Jane Doe\nBackend engineer...",
    )
    assert {k: cand[k] for k in SEED_CANDIDATE} == SEED_CANDIDATE
    assert cand["skills"] == ["Python", "PostgreSQL"] and cand["possible_duplicates"] == []
    assert cand["email"] == "jane@example.com" and cand["source"] == "manual"

    resp = patch(api, f"{R}/candidates/{cand['id']}", json={"current_company": "NewCorp"})
    assert resp.json()["data"]["current_company"] == "NewCorp"
    assert api.get(f"{R}/candidates/{cand['id']}").json()["data"]["headline"] == (
        "Senior Backend Engineer"
    )
    assert api.delete(f"{R}/candidates/{cand['id']}").status_code == 204
    resp = api.get(f"{R}/candidates/{cand['id']}")
    assert error_of(resp, 404)["code"] == "CANDIDATE_NOT_FOUND"


@pytest.mark.both_databases
def test_possible_duplicates_are_reported_by_email_profile_or_name_at_company(api, other_api):
    first = make_candidate(
        api,
        full_name="José Núñez",
        email="jose@example.com",
        current_company="Acme Inc.",
        github_url="https://github.com/jnunez",
    )
    same_email = make_candidate(api, full_name="J. Nunez", email="JOSE@example.com")
    same_name_company = make_candidate(api, full_name="jose nunez", current_company="ACME")
    same_github = make_candidate(api, full_name="Other", github_url="http://github.com/JNunez/")
    stranger = make_candidate(api, full_name="José Núñez", current_company="Elsewhere")
    elsewhere = make_candidate(other_api, full_name="José Núñez", email="jose@example.com")

    assert same_email["possible_duplicates"] == [first["id"]]
    assert same_name_company["possible_duplicates"] == [first["id"]]
    assert same_github["possible_duplicates"] == [first["id"]]
    assert stranger["possible_duplicates"] == []
    assert elsewhere["possible_duplicates"] == []
    again = api.get(f"{R}/candidates/{first['id']}").json()["data"]
    assert again["possible_duplicates"] == [
        same_email["id"],
        same_name_company["id"],
        same_github["id"],
    ]
    assert api.get(f"{R}/candidates").json()["meta"]["total"] == 5  # nothing merged


@pytest.mark.both_databases
def test_list_searches_names_case_insensitively(api):
    make_candidate(api, full_name="Jane Doe")
    make_candidate(api, full_name="John Smith")
    make_candidate(api, full_name="janet DOEBERT")
    names = [c["full_name"] for c in api.get(f"{R}/candidates", params={"q": "doe"}).json()["data"]]
    assert names == ["janet DOEBERT", "Jane Doe"]
    seed = api.get(f"{R}/candidates", params={"skip": 0, "limit": 2}).json()
    assert len(seed["data"]) == 2 and seed["meta"]["total"] == 3


def test_bad_input_names_the_fields_and_writes_nothing(api):
    before = count(Candidate)
    resp = api.post(
        f"{R}/candidates",
        json={
            "email": "not-an-email",
            "phone": "call me",
            "experience_years": 200,
            "linkedin_url": "javascript:alert(1)",
            "skills": "Python",
            "resume_text": "x" * 200_001,
        },
    )
    assert set(error_of(resp, 400)["errors"]) == {
        "full_name",
        "email",
        "phone",
        "experience_years",
        "linkedin_url",
        "skills",
        "resume_text",
    }
    cand = make_candidate(api, github_url="https://github.com/x")
    cleared = patch(api, f"{R}/candidates/{cand['id']}", json={"github_url": ""})
    assert cleared.json()["data"]["github_url"] is None  # an emptied form field
    resp = patch(api, f"{R}/candidates/{cand['id']}", json={"full_name": "", "id": 5})
    assert set(error_of(resp, 400)["errors"]) == {"full_name", "id"}
    assert count(Candidate) == before + 1
    assert api.get(f"{R}/candidates/{cand['id']}").json()["data"]["full_name"] == "Jane Doe"


def test_another_orgs_candidate_is_not_found(api, other_api):
    cand = make_candidate(api)
    for resp in (
        other_api.get(f"{R}/candidates/{cand['id']}"),
        patch(other_api, f"{R}/candidates/{cand['id']}", json={"notes": "x"}),
        other_api.delete(f"{R}/candidates/{cand['id']}"),
    ):
        assert error_of(resp, 404)["code"] == "CANDIDATE_NOT_FOUND"
    assert api.get(f"{R}/candidates/{cand['id']}").json()["data"]["notes"] is None


def test_viewers_cannot_write(api):
    viewer = add_member(api, "viewer")
    assert error_of(viewer.post(f"{R}/candidates", json={"full_name": "X"}), 403)
    assert viewer.get(f"{R}/candidates").status_code == 200
