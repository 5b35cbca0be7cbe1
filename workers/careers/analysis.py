"""Job-description analysis: the requirements of a posting, and how well a candidate matches.

Offline ("naive") extraction reads the description line by line. Headings such as
"Requirements" / "What you'll need" or "Nice to have" / "Bonus points" set the section of the
lines below them; a clause can override it inline ("Rust is a plus"). Skills come from the
vocabulary matcher (:mod:`workers.careers.skills`).

Weighting is BM25 against a background corpus we do not have to ship. The background is the
vocabulary's own document-frequency estimate ``df`` (share of tech postings mentioning a
skill, per skill or per category), so the IDF term is ``ln(1 + (1 - df) / df)`` — BM25's
``ln(1 + (N - n + 0.5) / (n + 0.5))`` for a large N — and "communication" (in half of all
postings) weighs far less than "Kubernetes". The term-frequency part is BM25's saturation
``f (k1 + 1) / (f + k1 (1 - b + b |d| / avgdl))``, where each mention counts by where it
sits: the title most, requirement lines fully, the company blurb barely (a skill named only
there is at most nice to have). Plain words (for ``keywords``) use the same formula with one
generic df, below any skill's.

With an LLM, extraction is the model's JSON (validated, skills mapped onto the vocabulary);
scoring is always the deterministic formula of :func:`score_match`.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from workers.careers.skills import canonical, find_skills, skill_set, vocabulary
from workers.llm import LLMClient, LLMError

K1, B = 1.2, 0.75
AVG_DOC_WORDS = 450  # a typical posting's length in words, BM25's avgdl
WORD_DF = 0.2  # generic background df of a non-skill word
KEYWORDS = 12

# How much one mention counts, by the section it is in. "duties" are responsibilities and the
# stack the team uses (needed, if less explicitly); None is text before any heading.
SECTION_WEIGHT = {
    "title": 2.0,
    "required": 1.0,
    "duties": 0.8,
    None: 0.7,
    "nice": 0.7,
    "company": 0.2,
}
REQUIRED_SECTIONS = ("title", "required", "duties", None)

LEVELS = ("bachelor", "master", "phd")
SENIORITIES = ("intern", "junior", "mid", "senior", "staff", "principal", "lead", "manager")

# --- reading the description -----------------------------------------------------------------

# Checked in order: "Preferred qualifications" is a nice-to-have heading, not a requirement.
_HEADINGS = (
    (
        "nice",
        r"nice[- ]to[- ]haves?|bonus|pluses|\bplus\b|extra credit|preferred|desired"
        r"|desirable|good to have|stand out|even better|ideally",
    ),
    (
        "company",
        r"^about (?!(?:the|this) (?:role|job|position)|you\b)|who we are|benefits|perks"
        r"|what we offer|why join|compensation|salary|equal (?:opportunity|employment)|life at"
        r"|our (?:mission|culture|values|story)",
    ),
    (
        "duties",
        r"responsibilit|what you'?ll (?:do|work on|be doing)|what you will (?:do|be)"
        r"|(?:the|your|this) role|day[- ]to[- ]day|your impact|duties|tech(?:nology)? stack"
        r"|our stack|tools we use",
    ),
    (
        "required",
        r"requirement|required|qualifications?|what you'?ll (?:need|bring)"
        r"|what you need|looking for|what we look for|must[- ]haves?|you have|you bring"
        r"|about you|who you are|your profile|skills|experience|minimum|you should have"
        r"|we expect|ideal candidate",
    ),
)
_HEADING_RES = tuple((kind, re.compile(rf"(?:{cue})", re.I)) for kind, cue in _HEADINGS)
_INLINE_NICE = re.compile(
    r"nice[- ]to[- ]have|(?:is|are|would be) (?:a |an )?(?:big |huge |strong |real )?"
    r"(?:plus|bonus|advantage)|\bbonus\b|\bpreferred\b|\bpreferably\b|\bideally\b"
    r"|\bdesirable\b|\bnot required\b|\ba plus\b",
    re.I,
)
_NICE_HINTS = ("nice", "plus", "bonus", "advantage", "prefer", "ideal", "desirable", "not required")
_INLINE_REQUIRED = re.compile(r"\b(?:required|must[- ]have|must)\b", re.I)
_BULLET = re.compile(r"^(?:[-*•·▪◦‣–]|\d{1,2}[.)])\s+")
_CLAUSE_END = re.compile(r";\s*|(?<=[.!?])\s+(?=[A-Z(])")
_MAX_HEADING_WORDS = 7
_MAX_BARE_HEADING_WORDS = 5  # without a colon, a longer line is a sentence


@dataclass(frozen=True)
class Clause:
    text: str
    section: str | None


def _heading(line: str) -> tuple[str | None, str] | None:
    """(section kind, text after its colon) when the line is a heading with a known cue.

    "Requirements:" and "Tech stack: Go, Rust" are headings; "Experience with Go" is not: a
    heading without a colon must be short and name no skill and no number.
    """
    bare = line.strip("#*_ \t").replace("’", "'")
    head, colon, rest = bare.partition(":")
    if len(head.split()) > _MAX_HEADING_WORDS:
        return None
    if not colon and (
        len(bare.split()) > _MAX_BARE_HEADING_WORDS
        or bare[-1:] in ".!?"
        or re.search(r"\d", bare)
        or find_skills(bare)
    ):
        return None
    for kind, cue in _HEADING_RES:
        if cue.search(head):
            return kind, rest.strip()
    return None


def clauses(description: str) -> list[Clause]:
    """The description as clauses (sentences, bullet items), each with its section."""
    out = []
    section = None
    for raw in description.splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = _BULLET.match(line)
        content = line[bullet.end() :] if bullet else line
        heading = None if bullet else _heading(content)
        if heading is not None:
            section, content = heading
        for piece in _CLAUSE_END.split(content):
            if not piece.strip():
                continue
            out.append(Clause(piece.strip(), _inline_section(piece, section)))
    return out


def _inline_section(text: str, section: str | None) -> str | None:
    """A clause's own cue ("Rust is a plus", "Python required") overrides its section's."""
    lowered = text.lower()
    # Every cue contains one of these words: the substring test spares most clauses a regex.
    if any(h in lowered for h in _NICE_HINTS) and _INLINE_NICE.search(text):
        return "nice"
    required = "requir" in lowered or "must" in lowered
    if required and section != "company" and _INLINE_REQUIRED.search(text):
        return "required"
    return section


# --- facts: years, education, seniority, remote ---------------------------------------------

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_NUM = r"\d{1,2}|" + "|".join(_NUMBERS)
_YEARS = re.compile(
    rf"\b(?P<n>{_NUM})\s*(?:\+|plus)?\s*(?:(?:-|–|to|or)\s*(?:{_NUM})\s*\+?\s*)?(?:years?|yrs?)\b",
    re.I,
)
_EXPERIENCE_CONTEXT = re.compile(
    r"experience|professional|industry|hands-on|working|track record|background", re.I
)
# "MS" and "BS" are degrees only next to degree words ("BS/MS in", "MS or PhD", "BS degree").
_DEGREE_NEXT = r"(?=\s*(?:/|,|in\b|or\b|degree))"
_EDUCATION = (
    ("phd", re.compile(r"\bph\.?\s?d\b|\bdoctora(?:te|l)\b", re.I)),
    (
        "master",
        re.compile(rf"\bmaster'?s?\b|\bm\.?sc\b|\bmba\b|(?-i:\bMS\b{_DEGREE_NEXT}|\bM\.S\.)", re.I),
    ),
    (
        "bachelor",
        re.compile(
            rf"\bbachelor'?s?\b|\bb\.?sc\b|(?-i:\bB[AS]\b{_DEGREE_NEXT}|\bB\.[AS]\.)"
            r"|\b(?:undergraduate|university|college|4-year|four-year) degree\b|\bdegree in\b",
            re.I,
        ),
    ),
)
# In priority order: "Senior Engineering Manager" manages, "Staff Engineer, Lead" is staff.
_SENIORITY_TITLE = (
    ("intern", r"\bintern(?:ship)?\b|\bco-?op\b|\btrainee\b"),
    ("manager", r"\bmanager\b|\bhead of\b|\bdirector\b|\bvp\b|\bvice president\b"),
    ("principal", r"\bprincipal\b"),
    ("staff", r"\bstaff\b"),
    ("lead", r"\blead\b"),
    ("senior", r"\bsenior\b|\bsr\b\.?|\biii\b"),
    ("mid", r"\bmid(?:-level| level)?\b|\bintermediate\b|\bii\b"),
    ("junior", r"\bjunior\b|\bjr\b\.?|\bentry[- ]level\b|\bgraduate\b|\bnew grad\b"),
)
_SENIORITY_RES = tuple((level, re.compile(cue, re.I)) for level, cue in _SENIORITY_TITLE)
_JUNIOR_TEXT = re.compile(r"\bentry[- ]level\b|\bnew grads?\b|\brecent graduates?\b", re.I)
_REMOTE_YES = re.compile(
    r"\bfully remote\b|\bremote[- ](?:first|friendly|only|position|role)\b|\b100% remote\b"
    r"|\bwork from anywhere\b|\bthis (?:role|position) is remote\b|\bremote within\b",
    re.I,
)
_REMOTE_NO = re.compile(r"\bon-?site\b|\bin[- ](?:the[- ])?office\b|\bhybrid\b", re.I)


def years_required(items: Iterable[Clause]) -> int | None:
    """The most years of experience any requirement clause asks for (ranges: the minimum)."""
    years = []
    for clause in items:
        lowered = clause.text.lower()
        # The substring test spares the regexes almost every clause.
        if "year" not in lowered and "yr" not in lowered:
            continue
        if clause.section in REQUIRED_SECTIONS and _EXPERIENCE_CONTEXT.search(lowered):
            years += [_NUMBERS.get(n) or int(n) for n in _YEARS.findall(lowered)]
    return max(years) if years else None


def education_levels(text: str) -> set[str]:
    return {level for level, pattern in _EDUCATION if pattern.search(text)}


def _education_required(items: Iterable[Clause]) -> str | None:
    """The lowest degree a requirement clause accepts ("BS/MS" asks for a bachelor)."""
    found = education_levels("\n".join(c.text for c in items if c.section in REQUIRED_SECTIONS))
    return next((level for level in LEVELS if level in found), None)


def _seniority(title: str, description: str, years: int | None) -> str | None:
    for level, pattern in _SENIORITY_RES:
        if pattern.search(title):
            return level
    if _JUNIOR_TEXT.search(description):
        return "junior"
    if years is None:
        return None
    # No word for it anywhere: the years asked for are the best remaining evidence.
    return "senior" if years >= 5 else "mid" if years >= 2 else "junior"


def _remote(posting: dict) -> bool | None:
    if isinstance(posting.get("remote"), bool):
        return posting["remote"]
    workplace = (posting.get("workplace_type") or "").lower()
    if "remote" in workplace:
        return True
    if workplace and any(w in workplace for w in ("site", "office", "hybrid")):
        return False
    if "remote" in (posting.get("location") or "").lower():
        return True
    text = posting.get("description") or ""
    if _REMOTE_YES.search(text):
        return True
    if _REMOTE_NO.search(text):
        return False
    return None


# --- weights ---------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z0-9+#'-]{2,}")
# English function words and posting boilerplate, never keywords.
_STOPWORD_TEXT = """
    about above across after again against all also and any are around as at be because been
    before being below between both but by can could did does doing down during each either
    every few for from further had has have having here how however if in into is it its
    just like may might more most must need needs new no nor not now of off on once only or
    other our ours out over own per please same should so some such than that the their them
    then there these they this those through to too under until up upon very via was we well
    were what when where which while who whom why will with within would yet you your yours
    ability able adding apply applicants based best build building candidate candidates
    company day do environment equal etc excellent experience experienced employer familiar
    familiarity good great help high join knowledge looking make opportunity plus position
    preferred related required requirements responsibilities role skills solid strong team
    teams understanding using work working world years year including want wants
    it's we're you'll we'll you're they're us one two three four five within
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def words(text: str) -> list[str]:
    """The plain words of a text, lowercased (keywords are made of these)."""
    return _WORD.findall(text.lower())


