"""Pieces both field extractors use: labelled lines, locations, skills, title case."""

from __future__ import annotations

import re

from workers.careers.skills import find_skills

# Metro names people write, and how the job board spells them.
CITY_ALIASES = {
    "nyc": "New York, NY",
    "new york": "New York, NY",
    "new york city": "New York, NY",
    "manhattan": "New York, NY",
    "brooklyn": "New York, NY",
    "sf": "San Francisco, CA",
    "san francisco": "San Francisco, CA",
    "bay area": "San Francisco Bay Area, CA",
    "la": "Los Angeles, CA",
    "los angeles": "Los Angeles, CA",
    "seattle": "Seattle, WA",
    "boston": "Boston, MA",
    "austin": "Austin, TX",
    "chicago": "Chicago, IL",
    "denver": "Denver, CO",
    "atlanta": "Atlanta, GA",
    "miami": "Miami, FL",
    "washington dc": "Washington, DC",
    "dc": "Washington, DC",
    "london": "London, UK",
    "berlin": "Berlin, Germany",
    "paris": "Paris, France",
    "amsterdam": "Amsterdam, Netherlands",
    "dublin": "Dublin, Ireland",
    "toronto": "Toronto, Canada",
    "vancouver": "Vancouver, Canada",
    "munich": "Munich, Germany",
    "madrid": "Madrid, Spain",
    "barcelona": "Barcelona, Spain",
    "lisbon": "Lisbon, Portugal",
    "stockholm": "Stockholm, Sweden",
    "zurich": "Zurich, Switzerland",
    "singapore": "Singapore",
    "sydney": "Sydney, Australia",
    "bangalore": "Bangalore, India",
    "bengaluru": "Bangalore, India",
    "tel aviv": "Tel Aviv, Israel",
}
_CITY = re.compile(
    r"(?<![\w-])("
    + "|".join(sorted(map(re.escape, CITY_ALIASES), key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)
# "City, ST" or "City, Country": a capitalised place and its region.
_PLACE = re.compile(
    r"\b([A-Z][a-zA-Z.'-]+(?: [A-Z][a-zA-Z.'-]+){0,2}), ?"
    r"([A-Z]{2}\b|(?:USA|UK|Germany|France|Canada|India|Spain|Netherlands|Ireland|Portugal|Poland"
    r"|Sweden|Switzerland|Australia|Israel|Brazil|Mexico|Japan|Singapore|Italy|Austria|Denmark"
    r"|Norway|Finland|Belgium|United States|United Kingdom))\b"
)
# Two upper-case letters that follow a comma but are no region.
_NOT_REGIONS = {"OR", "IT", "HR", "UI", "UX", "QA", "AI", "ML", "BI", "PM", "JS", "TS"}


def label_value(text: str, *labels: str) -> str | None:
    """The value of a "Label: value" line (any of ``labels``, any case), trimmed."""
    names = "|".join(re.escape(label) for label in labels)
    match = re.search(rf"(?im)^[ \t*_#>-]*(?:{names})[ \t*_]*[:\-–][ \t]*(.+)$", text)
    if match is None:
        return None
    return match.group(1).strip(" \t*_|:") or None


def find_location(text: str) -> str | None:
    """The first place the text names: a known metro ("NYC"), or "City, ST" / "City, Country"."""
    labelled = label_value(text, "location", "office", "based in", "city")
    if labelled:
        known = _CITY.search(labelled)
        return (
            CITY_ALIASES[known.group(1).lower()]
            if known and known.group(0) == labelled.strip()
            else labelled[:200]
        )
    candidates = []
    for match in _PLACE.finditer(text):
        if match.group(2) not in _NOT_REGIONS:
            candidates.append((match.start(), f"{match.group(1)}, {match.group(2)}"))
            break
    for match in _CITY.finditer(text):
        word = match.group(1)
        # Short aliases (LA, SF, DC) only in capitals: "la" and "dc" are words too.
        if len(word) <= 3 and not word.isupper():
            continue
        candidates.append((match.start(), CITY_ALIASES[word.lower()]))
        break
    return min(candidates)[1] if candidates else None


def skills_in(text: str) -> list[str]:
    """Canonical skills in order of first mention, each once."""
    seen: dict[str, None] = {}
    for name, _, _ in find_skills(text):
        seen.setdefault(name, None)
    return list(seen)


_SMALL = {"and", "or", "of", "the", "for", "in", "at", "to", "a", "an", "with"}
_KEEP = {
    "ios": "iOS",
    "devops": "DevOps",
    "qa": "QA",
    "ml": "ML",
    "ai": "AI",
    "ui": "UI",
    "ux": "UX",
    "sre": "SRE",
    "vp": "VP",
    "cto": "CTO",
    "ceo": "CEO",
    "hr": "HR",
    "it": "IT",
    "api": "API",
    "frontend": "Frontend",
    "backend": "Backend",
    "fullstack": "Fullstack",
}


def title_case(text: str) -> str:
    words = []
    for i, word in enumerate(text.split()):
        low = word.lower()
        if low in _KEEP:
            words.append(_KEEP[low])
        elif i and low in _SMALL:
            words.append(low)
        elif word.isupper() and len(word) > 1 or any(c.isupper() for c in word[1:]):
            words.append(word)  # an acronym or a brand's own casing
        else:
            words.append(word[:1].upper() + word[1:].lower())
    return " ".join(words)


def first_lines(text: str, count: int = 8) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()][:count]


_SECTIONING = re.compile(r"\\(?:sub)*section\*?\{([^{}]*)\}")


def latex_lines(source: str) -> str:
    """A LaTeX job req as lines of text: headings and list items on lines of their own (the
    careers LaTeX reader renders the markup; the line structure is what the fields need)."""
    from workers.careers.resumes import latex_text

    try:
        body = latex_text.strip_comments(source)
        document = re.search(r"\\begin\{document\}(.*?)(?:\\end\{document\}|$)", body, re.S)
        body = document.group(1) if document else body
        body = _SECTIONING.sub(lambda m: f"\n{m.group(1)}\n", body)
        body = re.sub(r"\\item\b", "\n- ", body).replace("\\\\", "\n")
        lines = (latex_text.to_text(line).strip() for line in body.split("\n"))
        return "\n".join(line for line in lines if line)
    except (ValueError, RecursionError):  # markup the reader cannot take: the source as is
        return source
