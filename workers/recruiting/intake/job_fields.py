"""A job's fields out of free text: a recruiter's prompt or an uploaded job req.

Labelled lines ("Location: …", "Salary: …") win; otherwise each field has its own reading of
the prose. Nothing is invented: a field the text does not state stays None (or empty).
"""

from __future__ import annotations

import re

from workers.recruiting.intake.common import (
    find_location,
    label_value,
    skills_in,
    title_case,
)

MAX_DESCRIPTION = 20_000

_ROLE_NOUNS = (
    "engineer|developer|programmer|designer|manager|scientist|analyst|architect|administrator"
    "|specialist|consultant|director|recruiter|writer|marketer|accountant|coordinator"
    "|representative|executive|officer|intern|technician|researcher|tester|lead|head of \\w+"
    "|sre|owner|strategist|editor|nurse|teacher|counsel|controller|associate|advocate"
)
_NOT_MODIFIERS = {
    "a",
    "an",
    "the",
    "we",
    "need",
    "needs",
    "hiring",
    "hire",
    "for",
    "new",
    "job",
    "role",
    "position",
    "looking",
    "seeking",
    "our",
    "is",
    "are",
    "to",
    "create",
    "open",
    "as",
    "with",
    "and",
    "in",
    "of",
    "on",
    "at",
    "who",
    "i",
    "you",
    "add",
    "post",
    "opening",
    "want",
    "s",
}
_ROLE = re.compile(rf"((?:[A-Za-z][\w+#./-]*\s+){{0,4}}?)\b({_ROLE_NOUNS})s?\b", re.I)

_DEPARTMENTS = (
    (re.compile(r"\bdata (?:scientist|analyst)|machine learning|\bml\b|\bai\b", re.I), "Data"),
    (
        re.compile(r"engineer|developer|programmer|\bsre\b|devops|architect|tester|\bqa\b", re.I),
        "Engineering",
    ),
    (re.compile(r"designer|\bux\b|\bui\b", re.I), "Design"),
    (re.compile(r"product (?:manager|owner|lead)", re.I), "Product"),
    (re.compile(r"sales|account executive|business development", re.I), "Sales"),
    (re.compile(r"marketing|marketer|growth|content", re.I), "Marketing"),
    (re.compile(r"recruit|talent|people|\bhr\b", re.I), "People"),
    (re.compile(r"accountant|finance|controller", re.I), "Finance"),
    (re.compile(r"support|customer success", re.I), "Customer Support"),
    (re.compile(r"legal|counsel", re.I), "Legal"),
)
_EMPLOYMENT = (
    (re.compile(r"\bfull[- ]?time\b|\bpermanent\b", re.I), "Full-time"),
    (re.compile(r"\bpart[- ]?time\b", re.I), "Part-time"),
    (re.compile(r"\bcontract(?:or)?\b|\bfreelance\b", re.I), "Contract"),
    (re.compile(r"\binternship\b|\bintern\b", re.I), "Internship"),
    (re.compile(r"\btemporary\b|\btemp\b", re.I), "Temporary"),
)
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_ONSITE = re.compile(r"\bon[- ]?site\b|\bin[- ]office\b|\bno remote\b|\bnot remote\b", re.I)
_REMOTE = re.compile(r"\bremote\b|\bwork from home\b|\bwfh\b|\bdistributed team\b", re.I)

CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CODES = "USD|EUR|GBP|CAD|AUD|CHF|INR|JPY|SEK|NOK|DKK|PLN|SGD|NZD"
_AMOUNT = (
    rf"(?:(?P<PFXcur>[$€£¥₹]|(?:{_CODES})\s?)\s?)?"
    rf"(?P<PFXnum>\d{{1,3}}(?:[,.\s]\d{{3}})+|\d+(?:\.\d+)?)\s?(?P<PFXk>[kK]\b|thousand\b)?"
)
_SALARY = re.compile(
    _AMOUNT.replace("PFX", "a")
    + r"(?:\s*(?:-|–|—|to)\s*"
    + _AMOUNT.replace("PFX", "b")
    + r")?"
    + rf"(?:\s?(?P<code>{_CODES})\b)?"
    + r"(?P<rate>\s*(?:/|per|an?)\s*(?:h|hr|hour|day|month|mo)\b)?",
)
_SALARY_WORDS = re.compile(
    r"salary|compensation|\bpay\b|\bbase\b|\bote\b|range|per year|/year|annual", re.I
)
_UP_TO = re.compile(r"(?:up to|max(?:imum)?|no more than)\s*$", re.I)
_FROM = re.compile(r"(?:from|starting at|at least|min(?:imum)?)\s*$", re.I)

