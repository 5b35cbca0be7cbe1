"""Tailoring: relevance order, nothing invented (trace_check), recorded changes, the diff."""

from __future__ import annotations

import copy
import re

import pytest

from workers.careers.tailor import MAX_BULLETS, diff, tailor, trace_check
from workers.llm import LLMClient, LLMError

RESUME = {
    "title": "Jane Doe — Resume",
    "format": "markdown",
    "contact": {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": None,
        "location": "Berlin",
        "links": [],
    },
    "summary": "Engineer who enjoys hiking. I build reliable backend systems in Go.",
    "sections": [
        {
            "kind": "education",
            "title": "Education",
            "entries": [
                {
                    "title": "BSc Computer Science",
                    "organization": "TU Berlin",
                    "location": "Berlin",
                    "start": "2010",
                    "end": "2014",
                    "bullets": [],
                }
            ],
            "items": [],
        },
        {
            "kind": "skills",
            "title": "Skills",
            "entries": [],
            "items": [
                "Languages: Java, JavaScript",
                "Frontend: React, CSS",
                "Backend: Go, Python, PostgreSQL",
                "Infrastructure: Docker, Kubernetes",
            ],
        },
        {
            "kind": "experience",
            "title": "Experience",
            "entries": [
                {
                    "title": "Senior Software Engineer",
                    "organization": "Acme",
                    "location": "Berlin",
                    "start": "2019",
                    "end": "Present",
                    "bullets": [
                        "Organized the team offsite",
                        "Wrote React dashboards for the sales team",
                        "Migrated billing to Go services on Kubernetes",
                        "Ran the book club",
                        "Tuned PostgreSQL queries, cutting p99 latency by 40%",
                        "Ran hiring loops",
                        "Cooked lunch on Fridays",
                        "Built the Kafka event bus for payments",
                    ],
                },
                {
                    "title": "Software Engineer",
                    "organization": "Beta",
                    "location": "Hamburg",
                    "start": "2014",
                    "end": "2019",
                    "bullets": ["Built Java services", "Maintained Python ETL jobs"],
                },
            ],
            "items": [],
        },
    ],
    "source": "# Jane Doe\n...",
}
REQUIREMENTS = {
    "required_skills": ["Go", "Kubernetes", "PostgreSQL", "Terraform"],
    "nice_to_have_skills": ["Apache Kafka"],
    "keywords": ["Go", "backend", "payments"],
}


def at(resume: dict, path: str):
    """The value at a change path such as sections[2].entries[0].bullets[3]."""
    value = resume
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path):
        value = value[name]
        if index:
            value = value[int(index)]
    return value


@pytest.fixture(scope="module")
def result():
    return tailor(RESUME, REQUIREMENTS)


def section(resume: dict, kind: str) -> dict:
    return next(s for s in resume["sections"] if s["kind"] == kind)


def test_tailoring_invents_nothing(result):
    assert result["strategy"] == "naive"
    assert trace_check(RESUME, result["resume"]) == []


def test_the_original_resume_is_left_untouched():
    before = copy.deepcopy(RESUME)
    tailor(RESUME, REQUIREMENTS)
    assert before == RESUME


def test_skills_items_are_ordered_by_relevance(result):
    items = section(result["resume"], "skills")["items"]
    assert items[:2] == ["Backend: Go, Python, PostgreSQL", "Infrastructure: Docker, Kubernetes"]
    assert sorted(items) == sorted(section(RESUME, "skills")["items"])


def test_bullets_are_ordered_by_relevance_and_only_irrelevant_extras_dropped(result):
    bullets = section(result["resume"], "experience")["entries"][0]["bullets"]
    # The three that name the job's skills first (Go and Kubernetes outweigh the rest; Kafka
    # is only nice to have, but the bullet also says "payments"), then the first irrelevant
    # ones, in their own order, up to the maximum.
    assert bullets == [
        "Migrated billing to Go services on Kubernetes",
        "Built the Kafka event bus for payments",
        "Tuned PostgreSQL queries, cutting p99 latency by 40%",
        "Organized the team offsite",
        "Wrote React dashboards for the sales team",
    ]
    assert len(bullets) == MAX_BULLETS
    dropped = [c for c in result["changes"] if c["action"] == "drop"]
    assert [c["original"] for c in dropped] == [
        "Ran the book club",
        "Ran hiring loops",
        "Cooked lunch on Fridays",
    ]
    assert all(c["reason"] and c["new"] is None for c in dropped)


def test_relevant_bullets_are_kept_beyond_the_maximum():
    many = {
        "required_skills": ["Go", "PostgreSQL", "React", "Apache Kafka"],
        "keywords": ["club", "hiring"],
    }
    bullets = section(tailor(RESUME, many)["resume"], "experience")["entries"][0]["bullets"]
    assert len(bullets) == MAX_BULLETS + 1 and bullets[-1] == "Ran hiring loops"


def test_relevant_experience_moves_first(result):
    assert [s["kind"] for s in result["resume"]["sections"]] == [
        "experience",
        "skills",
        "education",
    ]


