"""careers_analysis: offline JD analysis throughput against a plain substring scan.

1,000 job descriptions are generated from a fixed seed out of the skills vocabulary and
sentence templates: headings (about, duties, requirements, nice to have, benefits), planted
required and nice-to-have skills in their various spellings, years and degrees, and the
everyday phrases that trip naive matching (going, go-to, R&D, Series C, C-level, the rest).

Platform: the whole offline ``analyze()`` of each posting (sections, skill matching with
boundaries and case rules, BM25 weights, years, degree, seniority, remote, and the match
score against a fixed profile). Baseline, the naive floor: every vocabulary form searched as a
case-insensitive substring of the lowercased text, which is all it does. Both run over the
same texts in the same process, alternating, best of ROUNDS passes each. How well each finds
the planted skills (precision, recall) is reported beside the rates.
"""

from __future__ import annotations

import json
import random
import time

from bench.common import MACHINE, log, ratio

N_JDS = 1000
SEED = 7
ROUNDS = 3
PROFILE = {
    "skills": ["Python", "Go", "PostgreSQL", "Kubernetes", "Docker", "AWS"],
    "years_experience": 6,
    "locations": ["Berlin"],
    "remote_preference": "any",
}
TITLES = ("Backend Engineer", "Data Engineer", "Platform Engineer", "Frontend Developer")
LEVELS = ("Junior", "", "Senior", "Staff", "Lead")
# Phrases that contain skill-like words without naming a skill: the naive scan's false hits.
DISTRACTORS = (
    "We are a Series C company going through rapid growth.",
    "Our R&D group is the go-to team for the rest of the company.",
    "You will present to C-level leaders and go above and beyond.",
    "We react quickly, excel at shipping, and spring into action.",
    "Join a team that is going places; let's go.",
)
FILLER = (
    "Our customers rely on us every day, and we take that trust seriously.",
    "We are a small, senior group that values clear writing and calm decisions.",
    "You will help shape how the organization plans and ships its roadmap.",
    "We believe the best ideas win, wherever they come from.",
    "Expect a thoughtful onboarding and a dedicated buddy during your first months.",
    "Partner with designers and product owners to turn ideas into releases.",
    "Keep our services fast, observable and boring in the best sense.",
    "Take part in planning, estimation and the occasional on-call rotation.",
)
DUTIES = (
    "Build and run services using {a} and {b}.",
    "Own the {a} platform end to end.",
    "Work with product to design features on {a}.",
)
REQUIRED = (
    "{n}+ years of professional experience with {a}.",
    "Strong experience with {a}, {b} and {c}.",
    "Hands-on knowledge of {a} or {b}.",
    "You have shipped production systems in {a}.",
    "{degree} in Computer Science or a related field.",
)
NICE = (
    "Experience with {a} is a plus.",
    "Familiarity with {a} and {b}.",
    "Exposure to {a}.",
)
DEGREES = ("BS", "Bachelor's degree", "MS", "Master's degree")
BENEFITS = (
    "Competitive salary, equity and a learning budget.",
    "Remote-friendly, with an office in Berlin.",
    "Free lunch and a go-to gym membership.",
    "Thirty days of paid vacation and parental leave.",
)
EQUAL_OPPORTUNITY = (
    "We are an equal opportunity employer and value a diverse workplace. All qualified "
    "applicants will receive consideration for employment without regard to race, color, "
    "religion, gender, gender identity or expression, sexual orientation, national origin, "
    "genetics, disability, age, or veteran status."
)


def _spellings() -> dict[str, list[str]]:
    from workers.careers.skills import VOCABULARY_PATH

    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    return {s["name"]: [s["name"], *s.get("aliases", ())] for s in data["skills"]}