_NICE_HEADING = re.compile(
    r"nice[- ]to[- ]have|bonus|preferred|pluses|a plus|nice to haves|desirable|good to have", re.I
)
_REQUIRED_HEADING = re.compile(
    r"requirements|required|must[- ]have|qualifications|what you(?:'ll)? (?:need|bring)"
    r"|you have|skills|experience with|tech stack",
    re.I,
)
_NICE_PHRASE = re.compile(
    r"\b(?:is|are|would be)?\s*(?:a )?(?:big |huge )?plus\b|\bnice[- ]to[- ]have\b|\bbonus\b"
    r"|\bpreferred\b|\bideally\b|\bdesirable\b|\bgood to have\b",
    re.I,
)


def extract_job(text: str, notes: str | None = None) -> dict:
    """The job's fields from ``text`` (and the recruiter's ``notes``, which fill gaps)."""
    body = text.strip()
    both = f"{body}\n\n{notes.strip()}" if notes and notes.strip() else body
    title = find_title(body) or find_title(both)
    salary_min, salary_max, currency = find_salary(both)
    required, nice = split_skills(body)
    description = (
        body if not notes or not notes.strip() else f"{body}\n\nRecruiter notes: {notes.strip()}"
    )
    return {
        "title": title or "Untitled role",
        "department": label_value(both, "department", "team", "dept")
        or department_for(title or ""),
        "location": find_location(both),
        "employment_type": employment_type(both),
        "remote_option": remote_option(both),
        "salary_min": salary_min,
        "salary_max": salary_max,
        "currency": currency,
        "description": description[:MAX_DESCRIPTION],
        "required_skills": required,
        "nice_to_have_skills": nice,
    }


def find_title(text: str) -> str | None:
    labelled = label_value(text, "job title", "title", "position", "role", "opening")
    if labelled and len(labelled) <= 120:
        return title_case(_strip_tail(labelled))
    for line in text.splitlines()[:3]:
        heading = line.strip().lstrip("#").strip(" *_")
        if heading and len(heading) <= 80 and _ROLE.fullmatch(heading):
            return title_case(heading)
    for match in _ROLE.finditer(text):
        words = match.group(1).split()
        # Keep the modifiers nearest the role noun up to the first that cannot be one.
        kept: list[str] = []
        for word in reversed(words):
            if word.lower().strip(",.") in _NOT_MODIFIERS or not re.match(r"^[\w+#./-]+$", word):
                break
            kept.insert(0, word)
        phrase = " ".join([*kept, match.group(2)])
        if kept or match.group(2).lower() not in (
            "lead",
            "owner",
            "associate",
            "executive",
            "officer",
        ):
            return title_case(phrase)
    return None


def _strip_tail(value: str) -> str:
    # "Senior Backend Engineer (NYC, hybrid)" -> the role itself.
    return re.split(r"\s+[-–—|(]\s*|,\s", value, maxsplit=1)[0].strip()


def department_for(title: str) -> str | None:
    for pattern, department in _DEPARTMENTS:
        if pattern.search(title):
            return department
    return None


def employment_type(text: str) -> str | None:
    labelled = label_value(text, "employment type", "job type", "type")
    for pattern, value in _EMPLOYMENT:
        if pattern.search(labelled or ""):
            return value
    hits = [(m.start(), value) for pattern, value in _EMPLOYMENT if (m := pattern.search(text))]
    return min(hits)[1] if hits else None


def remote_option(text: str) -> str | None:
    if _HYBRID.search(text):
        return "Hybrid"
    if _ONSITE.search(text):
        return "On-site"
    if _REMOTE.search(text):
        return "Remote"
    return None


def _amount(match: re.Match, prefix: str, shared_k: bool) -> int | None:
    raw = match.group(f"{prefix}num")
    if raw is None:
        return None
    if re.fullmatch(r"\d{1,3}(?:[,.\s]\d{3})+", raw):
        value = float(re.sub(r"[,.\s]", "", raw))
    else:
        value = float(raw)
    if match.group(f"{prefix}k") or shared_k:
        value *= 1000
    return int(value)