def test_irrelevant_sections_keep_their_place():
    unrelated = {"required_skills": ["Figma"], "nice_to_have_skills": []}
    tailored = tailor(RESUME, unrelated)
    titles = [s["title"] for s in tailored["resume"]["sections"]]
    assert titles == [s["title"] for s in RESUME["sections"]]
    assert tailored["resume"]["summary"] == RESUME["summary"]
    assert {c["action"] for c in tailored["changes"]} == {"drop"}  # only the 6th+ bullets


def test_summary_uses_the_latest_title_and_only_skills_the_resume_lists(result):
    summary = result["resume"]["summary"]
    assert summary.startswith("Senior Software Engineer with experience in Go, Kubernetes")
    assert "Terraform" not in summary  # asked for, but not on the resume


def test_every_change_records_the_original_at_its_path(result):
    assert result["changes"]
    for change in result["changes"]:
        assert change["reason"]
        if change["path"] != "sections":
            assert at(RESUME, change["path"]) == change["original"]
    actions = {(c["path"], c["action"]) for c in result["changes"]}
    assert ("summary", "rewrite") in actions
    assert ("sections[1].items", "reorder") in actions
    assert ("sections[2].entries[0].bullets", "reorder") in actions


def test_tailoring_is_deterministic():
    assert tailor(RESUME, REQUIREMENTS) == tailor(RESUME, REQUIREMENTS)


# --- trace_check -----------------------------------------------------------------------------


def edited(change) -> dict:
    resume = copy.deepcopy(RESUME)
    change(resume)
    return resume


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda r: r["sections"][2]["entries"][0]["bullets"].append("Led 40 engineers"), "bullet"),
        (lambda r: r["sections"][1]["items"].append("Cloud: Terraform"), "item"),
        (lambda r: r["sections"][2]["entries"][0].update(title="CTO"), "entry"),
        (lambda r: r["sections"].append({"kind": "other", "title": "Awards"}), "Awards"),
        (lambda r: r.update(summary="Go and Terraform expert."), "Terraform"),
        (lambda r: r.update(summary="Go engineer with 12 years of experience."), "12"),
        (lambda r: r["contact"].update(email="x@example.com"), "contact"),
    ],
)
def test_trace_check_finds_invented_lines(change, problem):
    problems = trace_check(RESUME, edited(change))
    assert any(problem in p for p in problems), problems


def test_trace_check_accepts_reordering_and_dropping():
    def reorder(resume):
        resume["sections"].reverse()
        resume["sections"][0]["entries"][0]["bullets"] = ["Ran hiring loops"]

    assert trace_check(RESUME, edited(reorder)) == []


# --- diff ------------------------------------------------------------------------------------


def test_diff_has_a_unified_diff_and_per_section_changes(result):
    shown = diff(RESUME, result["resume"])
    assert shown["unified"].startswith("--- original\n+++ tailored\n@@")
    assert "+- Migrated billing to Go services on Kubernetes" in shown["unified"]
    assert "-- Cooked lunch on Fridays" in shown["unified"]
    titles = [s["title"] for s in shown["sections"]]
    assert titles == ["Summary", "Section order", "Experience", "Skills"]
    experience = shown["sections"][2]["changes"]
    assert {c["action"] for c in experience} == {"reorder", "drop"}


def test_diff_of_identical_versions_is_empty():
    assert diff(RESUME, copy.deepcopy(RESUME)) == {"unified": "", "sections": []}


# --- with an LLM -----------------------------------------------------------------------------


@pytest.fixture
def llm(llm_server):
    return LLMClient(llm_server.url, None, "test-model", timeout=5)


def test_llm_summary_is_streamed_checked_and_kept(llm_server, llm):
    summary = "Senior Software Engineer who migrated billing to Go services on Kubernetes."
    llm_server.reply(summary)
    tokens = []
    out = tailor(RESUME, REQUIREMENTS, llm=llm, on_token=tokens.append)
    assert out["strategy"] == "openai"
    assert "".join(tokens) == summary and len(tokens) > 1
    assert out["resume"]["summary"] == summary
    assert trace_check(RESUME, out["resume"]) == []
    change = next(c for c in out["changes"] if c["path"] == "summary")
    assert change["original"] == RESUME["summary"] and "LLM" in change["reason"]
    prompt = llm_server.requests[0]["body"]["messages"]
    assert "never add a skill" in prompt[0]["content"]
    assert "Migrated billing to Go services on Kubernetes" in prompt[1]["content"]


@pytest.mark.parametrize(
    "summary",
    [
        "Senior engineer fluent in Go, Kubernetes and Terraform.",  # Terraform: not on the resume
        "Go engineer with 15 years of experience.",  # a number the resume does not state
        "",
    ],
)
def test_llm_summary_with_invented_facts_is_rejected(llm_server, llm, summary):
    llm_server.reply(summary)
    with pytest.raises(LLMError):
        tailor(RESUME, REQUIREMENTS, llm=llm)


def test_llm_summary_may_cite_dates_and_places_the_resume_holds(llm_server, llm):
    llm_server.reply("Berlin engineer building Go services on Kubernetes at Acme since 2019.")
    out = tailor(RESUME, REQUIREMENTS, llm=llm)
    assert out["resume"]["summary"].endswith("since 2019.")
