"""One command per workload's main action, followed live to a readable result."""

from __future__ import annotations

from tests.web.helpers import careers_job

R = "/api/v1/recruiting"


def test_careers_analyze_prints_the_score_and_gaps(cli, api):
    job_id = careers_job(api, description="Requirements: Python, Kubernetes and Terraform.")
    result = cli("careers", "analyze", job_id)
    assert result.exit_code == 0, result.stderr
    assert "match score:" in result.stdout and "gaps:" in result.stdout
    assert "Terraform" in result.stdout  # a required skill this seeker lacks
    as_json = cli("--json", "careers", "analyze", job_id)
    task = as_json.json()
    assert task["kind"] == "careers.analyze" and 0 <= task["result"]["score"] <= 1


def test_careers_analyze_of_another_users_job_is_not_found(cli, other_api):
    theirs = careers_job(other_api)
    result = cli("careers", "analyze", theirs)
    assert result.exit_code == 3 and "NOT_FOUND" in result.stderr


def test_recruiting_match_lists_candidates_with_reasons(cli, api):
    job = api.post(f"{R}/jobs", json={"title": "Data Engineer", "required_skills": ["SQL"]})
    ada = {"full_name": "Ada Lovelace", "skills": ["SQL", "Python"]}
    api.post(f"{R}/candidates", json=ada)
    result = cli("recruiting", "match", "--job", str(job.json()["data"]["id"]))
    assert result.exit_code == 0, result.stderr
    assert "Ada Lovelace" in result.stdout and "required skills" in result.stdout
    missing = cli("recruiting", "match", "--job", "2147483000")
    assert missing.exit_code == 3


def test_monitoring_check_needs_an_admin_and_an_existing_resource(cli, api):
    from tests.factories import add_member

    assert cli("monitoring", "check", "no-such-resource").exit_code == 3
    member = add_member(api, "member")
    result = cli("monitoring", "check", "no-such-resource", env={"KAIROS_TOKEN": member.token})
    assert result.exit_code == 4


def test_dining_feed_without_a_profile_is_not_found_then_built_by_a_worker(cli, api):
    result = cli("dining", "feed")
    assert result.exit_code == 3 and "NOT_FOUND" in result.stderr
    uid = api.user["id"]
    assert api.post(f"/api/v1/dining/users/{uid}", json={}).status_code == 201
    built = cli("--json", "dining", "feed")
    assert built.exit_code == 0, built.stdout
    feed = built.json()
    assert feed["uid"] == uid and isinstance(feed["restaurants"], list)
