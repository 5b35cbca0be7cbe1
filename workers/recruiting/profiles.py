"""What matching reads from a job or a candidate row: skills, terms, years, place.

Pure functions over plain dicts (a row's columns), so the index, the per-row reference loop
of the benchmark and the tests all see the same features.

- Skills are recognized with the careers vocabulary and its aliases (``workers/careers/
  skills.py``): "Postgres" is PostgreSQL, "k8s" is Kubernetes. A candidate's skills are the
  ones listed plus the ones named in the headline, title, resume and notes. A job's required
  skills are the listed ones; a job that lists none requires the skills its title and
  description name. Skills the vocabulary does not know still match by folded name.
- Terms are lowercase words without stopwords, for BM25; a job's title counts twice.
- Years: a candidate's ``experience_years``, else a guess from the seniority word of the
  title (a junior or intern title also caps the experience fit for roles asking 2+ years);
  a job's ``min_years``, else the floor its title's seniority implies (junior roles also get
  a ceiling, so a principal engineer is not the best "junior" match).
- Place: city and region folded from "City, Region" (a few aliases: NYC, SF, …), and
  whether the person or job is remote.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from app.recruiting.domain.identity import fold
from workers.careers.skills import canonical, find_skills, vocabulary

_WORD = re.compile(r"[a-z][a-z0-9+#]*(?:[.-][a-z0-9+#]+)*")
_STOPWORDS = frozenset(
    """
    a about above across after again against all also am an and any are around as at be
    because been before being below between both but by can could did do does doing down
    during each either every few for from further had has have having he her here hers him
    his how however i if in into is it its just like may me might more most must my need
    needs new no nor not now of off on once only or other our ours out over own per please
    same she should so some such than that the their them then there these they this those
    through to too under until up upon us very via was we well were what when where which
    while who whom why will with within would yet you your yours etc including
    ability able apply applicants candidate candidates company environment equal excellent
    experience experienced employer familiar familiarity good great help join knowledge
    looking opportunity plus position preferred related required requirements
    responsibilities role skills solid strong team teams understanding using work working
    years year want wants hiring hire seeking
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)

# Seniority words of a title, in priority order, with the years they imply (floor, ceiling).
_SENIORITY = (
    ("intern", r"\bintern(?:ship)?\b|\btrainee\b", 0, 1),
    ("principal", r"\bprincipal\b|\bdistinguished\b", 10, None),
    ("staff", r"\bstaff\b", 8, None),
    ("director", r"\bdirector\b|\bhead of\b|\bvp\b", 10, None),
    ("lead", r"\blead\b", 6, None),
    ("senior", r"\bsenior\b|\bsr\b", 5, None),
    ("mid", r"\bmid(?:-level| level)?\b|\bintermediate\b", 2, None),
    ("junior", r"\bjunior\b|\bjr\b|\bentry[- ]level\b|\bgraduate\b|\bnew grad\b", 0, 2),
)
_SENIORITY_RES = tuple((name, re.compile(cue, re.I), lo, hi) for name, cue, lo, hi in _SENIORITY)
JUNIOR_LEVELS = ("intern", "junior")
# A candidate without stated years: the middle of the band their title implies.
_TYPICAL_YEARS = {
    "intern": 0,
    "junior": 1,
    "mid": 3,
    "senior": 7,
    "lead": 8,
    "staff": 10,
    "principal": 13,
    "director": 13,
}

_CITY_ALIASES = {
    "nyc": "new york",
    "new york city": "new york",
    "ny": "new york",
    "manhattan": "new york",
    "brooklyn": "new york",
    "sf": "san francisco",
    "bay area": "san francisco",
    "sf bay area": "san francisco",
    "la": "los angeles",
    "washington dc": "washington",
    "dc": "washington",
    "bengaluru": "bangalore",
    "münchen": "munich",
    "munchen": "munich",
}
_REMOTE_WORDS = re.compile(r"\b(remote|anywhere|distributed|work from home|wfh)\b", re.I)


