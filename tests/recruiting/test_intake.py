"""Intake through the real worker: a job from a prompt or an uploaded req, a candidate from a
resume (PDF, DOCX, Markdown, LaTeX, text), and every way an upload can be bad."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from app.models.recruiting import Candidate, Job
from tests.factories import count
from tests.recruiting.agent_helpers import R, docx_bytes, pdf_bytes, run

JOB_REQ = """Job Title: Senior Backend Engineer
Department: Engineering
Location: New York, NY
Employment type: Full-time
Hybrid, three days a week in the office.
Salary: 150,000 - 190,000 USD

Requirements:
- Five years of Python
- FastAPI and PostgreSQL

Nice to have:
- Kubernetes
"""

RESUME = """Maria Gonzalez
Senior Backend Engineer
Austin, TX | maria.gonzalez@example.org | +1 512 555 0199
linkedin.com/in/mariagonzalez | github.com/mgonzalez

Experience
Staff Engineer, Northwind Labs — Jan 2019 – Present
- Python services on PostgreSQL and Kafka.
Software Engineer at Quillfeather
Jun 2014 – Dec 2018
- Go and AWS.

Education
B.S. Computer Science, State University, 2010 – 2014
"""


def _latex(text: str) -> str:
    """The req as a LaTeX document: the title a section, lists as itemize, lines broken."""
    title, *rest = text.splitlines()
    body, in_list = [], False
    for line in rest:
        if line.startswith("- ") != in_list:
            body.append("\\begin{itemize}" if not in_list else "\\end{itemize}")
            in_list = not in_list
        body.append(f"\\item {line[2:]}" if in_list else f"{line}\\\\")
    if in_list:
        body.append("\\end{itemize}")
    return "\n".join(
        [
            "\\documentclass{article}",
            "\\begin{document}",
            f"\\section*{{{title}}}",
            *body,
            "\\end{document}",
        ]
    )


def upload(client, path, field, name, data, notes=None):
    form = {"notes": notes} if notes is not None else {}
    return run(client, f"{R}/agent/{path}", files={field: (name, data)}, data=form)


def job_req(client, name, data, notes=None):
    return upload(client, "jobs/from_req", "job_req", name, data, notes)


def resume(client, name, data, notes=None):
    return upload(client, "candidates/from_resume", "resume", name, data, notes)


def test_a_job_from_a_prompt(api):
    prompt = (
        "We need a Senior Backend Engineer in NYC with Python, FastAPI and PostgreSQL, "
        "$160k-$200k, remote"
    )
    task = run(api, f"{R}/agent/jobs/from_prompt", json={"prompt": prompt})
    assert task["state"] == "succeeded", task
    result = task["result"]
    job = result["job"]
    assert result["raw_prompt"] == prompt
    assert job["title"] == "Senior Backend Engineer" and job["location"] == "New York, NY"
    assert job["required_skills"] == ["Python", "FastAPI", "PostgreSQL"]
    assert (job["salary_min"], job["salary_max"], job["currency"]) == (160000, 200000, "USD")
    assert job["remote_option"] == "Remote" and job["status"] == "open"
    assert api.get(f"{R}/jobs/{job['id']}").json()["data"]["title"] == "Senior Backend Engineer"


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("job_description.txt", lambda t: t.encode()),
        ("job.md", lambda t: ("# Senior Backend Engineer\n\n" + t).encode()),
        ("job.pdf", pdf_bytes),
        ("job.docx", docx_bytes),
        ("job.tex", lambda t: _latex(t).encode()),
    ],
)
def test_a_job_from_an_uploaded_req_in_every_format(api, name, make):
    task = job_req(api, name, make(JOB_REQ), notes="This is for our New York office.")
    assert task["state"] == "succeeded", task
    job, summary = task["result"]["job"], task["result"]["summary"]
    assert task["result"]["filename"] == name
    assert job["title"] == "Senior Backend Engineer" and job["department"] == "Engineering"
    assert (job["location"], job["employment_type"], job["remote_option"]) == (
        "New York, NY",
        "Full-time",
        "Hybrid",
    )
    assert (job["salary_min"], job["salary_max"], job["currency"]) == (150000, 190000, "USD")
    assert job["required_skills"] == ["Python", "FastAPI", "PostgreSQL"]
    assert job["nice_to_have_skills"] == ["Kubernetes"]
    assert "Recruiter notes: This is for our New York office." in job["description"]
    assert summary.startswith(
        f"I've created a new job from the uploaded file '{name}':\n\n"
        f"- Job #{job['id']}: Senior Backend Engineer\n- Location: New York, NY\n"
        "- Employment type: Full-time\n- Remote option: Hybrid\n"
        "- Salary range: 150000–190000 USD\n- Required skills: Python, FastAPI, PostgreSQL"
    )
    assert f"'match candidates for job {job['id']}'" in summary


@pytest.mark.parametrize(
    ("name", "make"),
    [("maria.pdf", pdf_bytes), ("maria.docx", docx_bytes), ("maria.txt", str.encode)],
)
def test_a_candidate_from_a_resume(api, name, make):
    task = resume(api, name, make(RESUME), notes="Strong Python background.")
    assert task["state"] == "succeeded", task
    c = task["result"]["candidate"]
    assert c["full_name"] == "Maria Gonzalez" and c["email"] == "maria.gonzalez@example.org"
    assert c["phone"] == "+1 512 555 0199" and c["headline"] == "Senior Backend Engineer"
    assert (c["current_title"], c["current_company"]) == ("Staff Engineer", "Northwind Labs")
    assert c["location"] == "Austin, TX"
    assert c["linkedin_url"] == "https://linkedin.com/in/mariagonzalez"
    assert c["github_url"] == "https://github.com/mgonzalez"
    assert c["experience_years"] >= 11  # Jun 2014 to now, education not counted
    assert {"Python", "PostgreSQL", "Go", "AWS"} <= set(c["skills"])
    assert c["notes"].endswith("Additional recruiter notes: Strong Python background.")
    assert task["result"]["summary"].startswith(
        f"Created candidate #{c['id']}: Maria Gonzalez. Current title: Staff Engineer. "
        "Current company: Northwind Labs. Location: Austin, TX. Headline: Senior Backend Engineer."
    )
    assert task["result"]["possible_duplicates"] == []


def test_a_markdown_and_a_latex_resume_use_the_careers_importer(api):
    markdown = (
        "# Lena Park\n\nlena@example.com | Berlin, Germany\n\n## Experience\n\n"
        "### Data Engineer, Riverstone\n*Mar 2020 – Present*\n\n- Spark and Python pipelines\n"
    )
    task = resume(api, "lena.md", markdown.encode())
    assert task["state"] == "succeeded", task
    c = task["result"]["candidate"]
    assert c["full_name"] == "Lena Park" and c["email"] == "lena@example.com"
    latex = (
        "\\documentclass{article}\\begin{document}\n\\begin{center}{\\Huge Omar Haddad}\\\\\n"
        "\\href{mailto:omar@example.net}{omar@example.net}\\end{center}\n"
        "\\section{Experience}\n\\textbf{Platform Engineer} \\hfill 2018 -- Present\\\\\n"
        "Acme Cloud\n\\begin{itemize}\\item Go, Kubernetes\\end{itemize}\n\\end{document}\n"
    )
    task = resume(api, "omar.tex", latex.encode())
    assert task["state"] == "succeeded", task
    c = task["result"]["candidate"]
    assert c["email"] == "omar@example.net" and "Kubernetes" in c["skills"]


def test_a_second_resume_of_the_same_person_reports_the_duplicate(api):
    first = resume(api, "maria.txt", RESUME.encode())["result"]["candidate"]
    again = resume(api, "maria-2024.pdf", pdf_bytes(RESUME))
    assert again["result"]["possible_duplicates"] == [first["id"]]
    assert (
        f"Possible duplicates of existing candidates: #{first['id']}" in again["result"]["summary"]
    )
    assert count(Candidate) >= 2  # reported, never merged


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("locked.pdf", pdf_bytes(RESUME, user_password="s3cret"), "FILE_ENCRYPTED"),
        ("bomb.docx", _zip_bomb(), "FILE_TOO_LARGE"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "UNREADABLE_FILE"),
        ("broken.docx", b"PK\x03\x04" + os.urandom(2000), "UNREADABLE_FILE"),
        ("notes.txt", bytes(range(256)) * 40, "UNREADABLE_FILE"),
        ("scan.pdf", pdf_bytes(""), "NO_TEXT"),
    ],
)
def test_bad_files_fail_the_task_with_a_clear_code_and_the_worker_survives(api, name, data, code):
    before = count(Candidate)
    task = resume(api, name, data)
    assert task["state"] == "failed", task
    assert task["error"]["code"] == code, task["error"]
    assert count(Candidate) == before
    # The same worker still reads the next file.
    assert resume(api, "ok.txt", RESUME.encode())["state"] == "succeeded"


def test_foreign_formats_are_refused_by_their_content_whatever_the_name(api):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(100)
    resp = api.post(f"{R}/agent/candidates/from_resume", files={"resume": ("cv.pdf", png)})
    assert resp.status_code == 415 and resp.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    resp = api.post(f"{R}/agent/jobs/from_req", files={"job_req": ("req.txt", b"MZ\x90\x00" * 50)})
    assert resp.status_code == 415


def test_a_file_over_the_cap_is_413_and_nothing_is_queued(api, platform):
    limit = platform.settings.recruiting_upload_max_bytes
    before = api.get("/api/v1/tasks").json()["meta"]["total"]
    resp = api.post(f"{R}/agent/jobs/from_req", files={"job_req": ("big.txt", b"a" * (limit + 1))})
    assert resp.status_code == 413 and resp.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert api.get("/api/v1/tasks").json()["meta"]["total"] == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"files": {"job_req": ("empty.txt", b"")}}, "job_req"),
        ({"data": {"notes": "no file"}}, "job_req"),
        ({"files": {"job_req": ("a.txt", b"x")}, "data": {"notes": "n" * 5001}}, "notes"),
        ({"files": {"job_req": ("a.txt", b"x")}, "data": {"owner": "someone"}}, "owner"),
    ],
)
def test_bad_uploads_are_field_errors_and_nothing_is_written(api, kwargs, field):
    before = count(Job)
    resp = api.post(f"{R}/agent/jobs/from_req", **kwargs)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]
    assert count(Job) == before


@pytest.mark.parametrize("prompt", ["", "   ", "x" * 20_001])
def test_a_bad_prompt_is_a_field_error(api, prompt):
    resp = api.post(f"{R}/agent/jobs/from_prompt", json={"prompt": prompt})
    assert resp.status_code == 400 and "prompt" in resp.json()["errors"]


def test_another_orgs_upload_cannot_be_used(api, other_api):
    resp = api.post(f"{R}/agent/jobs/from_req", files={"job_req": ("r.txt", JOB_REQ.encode())})
    upload_id = resp.json()["data"]["params"]["upload_id"]
    api.wait(resp.json()["data"]["id"])
    # Consumed once read; and another org never sees it, even by id.
    params = {"upload_id": upload_id, "filename": "r.txt", "format": "text"}
    resp = other_api.post(
        "/api/v1/tasks", json={"kind": "recruiting.job_from_req", "params": params}
    )
    assert resp.status_code == 404 and resp.json()["code"] == "UPLOAD_NOT_FOUND"


def test_reads_and_their_failures_are_counted_in_metrics(api):
    resume(api, "locked.pdf", pdf_bytes(RESUME, user_password="pw"))
    resume(api, "ok.txt", RESUME.encode())
    text = api.get("/metrics").text
    assert 'kairos_recruiting_uploads_read_total{format="pdf",outcome="FILE_ENCRYPTED"}' in text
    assert 'kairos_recruiting_uploads_read_total{format="text",outcome="ok"}' in text


@pytest.mark.both_databases
def test_a_replayed_upload_with_its_idempotency_key_is_the_same_task(api):
    def send():
        return api.post(
            f"{R}/agent/jobs/from_req",
            headers={"Idempotency-Key": "req-upload-1"},
            files={"job_req": ("req.txt", JOB_REQ.encode())},
            data={"notes": "NY office"},
        )

    first = send()
    assert first.status_code == 202, first.text
    again = send()
    assert again.status_code in (200, 202), again.text
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    api.wait(first.json()["data"]["id"])
    assert count(Job) >= 1
