"""The recruiter agent offline: every seed command through the parser, a conversation that
remembers, the reply streamed as tokens, refusals, and another org's records unseen."""

from __future__ import annotations

import pytest

from app.models.recruiting import Candidate, Job
from tests.factories import Feed, count
from tests.recruiting.agent_helpers import R, chat, make, reply


@pytest.fixture
def ats(api):
    """Two jobs, three candidates, one application (Jane for the backend job)."""
    backend = make(
        api,
        "jobs",
        title="Senior Backend Engineer",
        location="New York, NY",
        required_skills=["Python", "PostgreSQL"],
    )
    design = make(
        api, "jobs", title="Product Designer", required_skills=["Figma"], status="on_hold"
    )
    jane = make(
        api,
        "candidates",
        full_name="Jane Doe",
        current_title="Staff Engineer",
        current_company="TechCorp",
        skills=["Python", "PostgreSQL", "Kafka"],
    )
    bob = make(api, "candidates", full_name="Bob Stone", current_title="Designer", skills=["Figma"])
    ann = make(api, "candidates", full_name="Ann Lee", current_title="Data Analyst", skills=["SQL"])
    app = make(api, "applications", job_id=backend["id"], candidate_id=jane["id"])
    return {"backend": backend, "design": design, "jane": jane, "bob": bob, "ann": ann, "app": app}


def test_list_jobs_and_open_jobs_in_the_seeds_shape(api, ats):
    text, _ = reply(api, "list jobs")
    backend, design = ats["backend"], ats["design"]
    assert text.startswith("Here are your jobs:")
    assert f"- Job #{backend['id']}: Senior Backend Engineer (New York, NY), status=open" in text
    assert f"- Job #{design['id']}: Product Designer" in text
    assert "You can now say things like:" in text
    text, _ = reply(api, "show open jobs")
    assert f"Job #{backend['id']}" in text and f"Job #{design['id']}" not in text


def test_matching_answers_like_the_seed_and_follow_ups_repeat_it(api, ats):
    backend, design, jane = ats["backend"], ats["design"], ats["jane"]
    text, conversation = reply(api, f"match candidates for job {backend['id']}")
    assert text.startswith(f"Here are the top candidate matches for job #{backend['id']}:")
    first = text.split("\n")[2]
    assert first.startswith(
        f"- Candidate #{jane['id']}: Jane Doe (Staff Engineer @ TechCorp), score="
    )
    assert "strategy=" in first and "Why: " in first
    text, same = reply(api, f"and for job {design['id']}?", conversation)
    assert same == conversation
    assert text.startswith(f"Here are the top candidate matches for job #{design['id']}:")
    text, _ = reply(api, f"match jobs for candidate {jane['id']}", conversation)
    assert text.startswith(f"Here are the top job matches for candidate #{jane['id']}:")
    assert f"- Job #{backend['id']}: Senior Backend Engineer" in text.split("\n")[2]


def test_a_conversation_resolves_the_first_one_and_him(api, ats):
    backend, jane = ats["backend"], ats["jane"]
    text, conversation = reply(api, f"pipeline for job {backend['id']}")
    assert text.startswith(f"Applications for job #{backend['id']} (Senior Backend Engineer):")
    assert f"Candidate #{jane['id']} Jane Doe" in text and "status=sourced" in text
    text, _ = reply(api, "summarize the first one", conversation)
    assert text.startswith(f"Candidate #{jane['id']}: Jane Doe")
    assert "- Current company: TechCorp" in text
    text, _ = reply(api, "move him to screening", conversation)
    assert text == (
        f"Moved candidate #{jane['id']} (Jane Doe) from sourced to screening "
        f"for job #{backend['id']} (Senior Backend Engineer)."
    )
    application = api.get(f"{R}/applications/{ats['app']['id']}").json()["data"]
    assert application["status"] == "screening"
    stored = api.get(f"{R}/agent/conversations/{conversation}").json()["data"]
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 3
    assert stored["messages"][4]["content"] == "move him to screening"


def test_list_and_summarize_candidates(api, ats):
    text, conversation = reply(api, "list candidates")
    assert text.startswith("Here are your candidates:")
    for who in ("jane", "bob", "ann"):
        assert f"- Candidate #{ats[who]['id']}: {ats[who]['full_name']}" in text
    text, _ = reply(api, f"summarize candidate {ats['bob']['id']}", conversation)
    assert text.startswith(f"Candidate #{ats['bob']['id']}: Bob Stone") and "Figma" in text


