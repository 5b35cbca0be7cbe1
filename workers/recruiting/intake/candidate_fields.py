"""A candidate's fields out of a resume's text.

Markdown and LaTeX resumes go through the careers importer (it knows their layouts); text out
of PDF, DOCX or TXT is read line by line here: contact lines at the top, section headings,
and roles recognised by their date ranges. Years of experience are the union of the dated
roles (overlaps counted once, education never), not a sum.
"""

from __future__ import annotations

import re
from datetime import date

from workers.recruiting.intake.common import find_location, skills_in

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
_PHONE = re.compile(r"(?<![\w/])\+?\d[\d\s().-]{7,}\d(?![\w/])")
_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:[\w-]+\.)+(?:com|io|dev|me|org|net|app|co|ai|xyz|page|site)"
    r"(?:/[\w./%#?=&~+-]*)?",
    re.I,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_POINT = (
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*,?\s*(?:19|20)\d{2}"
    r"|\d{1,2}/(?:19|20)\d{2}|(?:19|20)\d{2}|present|current|now|today)"
)
_RANGE = re.compile(rf"({_POINT})\s*(?:-|–|—|--|to|until)\s*({_POINT})", re.I)
_SECTION = re.compile(
    r"^(?:(?:work|professional|relevant)\s+)?"
    r"(experience|employment(?: history)?|work history|career|education|skills|technical skills"
    r"|projects|summary|profile|about(?: me)?|certifications"
    r"|publications|awards|languages|interests|volunteering)\s*:?$",
    re.I,
)
_ROLE_NOUN = re.compile(
    r"\b(?:engineer|developer|programmer|designer|manager|scientist|analyst|architect|lead"
    r"|director|consultant|specialist|intern|administrator|officer|head|founder|cto|ceo|vp"
    r"|recruiter|researcher|sre|devops)\b",
    re.I,
)
_YEARS_CLAIM = re.compile(
    r"(\d{1,2})\+?\s*(?:years|yrs)(?:\s+of)?\s+(?:professional\s+)?experience", re.I
)
_SPLIT = re.compile(r"\s+(?:at|@)\s+|\s*[|•·,]\s*|\s+[-–—]\s+")


def _point(text: str, today: date, end: bool) -> tuple[int, int] | None:
    text = text.strip().lower()
    if text in ("present", "current", "now", "today"):
        return today.year, today.month
    if m := re.match(r"(\d{1,2})/((?:19|20)\d{2})", text):
        return int(m.group(2)), max(1, min(12, int(m.group(1))))
    if m := re.match(r"([a-z]{3})[a-z]*\.?\s*,?\s*((?:19|20)\d{2})", text):
        return int(m.group(2)), _MONTHS.get(m.group(1), 1)
    if m := re.match(r"((?:19|20)\d{2})", text):
        return int(m.group(1)), 12 if end else 1
    return None


def months_between(start: tuple[int, int], end: tuple[int, int]) -> int:
    return max(0, (end[0] - start[0]) * 12 + end[1] - start[1] + 1)