def _bm25(frequency: float, doc_words: int, df: float) -> float:
    saturation = frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * doc_words / AVG_DOC_WORDS))
    return saturation * math.log(1 + (1 - df) / df)


def _ranked(weights: dict[str, float]) -> list[str]:
    return [name for name, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))]


def extract_requirements(posting: dict) -> dict:
    title = posting.get("title") or ""
    description = posting.get("description") or ""
    items = [Clause(title, "title"), *clauses(description)]
    doc_words = max(1, len(description.split()))
    vocab = vocabulary()

    needed: dict[str, float] = defaultdict(float)  # mention weight in requirement sections
    optional: dict[str, float] = defaultdict(float)  # in nice-to-have sections
    terms: dict[str, float] = defaultdict(float)
    for clause in items:
        weight = SECTION_WEIGHT[clause.section]
        text = clause.text
        for name, start, end in find_skills(text):
            (needed if clause.section in REQUIRED_SECTIONS else optional)[name] += weight
            text = text[:start] + " " * (end - start) + text[end:]  # words outside skills only
        for word in words(text):
            if word not in _STOPWORDS:
                terms[word] += weight

    def weigh(freq: dict[str, float]) -> dict[str, float]:
        return {n: _bm25(f, doc_words, vocab.skills[n].df) for n, f in freq.items()}

    required = weigh(needed)
    nice = weigh({n: f for n, f in optional.items() if n not in needed})
    plain = {w: _bm25(f, doc_words, WORD_DF) for w, f in terms.items()}
    years = years_required(items)
    return {
        "required_skills": _ranked(required),
        "nice_to_have_skills": _ranked(nice),
        "years_experience": years,
        "education": _education_required(items),
        "seniority": _seniority(title, description, years),
        "location": (posting.get("location") or "").strip() or None,
        "remote": _remote(posting),
        "keywords": _ranked({**plain, **required, **nice})[:KEYWORDS],
    }


