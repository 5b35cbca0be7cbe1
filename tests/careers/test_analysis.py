"""JD analysis: requirements from a posting, the match score, and analyze() with both strategies."""

from __future__ import annotations

import json

import pytest

from workers.careers.analysis import analyze, clauses, extract_requirements, score_match
from workers.llm import LLMClient, LLMError

DESCRIPTION = """About Acme
We are a Series C startup going places, and our R&D team is growing.

What you'll do
- Build backend services in Go and Python on Kubernetes
- Own our PostgreSQL databases and CI/CD pipelines

Requirements
- 5+ years of professional experience building distributed systems
- Strong experience with Go, gRPC and PostgreSQL
- BS/MS in Computer Science or equivalent
- Excellent communication skills

Nice to have
- Experience with Terraform and AWS
- Rust is a plus

Benefits
- Free lunch in our Berlin office
"""
POSTING = {
    "title": "Senior Backend Engineer (Go)",
    "company": "Acme",
    "location": "Berlin, Germany",
    "remote": None,
    "workplace_type": "hybrid",
    "department": "Engineering",
    "employment_type": "Full-time",
    "description": DESCRIPTION,
}
MATCHING = {
    "skills": ["Go", "python", "k8s", "Postgres", "gRPC", "Distributed systems", "CI/CD"],
    "years_experience": 7,
    "locations": ["Berlin"],
    "remote_preference": "hybrid",
}
MISMATCHED = {
    "skills": ["Java", "Excel"],
    "years_experience": 1,
    "locations": ["Tokyo"],
    "remote_preference": "remote",
}


def posting(description: str, **fields) -> dict:
    return {"title": "Engineer", "description": description, **fields}


@pytest.fixture(scope="module")
def requirements():
    return extract_requirements(POSTING)


# --- requirements ----------------------------------------------------------------------------


def test_section_cues_split_required_from_nice_to_have(requirements):
    assert set(requirements["required_skills"]) == {
        "Go",
        "Python",
        "Kubernetes",
        "PostgreSQL",
        "CI/CD",
        "Distributed systems",
        "gRPC",
        "Communication",
    }
    assert set(requirements["nice_to_have_skills"]) == {"Terraform", "AWS", "Rust"}


def test_words_that_look_like_skills_are_not_skills(requirements):
    found = requirements["required_skills"] + requirements["nice_to_have_skills"]
    assert "C" not in found and "R" not in found  # Series C, R&D


def test_required_skills_are_ordered_by_weight(requirements):
    ranked = requirements["required_skills"]
    assert ranked[0] == "Go"  # in the title and in two sections
    # One mention each, but communication is in half of all postings: it weighs less.
    assert ranked.index("gRPC") < ranked.index("Communication")


def test_preferred_qualifications_heading_is_nice_to_have():
    text = "Minimum qualifications:\n- Java\nPreferred qualifications:\n- Kotlin\n"
    found = extract_requirements(posting(text))
    assert found["required_skills"] == ["Java"] and found["nice_to_have_skills"] == ["Kotlin"]


def test_heading_with_inline_list_and_inline_plus_cues():
    text = "What you'll need: Python and SQL. Docker would be a plus.\nBonus points: Airflow\n"
    found = extract_requirements(posting(text))
    assert set(found["required_skills"]) == {"Python", "SQL"}
    assert set(found["nice_to_have_skills"]) == {"Docker", "Apache Airflow"}


def test_a_line_naming_skills_is_content_not_a_heading():
    found = clauses("Nice to have\nExperience with Go and Rust\n")
    assert [(c.text, c.section) for c in found] == [("Experience with Go and Rust", "nice")]


def test_skills_named_only_in_the_company_blurb_are_at_most_nice_to_have():
    text = "About us\nWe love Elixir.\nRequirements\n- Python\n"
    found = extract_requirements(posting(text))
    assert found["required_skills"] == ["Python"]
    assert found["nice_to_have_skills"] == ["Elixir"]


@pytest.mark.parametrize(
    "text, years",
    [
        ("5+ years of experience with Python", 5),
        ("At least three years of professional experience", 3),
        ("3-5 years of industry experience", 3),
        ("Minimum of 2 years experience; ideally 8 years of experience", 2),
        ("We have been around for 10 years.", None),
        ("Build great things", None),
    ],
)
def test_years_of_experience(text, years):
    assert extract_requirements(posting(text))["years_experience"] == years