def find_salary(text: str) -> tuple[int | None, int | None, str | None]:
    """(min, max, currency) of the first yearly pay the text states."""
    for line in text.splitlines():
        for match in _SALARY.finditer(line):
            cur = match.group("acur") or match.group("bcur") or match.group("code")
            has_k = bool(match.group("ak") or match.group("bk"))
            is_range = match.group("bnum") is not None
            if match.group("rate"):
                continue  # hourly or monthly pay is not a yearly range
            if not (cur or has_k or (_SALARY_WORDS.search(line) and is_range)):
                continue
            low = _amount(match, "a", shared_k=bool(match.group("bk")) and not match.group("ak"))
            high = _amount(match, "b", shared_k=False) if is_range else None
            if (low or 0) < 1000 and (high or 0) < 1000:
                continue  # "5+ years", "3 to 5": not money
            if high is not None and high < low:
                low, high = high, low
            before = line[: match.start()]
            if high is None:
                if _UP_TO.search(before):
                    low, high = None, low
                elif not _FROM.search(before):
                    high = low
            code = CURRENCIES.get((cur or "").strip(), (cur or "").strip().upper() or None)
            return low, high, code  # no currency stated: none assumed
    return None, None, None


def split_skills(text: str) -> tuple[list[str], list[str]]:
    """(required, nice to have): a skill is nice-to-have when it appears under a nice-to-have
    heading or in a sentence that calls it a plus; required everywhere else (required wins)."""
    required: dict[str, None] = {}
    nice: dict[str, None] = {}
    section = "required"
    for line in text.splitlines():
        stripped = line.strip().strip("#*_:- ").strip()
        if not stripped:
            continue
        is_heading = len(stripped) <= 60 and (
            line.rstrip().endswith(":") or line.lstrip().startswith("#") or not skills_in(stripped)
        )
        label, _, rest = stripped.partition(":")
        if is_heading and _NICE_HEADING.search(stripped):
            section = "nice"
        elif is_heading and _REQUIRED_HEADING.search(stripped):
            section = "required"
        if rest and _NICE_HEADING.search(label):
            for skill in skills_in(rest):
                nice.setdefault(skill, None)
            continue
        for sentence in re.split(r"(?<=[.;!?])\s+|;\s*", line):
            target = nice if section == "nice" or _NICE_PHRASE.search(sentence) else required
            for skill in skills_in(sentence):
                target.setdefault(skill, None)
    return list(required), [s for s in nice if s not in required]


STRUCTURE_PROMPT = """Extract the job posting's fields from the recruiter's text as one JSON
object with exactly these keys (null or [] when the text does not say; never guess):
title, department, location, employment_type (Full-time | Part-time | Contract | Temporary |
Internship), remote_option (On-site | Hybrid | Remote), salary_min, salary_max (yearly,
integers), currency (ISO code), required_skills, nice_to_have_skills (lists of names)."""
_CHOICES = {
    "employment_type": ("Full-time", "Part-time", "Contract", "Temporary", "Internship"),
    "remote_option": ("On-site", "Hybrid", "Remote"),
}


def structure_with_llm(llm, text: str, offline: dict, on_token=None) -> dict:
    """The offline fields, overridden by what the model read where its value is well-formed
    (enums, integer salaries, ISO codes, skill names as the vocabulary spells them)."""
    from workers.careers.skills import canonical

    answer = llm.complete_json(STRUCTURE_PROMPT, text[:MAX_DESCRIPTION], on_token=on_token)
    fields = dict(offline)
    for key in ("title", "department", "location"):
        value = answer.get(key)
        if isinstance(value, str) and value.strip():
            fields[key] = value.strip()[:300]
    for key, choices in _CHOICES.items():
        if answer.get(key) in choices:
            fields[key] = answer[key]
    low, high = answer.get("salary_min"), answer.get("salary_max")
    if all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
        for v in (low, high)
    ) and (low is not None or high is not None):
        fields["salary_min"], fields["salary_max"] = low, high
    currency = answer.get("currency")
    if isinstance(currency, str) and re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        fields["currency"] = currency.strip().upper()
    for key in ("required_skills", "nice_to_have_skills"):
        value = answer.get(key)
        if isinstance(value, list) and all(isinstance(s, str) for s in value):
            fields[key] = list(dict.fromkeys(canonical(s)[:100] for s in value if s.strip()))[:50]
    return fields