def skill_weights(requirements: dict) -> dict[str, float]:
    """Importance of each skill a job names, from its rank: ``1 / log2(rank + 2)`` (the DCG
    discount), halved for nice-to-haves. Ranks, not raw BM25 weights, so that LLM-extracted
    requirements (which carry no weights) are scored the same way."""
    weights: dict[str, float] = {}
    for factor, key in ((1.0, "required_skills"), (0.5, "nice_to_have_skills")):
        for rank, name in enumerate(requirements.get(key) or ()):
            weights.setdefault(name, factor / math.log2(rank + 2))
    return weights


# --- matching --------------------------------------------------------------------------------

MATCH_WEIGHTS = {
    "skills": 0.55,
    "nice_to_have": 0.10,
    "experience": 0.15,
    "location": 0.12,
    "education": 0.08,
}
UNKNOWN = 0.5  # the candidate did not say: neither a fit nor a gap


def section_lines(section: dict) -> list[str]:
    """The lines of one resume section: entry titles, organizations, bullets, items."""
    lines = []
    for entry in section.get("entries") or ():
        lines += [entry.get("title") or "", entry.get("organization") or ""]
        lines += entry.get("bullets") or []
    lines += section.get("items") or []
    return [line for line in lines if line]


def resume_text(resume: dict | None, kinds: Iterable[str] | None = None) -> str:
    """The resume's words (summary and every section), or only those of some section kinds."""
    if not resume:
        return ""
    lines = [resume.get("summary") or ""] if kinds is None else []
    for section in resume.get("sections") or ():
        if kinds is None or section.get("kind") in kinds:
            lines += section_lines(section)
    return "\n".join(line for line in lines if line)


