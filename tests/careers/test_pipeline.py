"""Careers end to end through the real worker: search real-protocol boards, import a resume,
analyze a job (streamed over the WebSocket as seed 000 describes), tailor, export, download."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from app.db import session_scope
from app.models import Task
from app.models.careers import Resume, SavedSearch
from tests.careers.board_server import BoardServer, serve_fixtures
from tests.factories import Feed, count, is_end_of

C = "/api/v1/careers"
RESUMES = Path(__file__).parent / "fixtures" / "resumes"
SOURCES = [
    {"platform": "greenhouse", "board": "northwind"},
    {"platform": "lever", "board": "quillfeather"},
    {"platform": "remotive"},
    {"platform": "ashby", "board": "no-such-board"},
]


@pytest.fixture
def boards(monkeypatch):
    server = serve_fixtures(BoardServer().start(), monkeypatch)
    yield server
    server.stop()


def run(client, path: str, body=None, **kwargs) -> dict:
    """POST an async careers call, hold for its end, return the finished task."""
    headers = {"Prefer": "wait=30", **kwargs.pop("headers", {})}
    resp = client.post(path, json=body, headers=headers, **kwargs)
    assert resp.status_code in (200, 202), resp.text
    return client.wait(resp.json()["data"]["id"])


def import_resume(client, name: str = "jake_style.tex") -> str:
    fmt = "latex" if name.endswith(".tex") else "markdown"
    task = run(
        client, f"{C}/resumes/import", {"format": fmt, "content": (RESUMES / name).read_text()}
    )
    assert task["state"] == "succeeded", task
    return task["result"]["resume_id"]


def search(client) -> dict:
    task = run(client, f"{C}/jobs/search", {"query": "", "sources": SOURCES})
    assert task["state"] == "succeeded", task
    return task["result"]


# --- search ---------------------------------------------------------------------------------------


def test_a_search_saves_postings_and_reports_every_platform(api, boards):
    result = search(api)
    statuses = {(p["platform"], p["status"]) for p in result["platforms"]}
    assert statuses == {
        ("greenhouse", "ok"),
        ("lever", "ok"),
        ("remotive", "ok"),
        ("ashby", "error"),
    }
    failed = next(p for p in result["platforms"] if p["platform"] == "ashby")
    assert failed["code"] == "SCRAPING_ERROR"
    assert result["new"] == len(result["postings"]) > 0
    jobs = api.get(f"{C}/jobs", params={"page_size": 100}).json()
    assert {j["id"] for j in jobs["data"]} == set(result["postings"])
    job = jobs["data"][0]
    assert job["source"] in ("greenhouse", "lever", "remotive") and job["apply_url"]
    assert "<" not in job["description"]


def test_a_search_naming_no_board_uses_the_saved_ones_else_the_open_boards(api, boards):
    # No conditional requirement: a search naming no board, with none saved, still runs.
    task = run(api, f"{C}/jobs/search", {"query": ""})
    assert task["state"] == "succeeded", task
    searched = {p["platform"] for p in task["result"]["platforms"]}
    assert searched == {"arbeitnow", "himalayas", "remotive"}
    api.request(
        "PUT", f"{C}/profile", json={"sources": [{"platform": "lever", "board": "quillfeather"}]}
    )
    task = run(api, f"{C}/jobs/search", {"query": ""})
    assert [p["platform"] for p in task["result"]["platforms"]] == ["lever"]


@pytest.mark.both_databases
def test_searching_again_updates_postings_instead_of_duplicating_them(api, boards):
    first = search(api)
    again = search(api)
    assert again["new"] == 0 and sorted(again["postings"]) == sorted(first["postings"])
    assert api.get(f"{C}/jobs").json()["meta"]["total"] == len(first["postings"])


def test_searches_are_personal(api, other_api, boards):
    search(api)
    assert other_api.get(f"{C}/jobs").json()["meta"]["total"] == 0


def test_a_saved_search_is_rerun_by_the_beat_job_and_lists_new_postings(api, boards):
    body = {"query": "", "sources": SOURCES[:1], "save": True, "name": "Northwind"}
    task = run(api, f"{C}/jobs/search", body)
    saved = api.get(f"{C}/searches").json()["data"]
    assert [s["name"] for s in saved] == ["Northwind"] and saved[0]["last_run_at"]
    assert task["result"]["saved_search_id"] == saved[0]["id"]

    from workers.careers.tasks import rerun_saved_searches

    assert rerun_saved_searches.apply().get()["enqueued"] == 0  # ran moments ago
    with session_scope() as s:
        s.execute(
            update(SavedSearch)
            .where(SavedSearch.id == saved[0]["id"])
            .values(last_run_at=datetime.now(UTC) - timedelta(days=1))
        )
    assert rerun_saved_searches.apply().get()["enqueued"] == 1
    rerun = api.get("/api/v1/tasks", params={"kind": "careers.search"}).json()["data"][0]
    done = api.wait(rerun["id"])
    assert done["state"] == "succeeded" and done["result"]["new_postings"] == []
    assert api.delete(f"{C}/searches/{saved[0]['id']}").status_code == 200


# --- resumes --------------------------------------------------------------------------------------


def test_a_latex_resume_is_imported_into_sections_keeping_its_source(api):
    resume_id = import_resume(api)
    resume = api.get(f"{C}/resumes/{resume_id}").json()["data"]
    assert resume["format"] == "latex" and resume["is_primary"] is True
    assert resume["source"] == (RESUMES / "jake_style.tex").read_text()
    kinds = [s["kind"] for s in resume["sections"]]
    assert "experience" in kinds and "education" in kinds
    experience = next(s for s in resume["sections"] if s["kind"] == "experience")
    assert experience["entries"][0]["title"] and experience["entries"][0]["bullets"]


def test_a_markdown_resume_can_be_uploaded_as_a_file(api):
    name = next(p.name for p in RESUMES.glob("*.md"))
    resp = api.post(
        f"{C}/resumes/import",
        headers={"Prefer": "wait=30"},
        files={"file": (name, (RESUMES / name).read_bytes(), "text/markdown")},
    )
    task = api.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded", task
    assert api.get(f"{C}/resumes").json()["meta"]["total"] == 1


def test_the_document_says_an_upload_needs_its_file(api):
    doc = api.get("/api/openapi.json").json()
    body = doc["paths"][f"{C}/resumes/import"]["post"]["requestBody"]["content"]
    form = body["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["format"]["enum"]


@pytest.mark.parametrize(
    ("kwargs", "status", "where"),
    [
        ({"json": {"format": "latex", "content": "   "}}, 400, "content"),
        ({"json": {"format": "docx", "content": "hello"}}, 400, "format"),
        ({"json": {"content": "hello"}}, 400, "format"),
        ({"files": {"file": ("cv.docx", b"PK\x03\x04", "application/zip")}}, 400, "format"),
        ({"files": {"file": ("cv.tex", b"\xff\xfe\x00bad", "text/plain")}}, 400, "file"),
        ({"json": {"format": "markdown", "content": "x" * 200_001}}, 413, None),
        ({"files": {"format": (None, "latex")}}, 400, "file"),
        (
            {"files": {"file": ("cv.md", b"# Ada", "text/markdown"), "colour": (None, "x")}},
            400,
            "colour",
        ),
    ],
)
def test_bad_resume_uploads_are_refused_before_anything_is_queued(api, kwargs, status, where):
    before = count(Task)
    resp = api.post(f"{C}/resumes/import", **kwargs)
    assert resp.status_code == status, resp.text
    if where:
        assert where in resp.json()["errors"]
    assert count(Task) == before


def test_text_that_is_no_resume_fails_the_import_task_with_a_validation_error(api):
    task = run(api, f"{C}/resumes/import", {"format": "latex", "content": "hello \\relax"})
    assert task["state"] == "failed" and task["error"]["code"] == "VALIDATION_ERROR"
    with session_scope() as s:
        assert s.query(Resume).filter_by(owner_id=api.user["id"]).count() == 0


def test_another_users_resume_is_not_found_anywhere(api, other_api, boards):
    resume_id = import_resume(api)
    job_id = search(other_api)["postings"][0]
    assert other_api.get(f"{C}/resumes/{resume_id}").status_code == 404
    resp = other_api.post(f"{C}/resumes/{resume_id}/tailor", json={"job_id": job_id})
    assert resp.status_code == 404 and resp.json()["code"] == "RESUME_NOT_FOUND"
    resp = other_api.post(f"{C}/resumes/{resume_id}/export", json={"format": "pdf"})
    assert resp.status_code == 404


# --- analysis, tailoring, export -----------------------------------------------------------------


def test_analyze_over_the_websocket_streams_the_seed_stages_then_the_score(api, boards):
    import_resume(api)
    api.request(
        "PUT", f"{C}/profile", json={"skills": ["Python", "PostgreSQL"], "years_experience": 5}
    )
    job_id = search(api)["postings"][0]
    feed = Feed(api.platform, api.token)
    feed.recv()
    feed.send({"type": "analyze", "job_id": job_id})
    ack = feed.recv()
    assert ack["of"] == "submit" and ack["task"]["kind"] == "careers.analyze"
    messages = feed.until(is_end_of(ack["task_id"]))
    stages = [(m["stage"], m["percent"]) for m in messages if m["type"] == "progress"]
    assert stages == [("extracting_requirements", 30), ("scoring_match", 70)]
    complete = messages[-1]
    assert complete["type"] == "complete"
    assert 0 <= complete["data"]["score"] <= 1
    assert complete["data"]["analysis"]["strategy"] == "naive"
    stored = api.get(f"{C}/jobs/{job_id}/analysis").json()["data"]
    assert (
        stored["score"] == complete["data"]["score"] and "required_skills" in stored["requirements"]
    )
    analyzed = api.get(f"{C}/jobs", params={"analyzed": "true"}).json()["data"]
    assert [j["id"] for j in analyzed] == [job_id]


def test_tailoring_keeps_versions_with_a_diff_and_one_can_be_approved(api, boards):
    resume_id = import_resume(api)
    job_id = search(api)["postings"][0]
    for version in (1, 2):
        task = run(api, f"{C}/resumes/{resume_id}/tailor", {"job_id": job_id})
        assert task["state"] == "succeeded", task
        assert task["result"]["version"] == version
    latest = api.get(f"{C}/resumes/{resume_id}/tailored/{job_id}").json()["data"]
    assert latest["version"] == 2 and latest["approved"] is False
    assert "unified" in latest["diff"] and latest["resume"]["sections"]
    first = api.get(f"{C}/resumes/{resume_id}/tailored/{job_id}", params={"version": 1})
    assert first.json()["data"]["version"] == 1
    approved = api.post(f"{C}/resumes/{resume_id}/tailored/{job_id}/approve")
    assert approved.json()["data"]["approved"] is True
    listed = api.get(f"{C}/resumes/{resume_id}/tailored").json()["data"]
    assert [(t["version"], t["approved"]) for t in listed] == [(2, True), (1, False)]
    missing = api.get(f"{C}/resumes/{resume_id}/tailored/{job_id}", params={"version": 9})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("pdf", "application/pdf"), ("latex", "application/x-tex"), ("markdown", "text/markdown")],
)
def test_an_export_is_rendered_by_a_worker_and_downloaded_by_its_owner_only(
    api, other_api, fmt, content_type
):
    resume_id = import_resume(api)
    name = api.get(f"{C}/resumes/{resume_id}").json()["data"]["contact"]["name"]
    task = run(api, f"{C}/resumes/{resume_id}/export", {"format": fmt})
    assert task["state"] == "succeeded", task
    url = task["result"]["url"]
    download = api.get(url)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith(content_type)
    assert "attachment" in download.headers["Content-Disposition"]
    text = (
        PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
        if fmt == "pdf"
        else download.text
    )
    assert name.split()[0] in text
    assert other_api.get(url).status_code == 404


def test_exporting_a_tailored_version_that_does_not_exist_is_404(api, boards):
    resume_id = import_resume(api)
    job_id = search(api)["postings"][0]
    resp = api.post(f"{C}/resumes/{resume_id}/export", json={"format": "pdf", "job_id": job_id})
    assert resp.status_code == 404 and resp.json()["code"] == "TAILORED_RESUME_NOT_FOUND"


# --- with an LLM configured ---------------------------------------------------------------


@pytest.fixture
def with_llm(llm_server):
    """Point every process's settings at the local OpenAI-compatible server."""
    import dataclasses

    from app.config import configure, get_settings

    settings = get_settings()
    configure(dataclasses.replace(settings, llm_base_url=llm_server.url, llm_api_key="test-key"))
    yield llm_server
    configure(settings)


