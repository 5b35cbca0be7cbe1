"""Track any application: a job found anywhere becomes a job record with source `manual`,
which analysis and tailoring (through the real worker) use like any other."""

from __future__ import annotations

import pytest

from app.models.careers import Application, JobPosting
from tests.careers.test_pipeline import import_resume, run
from tests.factories import count

C = "/api/v1/careers"
JOB = {
    "title": "Senior Backend Engineer",
    "company": "Northwind",
    "url": "https://northwind.example/careers/backend-42",
    "description": "Requirements: 5+ years of Python, PostgreSQL and Docker. Nice to have: Go.",
}


def test_a_free_form_job_becomes_a_manual_job_record_with_its_application(api):
    resp = api.post(f"{C}/applications", json={"job": JOB, "status": "applied", "notes": "e-mail"})
    assert resp.status_code == 201, resp.text
    application = resp.json()["data"]
    assert (application["title"], application["company"]) == (JOB["title"], JOB["company"])
    assert application["status"] == "applied" and application["applied_at"]

    job = api.get(f"{C}/jobs/{application['job_id']}").json()["data"]
    assert job["source"] == "manual"
    assert job["apply_url"] == JOB["url"] and job["description"] == JOB["description"]
    listed = api.get(f"{C}/jobs", params={"source": "manual"}).json()["data"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_the_description_is_optional(api):
    job = {k: v for k, v in JOB.items() if k != "description"}
    resp = api.post(f"{C}/applications", json={"job": job})
    assert resp.status_code == 201, resp.text
    assert api.get(f"{C}/jobs/{resp.json()['data']['job_id']}").json()["data"]["description"] == ""


def test_analysis_and_tailoring_work_on_a_manual_job(api):
    job_id = api.post(f"{C}/applications", json={"job": JOB}).json()["data"]["job_id"]
    resume_id = import_resume(api)

    analyzed = run(api, f"{C}/jobs/{job_id}/analyze", {})
    assert analyzed["state"] == "succeeded", analyzed
    analysis = api.get(f"{C}/jobs/{job_id}/analysis").json()["data"]
    required = {r.lower() for r in analysis["requirements"]["required_skills"]}
    assert {"python", "postgresql", "docker"} <= required
    assert 0 <= analysis["score"] <= 1

    tailored = run(api, f"{C}/resumes/{resume_id}/tailor", {"job_id": job_id})
    assert tailored["state"] == "succeeded", tailored
    version = api.get(f"{C}/resumes/{resume_id}/tailored/{job_id}").json()["data"]
    assert version["version"] == 1 and version["resume"]["sections"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "job_id"),
        ({"job_id": "x", "job": JOB}, "job_id"),
        ({"job": {**JOB, "url": "ftp://northwind.example/x"}}, "job"),
        ({"job": {**JOB, "url": "https://northwind.example/a b"}}, "job"),
        ({"job": {k: v for k, v in JOB.items() if k != "company"}}, "job"),
        ({"job": {**JOB, "title": ""}}, "job"),
        ({"job": {**JOB, "salary": 1}}, "job"),
        ({"job": JOB, "status": "offer"}, "status"),
    ],
)
def test_a_bad_free_form_job_is_400_and_writes_nothing(api, body, field):
    before = (count(JobPosting), count(Application))
    resp = api.post(f"{C}/applications", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "VALIDATION_ERROR" and field in resp.json()["errors"]
    assert (count(JobPosting), count(Application)) == before


def test_a_manual_job_is_personal(api, other_api):
    job_id = api.post(f"{C}/applications", json={"job": JOB}).json()["data"]["job_id"]
    assert other_api.get(f"{C}/jobs/{job_id}").status_code == 404
    assert other_api.post(f"{C}/applications", json={"job_id": job_id}).status_code == 404
    assert other_api.post(f"{C}/jobs/{job_id}/analyze", json={}).status_code == 404