def candidate_skills(profile: dict, resume: dict | None, names: Iterable[str] = ()) -> set[str]:
    """Skills the profile lists plus those the resume mentions (``names``: job skills that the
    vocabulary may not know, looked for literally)."""
    have = {canonical(s) for s in profile.get("skills") or () if s and s.strip()}
    return have | skill_set(resume_text(resume), extra=names)


def _coverage(names: list[str], weights: dict[str, float], have: set[str]) -> float | None:
    total = sum(weights[n] for n in names)
    return sum(weights[n] for n in names if n in have) / total if names else None


def _location_fit(requirements: dict, profile: dict) -> tuple[float | None, str]:
    remote, where = requirements.get("remote"), requirements.get("location")
    preference = profile.get("remote_preference") or "any"
    if remote is True:
        fit = {"hybrid": 0.8, "onsite": 0.6}.get(preference, 1.0)
        return fit, "remote role"
    if not where:
        return None, ""
    places = [set(re.findall(r"\w+", p.lower())) for p in profile.get("locations") or () if p]
    near = any(place & set(re.findall(r"\w+", where.lower())) for place in places)
    if remote is False and preference == "remote":
        return (0.5 if near else 0.0), f"{where}, not remote"
    if not places:
        return UNKNOWN, where
    return (1.0 if near else 0.2), where


