"""The index computes the naive formula exactly: every row's score through the sparse
matrices equals the per-row reference, after a build and after row updates."""

from __future__ import annotations

import random

import pytest

from workers.recruiting import matching, scoring
from workers.recruiting.index import OrgIndex
from workers.recruiting.profiles import candidate_features, job_features, place, skill_key

SKILLS = ["Python", "Postgres", "FastAPI", "Kafka", "k8s", "AWS", "React", "Go", "Figma", "Rust"]
WORDS = ["backend", "distributed", "services", "api", "design", "data", "pipelines", "cloud"]
CITIES = ["New York, NY", "Berlin, Germany", "Remote", "San Francisco, CA", None, "Brooklyn"]
TITLES = ["Senior Backend Engineer", "Junior Developer", "Staff Engineer", "Designer", None]


def _candidate(rng: random.Random) -> dict:
    return {
        "full_name": "x",
        "current_title": rng.choice(TITLES),
        "skills": rng.sample(SKILLS, rng.randint(0, 4)),
        "resume_text": " ".join(rng.choices(WORDS + SKILLS, k=rng.randint(0, 30))),
        "location": rng.choice(CITIES),
        "experience_years": rng.choice([None, 0, 1, 3, 6, 12]),
    }


def _job(rng: random.Random) -> dict:
    return {
        "title": rng.choice(TITLES) or "Engineer",
        "required_skills": rng.sample(SKILLS, rng.randint(0, 3)) + rng.choice([[], ["Cobol"]]),
        "nice_to_have_skills": rng.sample(SKILLS, rng.randint(0, 2)),
        "description": " ".join(rng.choices(WORDS, k=rng.randint(0, 20))),
        "location": rng.choice(CITIES),
        "remote_option": rng.choice([None, "On-site", "Hybrid", "Remote"]),
        "min_years": rng.choice([None, 2, 5]),
    }


def _reference(jobs, cands):
    stats = scoring.CorpusStats.of(list(cands.values()))
    return lambda j, c: scoring.score_pair(jobs[j], cands[c], stats)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_scores_equal_the_per_row_reference_in_both_directions(seed):
    rng = random.Random(seed)
    cands = {i: candidate_features(_candidate(rng)) for i in range(1, 81)}
    jobs = {i: job_features(_job(rng)) for i in range(1, 16)}
    index = OrgIndex("org")
    index.build(sorted(cands.items()), sorted(jobs.items()))
    ref = _reference(jobs, cands)
    for j in jobs:
        got = {m.id: m.raw for m in matching.candidates_for_job(index, jobs[j], 100)}
        assert got == pytest.approx({c: ref(j, c) for c in cands}, abs=1e-3)
    for c in list(cands)[:10]:
        got = {m.id: m.raw for m in matching.jobs_for_candidate(index, cands[c], 100)}
        assert got == pytest.approx({j: ref(j, c) for j in jobs}, abs=1e-3)


def test_after_row_updates_scores_equal_the_reference_over_the_current_rows():
    rng = random.Random(7)
    cands = {i: candidate_features(_candidate(rng)) for i in range(1, 61)}
    jobs = {i: job_features(_job(rng)) for i in range(1, 6)}
    index = OrgIndex("org")
    index.build(sorted(cands.items()), sorted(jobs.items()))
    changed = {3: candidate_features(_candidate(rng)), 61: candidate_features(_candidate(rng))}
    index.candidates.apply(changed, {5, 6})
    new_job = {2: job_features(_job(rng))}
    index.jobs.apply(new_job, {4})
    cands.update(changed)
    jobs.update(new_job)
    del cands[5], cands[6], jobs[4]

    stats = scoring.CorpusStats.of(list(cands.values()))
    stats.avgdl = index.avgdl  # the one statistic row updates leave as built
    assert index.n_docs() == 59
    for j in jobs:
        got = {m.id: m.raw for m in matching.candidates_for_job(index, jobs[j], 100)}
        want = {c: scoring.score_pair(jobs[j], cands[c], stats) for c in cands}
        assert got == pytest.approx(want, abs=1e-3)
    got = {m.id: m.raw for m in matching.jobs_for_candidate(index, cands[61], 100)}
    assert got == pytest.approx(
        {j: scoring.score_pair(jobs[j], cands[61], stats) for j in jobs}, abs=1e-3
    )


def test_skills_are_read_through_the_vocabulary_and_places_through_aliases():
    assert skill_key("Postgres") == skill_key("postgresql") == "PostgreSQL"
    assert skill_key("Some Niche Tool") == "some niche tool"
    assert (place("NYC").city, place("Brooklyn, NY").city) == ("new york", "new york")
    assert place("Remote (US)").remote and place("Remote").city is None
    junior = job_features({"title": "Junior Python Developer"})
    assert (junior.years, junior.max_years, junior.required) == (None, 2.0, {"Python"})


def test_scores_never_leave_0_to_100():
    rng = random.Random(11)
    cands = {i: candidate_features(_candidate(rng)) for i in range(1, 40)}
    index = OrgIndex("org")
    index.build(sorted(cands.items()), [])
    job = job_features({"title": "Senior Backend", "required_skills": ["Python"] * 3})
    for m in matching.candidates_for_job(index, job, 100):
        assert 0 <= m.score <= 100 and m.reason


def test_a_junior_title_caps_experience_for_roles_asking_two_years_or_more():
    junior = candidate_features({"current_title": "Junior Developer", "experience_years": 3})
    peer = candidate_features({"current_title": "Developer", "experience_years": 3})
    stats = scoring.CorpusStats.of([junior, peer])
    mid = job_features({"title": "Developer", "min_years": 2})
    entry = job_features({"title": "Developer"})
    assert scoring.score_pair(mid, junior, stats) < scoring.score_pair(mid, peer, stats)
    assert scoring.score_pair(entry, junior, stats) == pytest.approx(
        scoring.score_pair(entry, peer, stats), abs=0.5
    )