@dataclass
class Place:
    city: str | None = None
    region: str | None = None
    remote: bool = False


@dataclass
class Features:
    skills: set[str] = field(default_factory=set)  # candidates: what they have
    required: set[str] = field(default_factory=set)  # jobs
    nice: set[str] = field(default_factory=set)  # jobs
    terms: Counter = field(default_factory=Counter)
    years: float | None = None  # candidate: experience; job: floor
    junior_title: bool = False  # candidate: the title says junior, graduate or intern
    max_years: float | None = None  # job: ceiling (junior roles)
    place: Place = field(default_factory=Place)
    remote_option: str | None = None  # job


def skill_key(name: str) -> str:
    """The one spelling of a skill: the vocabulary's canonical name, or the folded name."""
    known = vocabulary().canonical(name)
    return known if known else fold(canonical(name))


def skills_in(text: str) -> set[str]:
    return {name for name, _, _ in find_skills(text)} if text else set()


def terms(text: str) -> Counter:
    return Counter(w for w in _WORD.findall((text or "").lower()) if w not in _STOPWORDS)


def seniority(title: str | None) -> tuple[str, int, int | None] | None:
    for name, pattern, lo, hi in _SENIORITY_RES:
        if title and pattern.search(title):
            return name, lo, hi
    return None


def place(location: str | None) -> Place:
    if not location or not location.strip():
        return Place()
    remote = bool(_REMOTE_WORDS.search(location))
    text = _REMOTE_WORDS.sub(" ", location)
    parts = [fold(p) for p in re.split(r"[,/(|)]", text)]
    parts = [p for p in parts if p]
    if not parts:
        return Place(remote=remote)
    city = _CITY_ALIASES.get(parts[0], parts[0])
    region = parts[1] if len(parts) > 1 else None
    if region in ("ny", "nyc") and city == "new york":
        region = "ny"
    return Place(city=city, region=region, remote=remote)


def _text(*parts) -> str:
    return "\n".join(p for p in parts if p)


def candidate_features(row: dict) -> Features:
    prose = _text(row.get("headline"), row.get("current_title"), row.get("resume_text"))
    prose = _text(prose, row.get("notes"))
    listed = {skill_key(s) for s in row.get("skills") or [] if s and s.strip()}
    years = row.get("experience_years")
    level = seniority(row.get("current_title")) or seniority(row.get("headline"))
    if years is None:
        years = _TYPICAL_YEARS[level[0]] if level else None
    words = terms(prose)
    words.update(terms(" ".join(row.get("skills") or [])))
    return Features(
        skills=listed | skills_in(prose),
        terms=words,
        years=float(years) if years is not None else None,
        junior_title=bool(level and level[0] in JUNIOR_LEVELS),
        place=place(row.get("location")),
    )


def job_features(row: dict) -> Features:
    title, description = row.get("title") or "", row.get("description") or ""
    required = {skill_key(s) for s in row.get("required_skills") or [] if s and s.strip()}
    nice = {skill_key(s) for s in row.get("nice_to_have_skills") or [] if s and s.strip()}
    if not required:
        required = skills_in(_text(title, description)) - nice
    words = terms(_text(title, title, description))
    words.update(terms(" ".join([*(row.get("required_skills") or []), *sorted(required)])))
    level = seniority(title)
    floor = row.get("min_years")
    ceiling = None
    if level is not None:
        ceiling = level[2]
        if floor is None:
            floor = level[1] or None
    remote_option = row.get("remote_option")
    where = place(row.get("location"))
    if remote_option == "Remote":
        where.remote = True
    return Features(
        required=required,
        nice=nice - required,
        terms=words,
        years=float(floor) if floor is not None else None,
        max_years=float(ceiling) if ceiling is not None else None,
        place=where,
        remote_option=remote_option or ("Remote" if where.remote and not where.city else None),
    )