def _experience_fit(need: int | None, years: float | None) -> float | None:
    if need is None:
        return None
    if years is None:
        return UNKNOWN
    return min(1.0, years / need) if need else 1.0


def score_match(requirements: dict, profile: dict, resume: dict | None = None) -> dict:
    """A deterministic match score in [0, 1].

    ``score = sum(w_k * s_k) / sum(w_k)`` over the components that apply (a job that asks for
    no degree has no education component), with weights ``MATCH_WEIGHTS``:

    - skills: the share of required-skill importance the candidate covers, importance being
      :func:`skill_weights` (earlier-ranked skills count more); nice_to_have: the same for
      nice-to-haves. The candidate's skills are the profile's plus any the resume mentions.
    - experience: ``min(1, years / years required)``; 0.5 when the profile states no years.
    - location: 1 for a remote job (0.8 / 0.6 if the candidate prefers hybrid / on-site);
      otherwise 1 when a profile location shares a place name (city, region or country) with
      the job's, 0.2 when not
      (relocation), 0.5 / 0 for a non-remote job when the candidate wants remote only, and
      0.5 when the profile names no place.
    - education: 1 when the resume's highest degree reaches the one asked for, 0 when below,
      0.5 when the resume shows none.

    A job with nothing to compare scores 0. Strengths and gaps list skill names first
    (required, in the job's order), then one line per other component.
    """
    weights = skill_weights(requirements)
    required = list(requirements.get("required_skills") or ())
    nice = list(requirements.get("nice_to_have_skills") or ())
    have = candidate_skills(profile, resume, weights)
    matched = [n for n in required if n in have]
    missing = [n for n in required if n not in have]
    strengths = matched + [f"{n} (nice to have)" for n in nice if n in have]
    gaps = list(missing)

    need, years = requirements.get("years_experience"), profile.get("years_experience")
    location, place = _location_fit(requirements, profile)
    parts: dict[str, float | None] = {
        "skills": _coverage(required, weights, have),
        "nice_to_have": _coverage(nice, weights, have),
        "experience": _experience_fit(need, years),
        "location": location,
        "education": None,
    }
    if need is not None and years is not None:
        (strengths if years >= need else gaps).append(
            f"{years:g} years of experience ({need}+ asked)"
        )
    if location is not None:
        (strengths if location >= 0.8 else gaps).append(f"Location: {place}")
    degree = requirements.get("education")
    if degree in LEVELS:
        held = education_levels(resume_text(resume, kinds=("education",)))
        best = max((LEVELS.index(level) for level in held), default=None)
        parts["education"] = UNKNOWN if best is None else float(best >= LEVELS.index(degree))
        if best is not None:
            note = f"Education: {LEVELS[best]} ({degree} asked)"
            (strengths if parts["education"] else gaps).append(note)

    applicable = {k: v for k, v in parts.items() if v is not None}
    total = sum(MATCH_WEIGHTS[k] for k in applicable)
    score = sum(MATCH_WEIGHTS[k] * v for k, v in applicable.items()) / total if total else 0.0
    return {
        "score": round(score, 3),
        "strengths": strengths,
        "gaps": gaps,
        "strategy": "naive",
        "breakdown": {k: None if v is None else round(v, 3) for k, v in parts.items()},
        "matched_skills": matched,
        "missing_skills": missing,
        "missing_nice_to_have": [n for n in nice if n not in have],
    }