def generate(n: int, seed: int) -> list[tuple[dict, set[str], set[str]]]:
    """(posting, required skills named, nice-to-have skills named), the same every run."""
    rng = random.Random(seed)
    spellings = _spellings()
    names = sorted(spellings)
    jds = []
    for i in range(n):
        picked = rng.sample(names, 9)
        required, nice = picked[:6], picked[6:]
        named_required: set[str] = set()
        named_nice: set[str] = set()

        def say(template: str, pool: list[str], named: set[str]) -> str:
            slots = [slot for slot in "abc" if "{" + slot + "}" in template]
            chosen = rng.sample(pool, len(slots))
            named.update(chosen)
            forms = {s: rng.choice(spellings[n]) for s, n in zip(slots, chosen, strict=True)}
            return template.format(**forms, n=rng.randint(2, 8), degree=rng.choice(DEGREES))

        lines = ["About us", *rng.sample(DISTRACTORS, 2), *rng.sample(FILLER, 3), ""]
        lines += ["What you'll do"]
        lines += [f"- {say(t, required[:2], named_required)}" for t in rng.sample(DUTIES, 2)]
        lines += [f"- {t}" for t in rng.sample(FILLER, 2)]
        lines += ["", "Requirements"]
        lines += [f"- {say(t, required, named_required)}" for t in REQUIRED]
        lines += ["", "Nice to have"]
        lines += [f"- {say(t, nice, named_nice)}" for t in NICE]
        lines += ["", "Benefits", *rng.sample(BENEFITS, 3), "", EQUAL_OPPORTUNITY]
        posting = {
            "title": f"{rng.choice(LEVELS)} {rng.choice(TITLES)}".strip(),
            "company": f"Company {i}",
            "location": rng.choice(("Berlin, Germany", "London, UK", "Remote")),
            "remote": None,
            "workplace_type": None,
            "description": "\n".join(lines),
        }
        jds.append((posting, named_required, named_nice - named_required))
    return jds


def _check_fixed_text() -> None:
    """The bench's own sentences must name no skill, or its ground truth would be wrong."""
    from workers.careers.skills import find_skills

    for text in (*TITLES, *DISTRACTORS, *FILLER, *BENEFITS, EQUAL_OPPORTUNITY):
        if find_skills(text):
            raise AssertionError(f"bench text names a skill: {text!r}: {find_skills(text)}")


def _forms() -> list[tuple[str, str]]:
    return [(form.lower(), name) for name, forms in _spellings().items() for form in forms]


def baseline_scan(text: str, forms: list[tuple[str, str]]) -> set[str]:
    lowered = text.lower()
    return {name for form, name in forms if form in lowered}


def _quality(found: list[set[str]], truth: list[set[str]]) -> dict:
    hits = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    reported = sum(len(f) for f in found)
    planted = sum(len(t) for t in truth)
    return {
        "skill_precision": round(hits / reported, 3) if reported else None,
        "skill_recall": round(hits / planted, 3) if planted else None,
    }


def run() -> dict:
    from workers.careers.analysis import analyze
    from workers.careers.skills import vocabulary

    vocabulary()  # loaded once per process, as in a worker: not part of the measured work
    _check_fixed_text()
    jds = generate(N_JDS, SEED)
    forms = _forms()
    log(f"careers_analysis: {len(jds)} postings, {len(forms)} vocabulary forms, {ROUNDS} rounds")

    platform_s, baseline_s = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        results = [analyze(posting, PROFILE, None) for posting, _, _ in jds]
        platform_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        scans = [baseline_scan(posting["description"], forms) for posting, _, _ in jds]
        baseline_s.append(time.perf_counter() - started)

    truth = [req | nice for _, req, nice in jds]
    found = [
        set(r["requirements"]["required_skills"]) | set(r["requirements"]["nice_to_have_skills"])
        for r in results
    ]
    nice_truth = [nice for _, _, nice in jds]
    nice_found = [set(r["requirements"]["nice_to_have_skills"]) for r in results]
    platform_rate = N_JDS / min(platform_s)
    baseline_rate = N_JDS / min(baseline_s)
    words = sum(len(p["description"].split()) for p, _, _ in jds) / N_JDS
    return {
        "bench": "careers_analysis",
        "ratio": ratio(platform_rate, baseline_rate),
        "platform": {
            "jds_per_s": round(platform_rate, 1),
            "best_pass_s": round(min(platform_s), 3),
            **_quality(found, truth),
            "nice_to_have_recall": _quality(nice_found, nice_truth)["skill_recall"],
            "mean_score": round(sum(r["match"]["score"] for r in results) / N_JDS, 3),
        },
        "baseline": {
            "jds_per_s": round(baseline_rate, 1),
            "best_pass_s": round(min(baseline_s), 3),
            **_quality(scans, truth),
        },
        "settings": {
            "ratio_uses": "platform JDs/s / baseline JDs/s (higher is better)",
            "jds": N_JDS,
            "seed": SEED,
            "rounds": ROUNDS,
            "mean_words_per_jd": round(words, 1),
            "vocabulary_skills": len(vocabulary().skills),
            "vocabulary_forms": len(forms),
            "platform_work": "analyze() offline: extract_requirements + score_match vs a profile",
            "baseline_work": "each vocabulary form as a substring of the lowercased text",
            "machine": MACHINE,
        },
    }


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