def experience_years(spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> int | None:
    """Whole years covered by the union of (start, end) month spans; None without spans."""
    if not spans:
        return None
    months: set[int] = set()
    for start, end in spans:
        first, last = start[0] * 12 + start[1], end[0] * 12 + end[1]
        months.update(range(first, last + 1))
    return len(months) // 12


def _span(dates: str, today: date):
    match = _RANGE.search(dates)
    if match is None:
        return None
    start, end = _point(match.group(1), today, False), _point(match.group(2), today, True)
    if start is None or end is None or end < start:
        return None
    return start, end


def extract_candidate(
    text: str, fmt: str = "text", notes: str | None = None, today: date | None = None
) -> dict:
    today = today or date.today()
    structured = _structured(text, fmt)
    plain = structured.pop("text", None) or text
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    header = lines[:8]
    found = _read_lines(lines, today)
    contact = structured.get("contact", {})
    roles = structured.get("roles") or found["roles"]
    name = contact.get("name") or found["name"]
    emails = _EMAIL.findall(plain)
    phones = [p for p in _PHONE.findall("\n".join(header)) if len(re.sub(r"\D", "", p)) >= 9]
    header_urls = _URL.findall("\n".join(header))
    links = _links(structured.get("links", []) + header_urls, emails, _URL.findall(plain))
    spans = [r["span"] for r in roles if r.get("span")]
    current = _current(roles)
    years = experience_years(spans)
    if years is None and (claim := _YEARS_CLAIM.search(plain)):
        years = int(claim.group(1))
    skills = skills_in(plain)
    headline = structured.get("headline") or found["headline"] or (current or {}).get("title")
    location = contact.get("location") or find_location("\n".join(header))
    extracted = _notes(skills, roles)
    if notes and notes.strip():
        extracted = f"{extracted}\n\nAdditional recruiter notes: {notes.strip()}".strip()
    return {
        "full_name": name or "Unknown candidate",
        "email": (contact.get("email") or (emails[0] if emails else None)),
        "phone": contact.get("phone") or (phones[0].strip() if phones else None),
        "headline": headline[:200] if headline else None,
        "location": location,
        "experience_years": years,
        "current_title": (current or {}).get("title") or None,
        "current_company": (current or {}).get("company") or None,
        "linkedin_url": links.get("linkedin"),
        "github_url": links.get("github"),
        "website_url": links.get("website"),
        "skills": skills,
        "notes": extracted[:5000],
        "roles": [
            {"title": r.get("title"), "company": r.get("company"), "dates": r.get("dates")}
            for r in roles
        ][:30],
    }


def _structured(text: str, fmt: str) -> dict:
    """Markdown / LaTeX through the careers importer; {} if it cannot read the file."""
    if fmt not in ("markdown", "latex"):
        return {}
    from workers.careers.resumes import ResumeParseError, parse_resume

    try:
        parsed = parse_resume(text, fmt)
    except (ResumeParseError, ValueError):
        return {}
    contact = parsed.get("contact") or {}
    roles = []
    for section in parsed.get("sections") or ():
        if section.get("kind") != "experience":
            continue
        for entry in section.get("entries") or ():
            dates = f"{entry.get('start', '')} - {entry.get('end', '') or entry.get('start', '')}"
            roles.append(
                {
                    "title": entry.get("title") or "",
                    "company": entry.get("organization") or "",
                    "dates": dates.strip(" -"),
                    "span": _span(dates, date.today()),
                }
            )
    out: dict = {"contact": contact, "roles": roles, "links": list(contact.get("links") or ())}
    summary = (parsed.get("summary") or "").strip()
    if summary and len(summary.split(".")[0]) <= 120:
        out["headline"] = summary.split(".")[0]
    if fmt == "latex":
        out["text"] = _latex_text(parsed, text)
    return out


def _latex_text(parsed: dict, source: str) -> str:
    parts = [parsed.get("summary") or ""]
    for section in parsed.get("sections") or ():
        parts.append(section.get("title") or "")
        parts.extend(section.get("items") or ())
        for entry in section.get("entries") or ():
            parts.append(" ".join(filter(None, [entry.get("title"), entry.get("organization")])))
            parts.extend(entry.get("bullets") or ())
    text = "\n".join(p for p in parts if p)
    return text or source


def _is_name(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 4 or _SECTION.match(line) or _ROLE_NOUN.search(line):
        return False
    return all(re.fullmatch(r"[A-ZÀ-Þ][\w.'’-]*|[A-ZÀ-Þ]{2,}", w) for w in words)


def _read_lines(lines: list[str], today: date) -> dict:
    name = headline = None
    for i, line in enumerate(lines[:5]):
        first = re.split(r"\s*[|•·]\s*", line)[0].strip().lstrip("#").strip()
        if _is_name(first):
            name = " ".join(w.capitalize() for w in first.split()) if first.isupper() else first
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if (
                re.search(r"[A-Za-z]{3}", following)
                and not _contactish(following)
                and not _SECTION.match(following)
                and len(following) <= 100
            ):
                headline = re.split(r"\s*[|•·]\s*", following)[0].strip()
            break
    section = None
    roles: list[dict] = []
    for i, line in enumerate(lines):
        heading = _SECTION.match(line.strip("#*_ "))
        if heading:
            word = heading.group(1).lower()
            section = (
                "experience"
                if word.startswith(("experience", "employment", "work", "career"))
                else word
            )
            continue
        if section not in (None, "experience"):
            continue
        match = _RANGE.search(line)
        span = _span(line, today) if match else None
        if span is None:
            continue
        rest = (line[: match.start()] + " " + line[match.end() :]).strip(" ,|•·-–—()")
        title, company = _role_parts(rest)
        if not (title and company) and i > 0 and not _RANGE.search(lines[i - 1]):
            previous = lines[i - 1].strip(" *_#")
            if not _SECTION.match(previous) and not _contactish(previous):
                more_title, more_company = _role_parts(previous)
                title = title or more_title
                company = (
                    company or more_company or (previous if title and previous != title else "")
                )
        if title and not company and i > 1:
            # "Company — City" / title / dates: the employer sits two lines up.
            above = lines[i - 2].strip(" *_#")
            if not (
                above.startswith(("-", "•", "*"))
                or _RANGE.search(above)
                or _SECTION.match(above)
                or _contactish(above)
            ):
                company = _role_parts(above)[1] or ""
        if title or company:
            roles.append(
                {"title": title, "company": company, "dates": match.group(0), "span": span}
            )
    return {"name": name, "headline": headline, "roles": roles}


def _role_parts(text: str) -> tuple[str, str]:
    parts = [p.strip(" ,()") for p in _SPLIT.split(text) if p and p.strip(" ,()")]
    if not parts:
        return "", ""
    titled = [p for p in parts if _ROLE_NOUN.search(p)]
    if titled:
        title = titled[0]
        others = [p for p in parts if p != title and not _looks_like_place(p)]
        return title, others[0] if others else ""
    return "", parts[0] if not _looks_like_place(parts[0]) else ""


def _looks_like_place(text: str) -> bool:
    return bool(find_location(text)) and len(text.split()) <= 4 and text == text.strip()


def _contactish(line: str) -> bool:
    return bool(_EMAIL.search(line) or _URL.search(line) or len(re.sub(r"\D", "", line)) >= 7)


def _current(roles: list[dict]) -> dict | None:
    dated = [r for r in roles if r.get("span")]
    if dated:
        return max(dated, key=lambda r: (r["span"][1], r["span"][0]))
    return roles[0] if roles else None


_PROFILE = re.compile(r"^(linkedin\.com/in|github\.com)/[\w.-]+/?$", re.I)


def _links(header: list[str], emails: list[str], anywhere: list[str]) -> dict:
    """LinkedIn and GitHub profiles anywhere; a personal website only from the contact lines
    (elsewhere a URL is a project's or an employer's)."""
    mail_domains = {e.split("@", 1)[1].lower() for e in emails}
    out: dict[str, str] = {}
    profiles = [u for u in anywhere if _PROFILE.match(re.sub(r"^(?:https?://)?(?:www\.)?", "", u))]
    for raw in [*header, *profiles]:
        url = raw.rstrip(".,;)")
        bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.I)
        if bare.lower() in mail_domains or "@" in url:
            continue
        full = "https://" + bare
        profile = _PROFILE.match(bare)
        if bare.lower().startswith(("linkedin.com", "github.com")):
            if profile:
                kind = "linkedin" if profile.group(1).lower().startswith("linkedin") else "github"
                out.setdefault(kind, full.rstrip("/"))
        elif "." in bare.split("/")[0]:
            out.setdefault("website", full)
    return out


def _notes(skills: list[str], roles: list[dict]) -> str:
    lines = []
    if skills:
        lines.append("Skills: " + ", ".join(skills[:40]) + ".")
    for role in roles[:6]:
        bits = " at ".join(filter(None, [role.get("title"), role.get("company")]))
        if bits:
            lines.append(f"- {bits} ({role.get('dates') or 'undated'})")
    if len(lines) > (1 if skills else 0):
        lines.insert(1 if skills else 0, "Roles:")
    return "\n".join(lines)


STRUCTURE_PROMPT = """Extract the candidate's fields from the resume text as one JSON object with
exactly these keys (null or [] when the resume does not say; copy values as written, never
guess): full_name, email, phone, headline, location, current_title, current_company,
linkedin_url, github_url, website_url, skills (list of names)."""
_COPIED = (
    "full_name",
    "email",
    "phone",
    "headline",
    "location",
    "current_title",
    "current_company",
    "linkedin_url",
    "github_url",
    "website_url",
)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def structure_with_llm(llm, text: str, offline: dict, on_token=None) -> dict:
    """The offline fields, overridden by the model's reading where the value is really in the
    resume (compared without spaces and punctuation): a model may read a layout better, but
    it may not invent a name, a number or an employer. Years stay the offline union of dated
    roles; skills are the vocabulary's names found in the text."""
    from workers.careers.skills import skill_set

    answer = llm.complete_json(STRUCTURE_PROMPT, text[:40_000], on_token=on_token)
    fields = dict(offline)
    haystack = _squash(text)
    for key in _COPIED:
        value = answer.get(key)
        if isinstance(value, str) and value.strip() and _squash(value) in haystack:
            fields[key] = value.strip()[:300]
    named = answer.get("skills")
    if isinstance(named, list) and all(isinstance(s, str) for s in named):
        found = skill_set(text, [s[:100] for s in named[:100]])
        fields["skills"] = list(dict.fromkeys([*offline.get("skills", []), *sorted(found)]))
    return fields