@pytest.mark.parametrize(
    "text, education",
    [
        ("BS/MS in Computer Science or equivalent", "bachelor"),
        ("Bachelor's degree in a technical field", "bachelor"),
        ("Master's or PhD in Statistics", "master"),
        ("A PhD in machine learning", "phd"),
        ("Requirements\n- Python\nNice to have\n- A PhD", None),
        ("p99 under 200 ms in production, MS Office", None),
    ],
)
def test_education_is_the_lowest_degree_required(text, education):
    assert extract_requirements(posting(text))["education"] == education


@pytest.mark.parametrize(
    "title, description, seniority",
    [
        ("Senior Software Engineer", "", "senior"),
        ("Staff Engineer, Platform", "", "staff"),
        ("Software Engineering Intern", "", "intern"),
        ("Senior Engineering Manager", "", "manager"),
        ("Principal Data Scientist", "", "principal"),
        ("Backend Engineer", "This is an entry-level role.", "junior"),
        ("Backend Engineer", "6+ years of experience", "senior"),
        ("Backend Engineer", "Build things", None),
    ],
)
def test_seniority_from_title_then_text_then_years(title, description, seniority):
    found = extract_requirements({"title": title, "description": description})
    assert found["seniority"] == seniority


@pytest.mark.parametrize(
    "fields, remote",
    [
        ({"remote": True}, True),
        ({"remote": False, "description": "fully remote"}, False),
        ({"workplace_type": "Remote"}, True),
        ({"workplace_type": "hybrid"}, False),
        ({"location": "Remote - Europe"}, True),
        ({"description": "This is a fully remote position."}, True),
        ({"description": "Work on-site in our Paris office."}, False),
        ({"description": "Build things."}, None),
    ],
)
def test_remote_from_fields_then_text(fields, remote):
    fields = {"title": "Engineer", "description": "", **fields}
    assert extract_requirements(fields)["remote"] is remote


def test_location_and_keywords(requirements):
    assert requirements["location"] == "Berlin, Germany"
    assert requirements["keywords"][0] == "Go"
    assert "backend" in requirements["keywords"]
    assert not {"the", "and", "experience", "you"} & set(requirements["keywords"])


# --- match -----------------------------------------------------------------------------------


def test_a_matching_profile_scores_higher_than_a_mismatched_one(requirements):
    good = score_match(requirements, MATCHING)
    bad = score_match(requirements, MISMATCHED)
    assert 0 <= bad["score"] < good["score"] <= 1
    assert good["score"] > 0.7 and bad["score"] < 0.2
    assert good["strategy"] == bad["strategy"] == "naive"


def test_gaps_list_the_missing_required_skills(requirements):
    match = score_match(requirements, MATCHING)
    assert match["missing_skills"] == ["Communication"]
    assert "Communication" in match["gaps"]
    assert "Go" in match["strengths"]
    assert set(score_match(requirements, MISMATCHED)["gaps"]) >= set(
        requirements["required_skills"]
    )


def test_breakdown_has_every_component_in_range(requirements):
    breakdown = score_match(requirements, MATCHING)["breakdown"]
    assert set(breakdown) == {"skills", "nice_to_have", "experience", "location", "education"}
    assert all(v is None or 0 <= v <= 1 for v in breakdown.values())


def test_the_resume_adds_skills_and_the_degree():
    requirements = {"required_skills": ["Go", "Rust"], "education": "master"}
    resume = {
        "sections": [
            {"kind": "experience", "entries": [{"title": "Dev", "bullets": ["Wrote Rust"]}]},
            {"kind": "education", "entries": [{"title": "MSc Computer Science"}]},
        ]
    }
    alone = score_match(requirements, {"skills": ["Go"]})
    with_resume = score_match(requirements, {"skills": ["Go"]}, resume)
    assert with_resume["breakdown"]["skills"] == 1.0 and alone["breakdown"]["skills"] < 1
    assert with_resume["breakdown"]["education"] == 1.0
    assert with_resume["score"] > alone["score"]