def test_create_a_job_from_chat(api):
    text, _ = reply(
        api,
        "create a new job for a senior backend engineer in NYC with Python and FastAPI, "
        "hybrid, full-time, $160k-$200k; Kubernetes is a plus",
    )
    jobs = api.get(f"{R}/jobs").json()["data"]
    assert len(jobs) == 1
    job = jobs[0]
    assert text.startswith(f"I've created a new job from your prompt:\n\n- Job #{job['id']}: ")
    assert job["title"] == "Senior Backend Engineer" and job["location"] == "New York, NY"
    assert (job["salary_min"], job["salary_max"], job["currency"]) == (160000, 200000, "USD")
    assert job["required_skills"] == ["Python", "FastAPI"]
    assert job["nice_to_have_skills"] == ["Kubernetes"]
    assert (job["remote_option"], job["employment_type"]) == ("Hybrid", "Full-time")


def test_the_reply_streams_as_token_events(platform, api, ats):
    task = chat(api, "list jobs")
    feed = Feed(platform, api.token)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    events = feed.until(lambda m: m.get("type") == "complete")
    tokens = [e["delta"] for e in events if e.get("type") == "token"]
    assert len(tokens) > 5 and "".join(tokens) == task["result"]["reply"]


def test_another_orgs_records_do_not_exist_for_the_agent(api, other_api, ats):
    jane, backend = ats["jane"], ats["backend"]
    text, _ = reply(other_api, f"summarize candidate {jane['id']}")
    assert text == f"I couldn't find candidate #{jane['id']} in your organization."
    text, _ = reply(other_api, f"match candidates for job {backend['id']}")
    assert text == f"I couldn't find job #{backend['id']} in your organization."
    text, _ = reply(other_api, "list candidates")
    assert "Jane" not in text


@pytest.mark.parametrize(
    "message",
    ["delete all candidates", "please remove job 1", "show me the jobs of the other org"],
)
def test_destructive_or_foreign_requests_are_refused_not_executed(api, ats, message):
    before = (count(Job), count(Candidate))
    text, _ = reply(api, message)
    assert text.startswith("I can")  # "I can't delete…" / "I can only see…"
    assert "can't" in text or "only" in text
    assert (count(Job), count(Candidate)) == before


def test_unknown_messages_get_help_not_an_error(api):
    text, _ = reply(api, "what is the weather like")
    assert text.startswith("I didn't understand that.") and "match candidates for job" in text


def test_a_conversation_is_its_users_only(api, other_api, ats):
    _, conversation = reply(api, "list jobs")
    resp = other_api.post(
        f"{R}/agent/chat", json={"message": "list jobs", "conversation_id": conversation}
    )
    assert resp.status_code == 404 and resp.json()["code"] == "CONVERSATION_NOT_FOUND"
    assert other_api.get(f"{R}/agent/conversations/{conversation}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "list jobs", "mode": "admin"}, "mode"),
        ({"message": "list jobs", "sudo": True}, "sudo"),
        ({}, "message"),
    ],
)
def test_bad_chat_input_is_a_field_error_and_nothing_is_queued(api, body, field):
    before = len(api.get("/api/v1/tasks").json()["data"])
    resp = api.post(f"{R}/agent/chat", json=body)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]
    assert len(api.get("/api/v1/tasks").json()["data"]) == before


def test_candidates_can_be_named_and_an_ambiguous_name_is_asked_about(api, ats):
    jane, bob = ats["jane"], ats["bob"]
    text, conversation = reply(api, "Summarize Bob Stone")
    assert text.startswith(f"Candidate #{bob['id']}: Bob Stone")
    other = make(api, "candidates", full_name="Jane Smith")
    text, conversation = reply(api, "Summarize Jane", conversation)
    assert text.startswith("Several candidates match Jane; which one?")
    assert f"Candidate #{jane['id']}: Jane Doe" in text and f"Candidate #{other['id']}" in text
    text, _ = reply(api, "the second one", conversation)
    assert text.startswith(f"Candidate #{other['id']}: Jane Smith")
    text, _ = reply(api, "Summarize Nobody Here")
    assert text == "I couldn't find a candidate named Nobody Here in your organization."


def test_a_command_missing_its_record_asks_for_it(api):
    text, _ = reply(api, "match candidates")
    assert text == "Which job? For example: 'match candidates for job 5'."
    text, _ = reply(api, "move candidate 3")
    assert text == "Which pipeline stage? For example: 'move candidate 3 to screening'."