# --- the task body ---------------------------------------------------------------------------

EXTRACTION_PROMPT = f"""You extract the requirements of a job posting. Answer with one JSON \
object and nothing else, with exactly these keys:
"required_skills": list of strings, the skills, technologies and competencies the job \
requires, most important first;
"nice_to_have_skills": list of strings, the ones it calls optional, preferred or a bonus;
"years_experience": integer or null, the minimum years of experience required;
"education": one of {json.dumps(list(LEVELS))} or null, the minimum degree required;
"seniority": one of {json.dumps(list(SENIORITIES))} or null;
"location": string or null; "remote": true, false or null;
"keywords": list of at most {KEYWORDS} strings that characterise the role.
Use only what the posting says; use null or an empty list when it does not say."""


def _posting_prompt(posting: dict) -> str:
    fields = ("title", "company", "location", "workplace_type", "employment_type", "department")
    head = [f"{f}: {posting[f]}" for f in fields if posting.get(f)]
    if posting.get("remote") is not None:
        head.append(f"remote: {posting['remote']}")
    return "\n".join(head) + "\n\n" + (posting.get("description") or "")


def _names(data: dict, key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LLMError(f"LLM answer: {key} must be a list of strings")
    seen: dict[str, None] = {}
    for name in value:
        if name.strip():
            seen.setdefault(canonical(name))
    return list(seen)


def _choice(data: dict, key: str, choices: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in choices:
        raise LLMError(f"LLM answer: {key} must be one of {', '.join(choices)} or null")
    return value.lower()


def validate_llm_requirements(data: dict) -> dict:
    """The model's JSON checked and normalized into the shape :func:`extract_requirements`
    returns. Both skill lists must be present; the other keys may be absent (null)."""
    for key in ("required_skills", "nice_to_have_skills"):
        if key not in data:
            raise LLMError(f"LLM answer lacks {key}")
    required = _names(data, "required_skills")
    years = data.get("years_experience")
    if isinstance(years, float) and years.is_integer():
        years = int(years)
    if years is not None and (isinstance(years, bool) or not isinstance(years, int) or years < 0):
        raise LLMError("LLM answer: years_experience must be a whole number or null")
    location, remote = data.get("location"), data.get("remote")
    if location is not None and not isinstance(location, str):
        raise LLMError("LLM answer: location must be a string or null")
    if remote is not None and not isinstance(remote, bool):
        raise LLMError("LLM answer: remote must be true, false or null")
    return {
        "required_skills": required,
        "nice_to_have_skills": [
            n for n in _names(data, "nice_to_have_skills") if n not in required
        ],
        "years_experience": years,
        "education": _choice(data, "education", LEVELS),
        "seniority": _choice(data, "seniority", SENIORITIES),
        "location": (location or "").strip() or None,
        "remote": remote,
        "keywords": _names(data, "keywords")[:KEYWORDS],
    }


Stage = Callable[[str, int], None] | None
Token = Callable[[str], None] | None


def analyze(
    posting: dict,
    profile: dict,
    resume: dict | None,
    *,
    llm: LLMClient | None = None,
    on_stage: Stage = None,
    on_token: Token = None,
) -> dict:
    """Requirements, then the match. With ``llm`` the extraction is the model's (a failure is
    an :class:`LLMError`, never a quiet fallback to the offline strategy)."""
    if on_stage:
        on_stage("extracting_requirements", 30)
    if llm is None:
        requirements, strategy = extract_requirements(posting), "naive"
    else:
        answer = llm.complete_json(EXTRACTION_PROMPT, _posting_prompt(posting), on_token)
        requirements, strategy = validate_llm_requirements(answer), "openai"
    if on_stage:
        on_stage("scoring_match", 70)
    return {
        "requirements": requirements,
        "match": score_match(requirements, profile or {}, resume),
        "strategy": strategy,
    }