def test_score_is_deterministic_and_bounded_for_empty_inputs(requirements):
    assert score_match(requirements, MATCHING) == score_match(requirements, MATCHING)
    empty = score_match({}, {})
    assert empty["score"] == 0.0 and empty["gaps"] == []


def test_remote_jobs_fit_remote_candidates():
    remote_job = {"required_skills": [], "remote": True}
    assert score_match(remote_job, {"remote_preference": "remote"})["breakdown"]["location"] == 1
    onsite_job = {"required_skills": [], "remote": False, "location": "Paris, France"}
    wants_remote = {"remote_preference": "remote", "locations": ["Lisbon"]}
    assert score_match(onsite_job, wants_remote)["breakdown"]["location"] == 0


# --- analyze ---------------------------------------------------------------------------------


def test_analyze_offline_reports_both_stages_and_the_naive_strategy():
    stages = []
    result = analyze(POSTING, MATCHING, None, on_stage=lambda s, p: stages.append((s, p)))
    assert stages == [("extracting_requirements", 30), ("scoring_match", 70)]
    assert result["strategy"] == "naive"
    assert result["requirements"]["required_skills"][0] == "Go"
    assert 0 <= result["match"]["score"] <= 1


LLM_ANSWER = {
    "required_skills": ["golang", "PostgreSQL", "Kafka Streams"],
    "nice_to_have_skills": ["Terraform", "Go"],
    "years_experience": 5,
    "education": "Bachelor",
    "seniority": "senior",
    "location": "Berlin",
    "remote": False,
    "keywords": ["backend", "payments"],
}


@pytest.fixture
def llm(llm_server):
    return LLMClient(llm_server.url, "test-key", "test-model", timeout=5)


def test_analyze_with_an_llm_streams_tokens_and_uses_its_requirements(llm_server, llm):
    chunks = [json.dumps(LLM_ANSWER)[i : i + 7] for i in range(0, len(json.dumps(LLM_ANSWER)), 7)]
    llm_server.reply(chunks=chunks)
    tokens, stages = [], []
    result = analyze(
        POSTING,
        MATCHING,
        None,
        llm=llm,
        on_stage=lambda s, p: stages.append(s),
        on_token=tokens.append,
    )
    assert tokens == chunks  # every delta, in order
    assert stages == ["extracting_requirements", "scoring_match"]
    assert result["strategy"] == "openai"
    requirements = result["requirements"]
    # Skills are mapped onto the vocabulary; a required one is not also nice to have.
    assert requirements["required_skills"] == ["Go", "PostgreSQL", "Kafka Streams"]
    assert requirements["nice_to_have_skills"] == ["Terraform"]
    assert requirements["education"] == "bachelor"
    assert result["match"]["missing_skills"] == ["Kafka Streams"]
    request = llm_server.requests[0]["body"]
    assert request["response_format"] == {"type": "json_object"} and request["stream"] is True
    assert "Senior Backend Engineer (Go)" in request["messages"][1]["content"]


def test_analyze_with_malformed_json_from_the_llm_raises(llm_server, llm):
    llm_server.reply('{"required_skills": ["Go"], "nice_to_have')
    with pytest.raises(LLMError) as caught:
        analyze(POSTING, MATCHING, None, llm=llm)
    assert caught.value.code == "LLM_ERROR"


def test_analyze_with_an_llm_server_error_raises(llm_server, llm):
    llm_server.reply("model overloaded", status=500)
    with pytest.raises(LLMError, match="500"):
        analyze(POSTING, MATCHING, None, llm=llm)


@pytest.mark.parametrize(
    "answer",
    [
        {"nice_to_have_skills": []},
        {"required_skills": "Go", "nice_to_have_skills": []},
        {"required_skills": [], "nice_to_have_skills": [], "years_experience": "five"},
        {"required_skills": [], "nice_to_have_skills": [], "seniority": "wizard"},
        {"required_skills": [], "nice_to_have_skills": [], "remote": "yes"},
    ],
)
def test_analyze_refuses_llm_json_of_the_wrong_shape(llm_server, llm, answer):
    llm_server.reply(json.dumps(answer))
    with pytest.raises(LLMError):
        analyze(POSTING, MATCHING, None, llm=llm)
