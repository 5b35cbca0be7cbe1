"""Generated recruiting data for the recruiting benches (fixed seeds, no outside data).

Candidates belong to a role family (backend, frontend, data, ML, mobile, platform, design) and
a level; their listed skills use the spellings people write (Postgres, k8s, JS, Spark), their
resumes are sentences built from the family's skills and domain words, and they live in one of
a dozen cities or say Remote.
"""

from __future__ import annotations

import random

FAMILIES = {
    "Backend Engineer": (
        ["Python", "Go", "PostgreSQL", "Apache Kafka", "Docker", "Kubernetes", "AWS", "FastAPI",
         "Django", "Redis", "gRPC", "Java"],
        ["backend", "services", "api", "distributed", "latency", "microservices", "database"],
    ),
    "Frontend Engineer": (
        ["React", "TypeScript", "JavaScript", "CSS", "Next.js", "Vue.js", "GraphQL", "Node.js"],
        ["frontend", "ui", "accessibility", "components", "browser", "design-system", "web"],
    ),
    "Data Engineer": (
        ["Python", "SQL", "Apache Spark", "Apache Airflow", "dbt", "Snowflake", "Scala", "AWS"],
        ["pipelines", "warehouse", "etl", "batch", "streaming", "analytics", "data"],
    ),
    "Machine Learning Engineer": (
        ["Python", "PyTorch", "TensorFlow", "scikit-learn", "Pandas", "Machine learning", "SQL"],
        ["models", "training", "inference", "features", "experiments", "evaluation", "ml"],
    ),
    "Mobile Engineer": (
        ["Swift", "Kotlin", "iOS", "Android", "GraphQL", "Java"],
        ["mobile", "app", "offline", "release", "store", "devices", "native"],
    ),
    "Platform Engineer": (
        ["Kubernetes", "Terraform", "AWS", "Docker", "Prometheus", "Linux", "Ansible", "GCP"],
        ["infrastructure", "reliability", "observability", "on-call", "automation", "cloud"],
    ),
    "Product Designer": (
        ["Figma", "User research", "Prototyping", "Design systems"],
        ["design", "research", "interfaces", "usability", "prototypes", "visual"],
    ),
}  # fmt: skip
ALIASES = {
    "PostgreSQL": "Postgres",
    "Kubernetes": "k8s",
    "JavaScript": "JS",
    "Apache Spark": "Spark",
    "Apache Airflow": "Airflow",
    "Apache Kafka": "Kafka",
    "Machine learning": "ML",
    "scikit-learn": "sklearn",
}
LEVELS = {"Junior": (0, 2), "": (2, 4), "Senior": (5, 9), "Staff": (10, 15)}
CITIES = [
    "New York, NY",
    "San Francisco, CA",
    "Seattle, WA",
    "Austin, TX",
    "Boston, MA",
    "Chicago, IL",
    "London, UK",
    "Berlin, Germany",
    "Paris, France",
    "Toronto, Canada",
    "Amsterdam, Netherlands",
    "Madrid, Spain",
]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"]
FIRST = ["Ada", "Bo", "Cy", "Di", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu", "Mo"]
LAST = ["Smith", "Garcia", "Chen", "Okafor", "Novak", "Singh", "Muller", "Rossi", "Kim"]
SENTENCES = [
    "Built {a} {w1} with {s1} and {s2}.",
    "Led the {w1} work of a team of {n} using {s1}.",
    "Improved {w2} by moving {w1} to {s1}.",
    "Owned {w1} and {w2} on {s1}, {s2} and {s3}.",
    "Mentored engineers on {s2} and {w2}.",
    "Shipped {a} {w2} project in {s3}.",
]
GENERIC = ["collaborated", "stakeholders", "delivered", "roadmap", "quality", "ownership"]


def spelled(skill: str, rng: random.Random) -> str:
    return ALIASES[skill] if skill in ALIASES and rng.random() < 0.5 else skill


def resume(skills: list[str], words: list[str], rng: random.Random, sentences: int) -> str:
    lines = []
    for _ in range(sentences):
        s1, s2, s3 = (spelled(rng.choice(skills), rng) for _ in range(3))
        w1, w2 = rng.choice(words), rng.choice(words)
        line = rng.choice(SENTENCES).format(
            a=rng.choice(["a", "the", "our"]),
            w1=w1,
            w2=w2,
            s1=s1,
            s2=s2,
            s3=s3,
            n=rng.randint(2, 9),
        )
        lines.append(line + " " + " ".join(rng.sample(GENERIC, 2)).capitalize() + ".")
    return " ".join(lines)


def candidate(rng: random.Random, family: str | None = None, level: str | None = None) -> dict:
    family = family or rng.choice(list(FAMILIES))
    level = rng.choice(list(LEVELS)) if level is None else level
    skills, words = FAMILIES[family]
    years = rng.randint(*LEVELS[level])
    mine = rng.sample(skills, min(len(skills), rng.randint(3, 6)))
    return {
        "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "current_title": f"{level} {family}".strip(),
        "current_company": rng.choice(COMPANIES),
        "headline": f"{level} {family}".strip(),
        "location": "Remote" if rng.random() < 0.1 else rng.choice(CITIES),
        "experience_years": years,
        "skills": [spelled(s, rng) for s in mine],
        "resume_text": resume(mine, words, rng, rng.randint(4, 8)),
    }


def job(rng: random.Random, family: str | None = None, level: str | None = None) -> dict:
    family = family or rng.choice(list(FAMILIES))
    level = rng.choice(["", "Senior", "Staff", "Junior"]) if level is None else level
    skills, words = FAMILIES[family]
    required = rng.sample(skills, 3)
    rest = [s for s in skills if s not in required]
    nice = rng.sample(rest, min(2, len(rest)))
    remote = rng.choice(["On-site", "Hybrid", "Hybrid", "Remote"])
    return {
        "title": f"{level} {family}".strip(),
        "location": rng.choice(CITIES),
        "remote_option": remote,
        "required_skills": required,
        "nice_to_have_skills": nice,
        "min_years": LEVELS[level][0] or None,
        "description": f"We are hiring a {level} {family}. "
        + resume(required + nice, words, rng, 3)
        + f" You will own {rng.choice(words)} and {rng.choice(words)}.",
    }
