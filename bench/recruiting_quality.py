"""recruiting_quality: does naive matching put the right person first?

A labeled set is generated from a fixed seed (``bench/recruiting_data.py``): N_JOBS jobs, each
of its own (role family, city) and a random level, and for each job one *target* — right
family, years within the level, the job's city, every required and nice-to-have skill (often
spelled as people write them: Postgres, k8s, Spark) — and four distractors made to fool word
counting:

- wrong seniority: same family, city and skills, the job's words repeated, but a junior for a
  senior job (or a staff engineer for a junior one);
- wrong place: same family, level and skills, another city (the jobs are on-site or hybrid:
  for a remote job anyone with the skills is as good as the target);
- keyword stuffer: the job's title and description pasted in (skill names cut out), one of
  three required skills;
- partial: right family, level and city, one of three required skills.

All of them, plus BACKGROUND random candidates, sit in one org's index. For every job, the
candidates are ranked by naive matching (the index) and by plain keyword overlap (how many
distinct non-stopwords of the job's title, description and skills the candidate's text
contains, ties to the lower id); top-1 and top-5 hit rates of the target are reported. Ratio: naive
top-5 ÷ keyword top-5 (keyword overlap's top-1 is zero here: the distractors carry the job's
words by construction).
"""

from __future__ import annotations

import random
import time

from bench.common import MACHINE, ratio
from bench.recruiting_data import CITIES, FAMILIES, LEVELS, candidate, job, resume, spelled

N_JOBS = 60
BACKGROUND = 3000
SEED = 20261202


def _level_years(level: str, rng: random.Random) -> int:
    return rng.randint(*LEVELS[level])


def _person(rng, family, level, city, skills, text_extra="", years=None) -> dict:
    _, words = FAMILIES[family]
    return {
        "full_name": "Person",
        "current_title": f"{level} {family}".strip(),
        "headline": f"{level} {family}".strip(),
        "location": city,
        "experience_years": _level_years(level, rng) if years is None else years,
        "skills": [spelled(s, rng) for s in skills],
        "resume_text": (resume(skills, words, rng, rng.randint(3, 6)) + " " + text_extra).strip(),
    }


def _cases(rng: random.Random) -> list[tuple[dict, list[dict]]]:
    # One job per (family, city): another job's people are then in another city or trade.
    combos = [(f, c) for f in FAMILIES for c in CITIES]
    rng.shuffle(combos)
    combos = combos[:N_JOBS]
    used = {(f, c) for f, c in combos}
    cases = []
    for family, city in combos:
        level = rng.choice(list(LEVELS))
        posting = job(rng, family, level)
        posting["location"] = city
        posting["family"] = family
        # Place matters for the label: a remote job's best match is anyone with the skills.
        posting["remote_option"] = rng.choice(["On-site", "Hybrid"])
        required, nice = posting["required_skills"], posting["nice_to_have_skills"]
        skills, _ = FAMILIES[family]
        echo = f"{posting['title']}. {posting['description']}"
        free = [c for c in CITIES if (family, c) not in used]
        other_city = rng.choice(free or [c for c in CITIES if c != city])
        wrong_level = "Junior" if level in ("Senior", "Staff", "") else "Staff"
        target = _person(rng, family, level, city, required + nice)
        seniority = _person(rng, family, wrong_level, city, required + nice, echo)
        place = _person(rng, family, level, other_city, required + nice)
        bare = echo
        for skill in required + nice:  # the job's words, not its skills
            bare = bare.replace(skill, " ")
        stuffer = _person(rng, family, level, city, required[:1], bare + " " + bare, years=None)
        stuffer["experience_years"] = None
        partial = _person(rng, family, level, city, required[:1] + nice)
        cases.append((posting, [target, seniority, place, stuffer, partial]))
    return cases


def _words(text: str) -> set[str]:
    """Distinct words without stopwords: the same tokenizer the naive text score uses."""
    from workers.recruiting.profiles import terms

    return set(terms(text))


def _text_words(p: dict) -> set[str]:
    return _words(
        " ".join([p["current_title"], p["headline"], " ".join(p["skills"]), p["resume_text"]])
    )


def _keyword_rank(posting: dict, people: list[tuple[int, set[str]]]) -> list[int]:
    wanted = _words(
        " ".join(
            [
                posting["title"],
                posting["description"],
                *posting["required_skills"],
                *posting["nice_to_have_skills"],
            ]
        )
    )
    scored = []
    for cid, words in people:
        scored.append((-len(wanted & words), cid))
    return [cid for _, cid in sorted(scored)[:5]]


def run() -> dict:
    from workers.recruiting import matching
    from workers.recruiting.index import OrgIndex
    from workers.recruiting.profiles import candidate_features, job_features

    rng = random.Random(SEED)
    cases = _cases(rng)
    # The background holds no one of a job's own (family, level, city): the target stays the
    # one best answer, and everyone else competes on the job's skills and words.
    taken = {(p["family"], p["location"]) for p, _ in cases}
    rows: list[dict] = []
    while len(rows) < BACKGROUND:
        family = rng.choice(list(FAMILIES))
        person = candidate(rng, family)
        if (family, person["location"]) not in taken:
            rows.append(person)
    targets = []
    for _, people in cases:
        targets.append(len(rows))
        rows.extend(people)
    order = list(range(len(rows)))
    rng.shuffle(order)  # ids in random order, so ties favor no one
    ids = {position: cid + 1 for cid, position in enumerate(order)}
    people = sorted((ids[i], row) for i, row in enumerate(rows))
    index = OrgIndex("bench")
    started = time.perf_counter()
    index.build([(cid, candidate_features(p)) for cid, p in people], [])
    build_s = time.perf_counter() - started

    naive = {"top1": 0, "top5": 0}
    keyword = {"top1": 0, "top5": 0}
    beaten_by = {"seniority": 0, "place": 0, "stuffer": 0, "partial": 0, "other": 0}
    kinds = {}
    for target in targets:
        for k, name in enumerate(("seniority", "place", "stuffer", "partial"), start=1):
            kinds[ids[target + k]] = name
    words = [(cid, _text_words(p)) for cid, p in people]
    for (posting, _), target in zip(cases, targets, strict=True):
        want = ids[target]
        top = [m.id for m in matching.candidates_for_job(index, job_features(posting), 5)]
        kw = _keyword_rank(posting, words)
        for tally, ranked in ((naive, top), (keyword, kw)):
            tally["top1"] += ranked[:1] == [want]
            tally["top5"] += want in ranked
        if top[:1] != [want]:
            beaten_by[kinds.get(top[0], "other")] += 1
    n = len(cases)
    naive_rates = {k: round(v / n, 3) for k, v in naive.items()}
    keyword_rates = {k: round(v / n, 3) for k, v in keyword.items()}
    return {
        "bench": "recruiting_quality",
        "ratio": ratio(naive_rates["top5"], keyword_rates["top5"]),
        "platform": {
            "strategy": "naive",
            "top1_hit_rate": naive_rates["top1"],
            "top5_hit_rate": naive_rates["top5"],
            "top1_lost_to": beaten_by,
            "index_build_s": round(build_s, 2),
        },
        "baseline": {
            "strategy": "keyword overlap",
            "top1_hit_rate": keyword_rates["top1"],
            "top5_hit_rate": keyword_rates["top5"],
        },
        "settings": {
            "jobs": n,
            "candidates": len(people),
            "distractors_per_job": 4,
            "background": BACKGROUND,
            "seed": SEED,
            "machine": MACHINE,
        },
    }