def test_an_llm_analysis_streams_its_tokens_over_the_feed(api, boards, with_llm):
    import json

    answer = json.dumps(
        {
            "required_skills": ["Python"],
            "nice_to_have_skills": ["Docker"],
            "years_experience": 3,
            "education": None,
            "seniority": "senior",
            "location": None,
            "remote": True,
            "keywords": ["backend"],
        }
    )
    chunks = [answer[i : i + 9] for i in range(0, len(answer), 9)]
    with_llm.reply(chunks=chunks)
    job_id = search(api)["postings"][0]
    feed = Feed(api.platform, api.token)
    feed.recv()
    feed.send({"type": "submit", "kind": "careers.analyze", "params": {"job_id": job_id}})
    ack = feed.recv()
    messages = feed.until(is_end_of(ack["task_id"]))
    assert "".join(m["delta"] for m in messages if m["type"] == "token") == answer
    complete = messages[-1]
    assert complete["type"] == "complete", complete
    assert complete["data"]["analysis"]["strategy"] == "openai"
    assert complete["data"]["analysis"]["requirements"]["required_skills"] == ["Python"]


def test_an_overloaded_llm_is_retried_with_backoff_then_succeeds(api, boards, with_llm):
    with_llm.reply("model overloaded", status=503)
    with_llm.reply('{"required_skills": ["Python"], "nice_to_have_skills": []}')
    job_id = search(api)["postings"][0]
    resp = api.post(f"{C}/jobs/{job_id}/analyze", json={})
    task = api.wait(resp.json()["data"]["id"], timeout=60)
    assert task["state"] == "succeeded", task
    assert task["retries"] == 1 and task["attempts"] == 2


def test_an_llm_answer_that_is_not_json_fails_the_task_with_llm_error(api, boards, with_llm):
    with_llm.reply("Sure! Here are the requirements: Python, Go.")
    job_id = search(api)["postings"][0]
    resp = api.post(f"{C}/jobs/{job_id}/analyze", json={})
    task = api.wait(resp.json()["data"]["id"], timeout=30)
    assert task["state"] == "failed" and task["error"]["code"] == "LLM_ERROR"
    assert task["retries"] == 0
