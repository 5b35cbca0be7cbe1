"""Resume tailoring: the same resume, its lines chosen and ordered for one job.

Nothing is invented. Tailoring only reorders sections, skills items and bullets, drops
bullets that say nothing the job asks about (beyond a few per entry), and rewrites the
summary from facts the resume already states (a template, or an LLM whose answer is checked).
:func:`trace_check` proves the first part line by line and the summary by its facts: every
skill and number it names must be in the original.

Changes are derived by comparing the two versions (:func:`compare`), so the recorded changes,
the diff, and the tailored resume cannot disagree. Paths index the ORIGINAL resume:
``sections[0].entries[1].bullets`` names the list as it was, ``…bullets[4]`` a dropped line.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Hashable

from workers.careers.analysis import resume_text, section_lines, skill_weights, words
from workers.careers.skills import skill_set
from workers.llm import LLMClient, LLMError

MAX_BULLETS = 5  # per entry; more than this are dropped only when irrelevant to the job
SUMMARY_SKILLS = 6
SUMMARY_SENTENCES_KEPT = 2
KEYWORD_WEIGHT = 0.1  # a job keyword in a line counts a tenth of its top skill
KIND_PRIORITY = ("experience", "skills", "projects")  # relevant sections come first, in this order
_PRESENT = re.compile(r"^\s*(?:present|current|now|today)?\s*$", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

REASONS = {
    ("summary", "rewrite"): "rewritten from the resume's own title and the skills it lists "
    "that the job asks for",
    ("sections", "reorder"): "sections relevant to the job first (experience, skills, projects)",
    ("items", "reorder"): "skills the job asks for first",
    ("bullets", "reorder"): "bullets naming the job's skills and keywords first",
    ("bullets", "drop"): f"unrelated to the job's requirements, beyond {MAX_BULLETS} bullets",
}
LLM_SUMMARY_REASON = "rewritten by the LLM from the resume's own facts (checked)"

SUMMARY_PROMPT = """You tailor the summary of a resume to a job. Write two or three sentences \
of plain text, with no heading, no list and no preamble. Use only facts stated in the resume \
you are given: never add a skill, technology, employer, title, degree, number or achievement \
it does not contain, even one the job asks for. Favour the facts most relevant to the job."""


class Relevance:
    """How much a line speaks to a job: the importance of each job skill it names
    (:func:`skill_weights`), plus a little for each job keyword it contains."""

    def __init__(self, requirements: dict):
        self.weights = skill_weights(requirements)
        self.keywords = {
            k.lower() for k in requirements.get("keywords") or () if k not in self.weights
        }

    def __call__(self, text: str) -> float:
        skills = sum(self.weights.get(n, 0.0) for n in skill_set(text, extra=self.weights))
        return skills + KEYWORD_WEIGHT * len(self.keywords.intersection(words(text)))

    def order(self, lines: list[str]) -> list[str]:
        return sorted(lines, key=lambda line: -self(line))  # stable: ties keep their order

    def skills_in(self, resume: dict) -> list[str]:
        """The job's skills that the resume names, most important first."""
        have = skill_set(resume_text(resume), extra=self.weights)
        return [n for n in sorted(self.weights, key=lambda n: -self.weights[n]) if n in have]


# --- tailoring -------------------------------------------------------------------------------


def tailor(
    resume: dict,
    requirements: dict,
    *,
    llm: LLMClient | None = None,
    on_token: Callable[[str], None] | None = None,
) -> dict:
    rate = Relevance(requirements)
    tailored = copy.deepcopy(resume)
    sections = tailored.get("sections") or []
    for section in sections:
        if section.get("items"):
            section["items"] = rate.order(section["items"])
        for entry in section.get("entries") or ():
            ranked = rate.order(entry.get("bullets") or [])
            extra = [b for b in ranked[MAX_BULLETS:] if rate(b) > 0]
            entry["bullets"] = ranked[:MAX_BULLETS] + extra
    tailored["sections"] = _order_sections(sections, rate)

    reasons = dict(REASONS)
    if llm is None:
        summary, strategy = _template_summary(resume, rate), "naive"
    else:
        summary, strategy = _llm_summary(resume, requirements, rate, llm, on_token), "openai"
        reasons["summary", "rewrite"] = LLM_SUMMARY_REASON
    if summary:
        tailored["summary"] = summary

    changes = []
    for change in compare(resume, tailored):
        kind = re.sub(r"\[\d+\]$", "", change["path"]).rsplit(".", 1)[-1]
        changes.append({**change, "reason": reasons.get((kind, change["action"]), "")})
    return {"resume": tailored, "changes": changes, "strategy": strategy}


def _order_sections(sections: list[dict], rate: Relevance) -> list[dict]:
    def rank(indexed: tuple[int, dict]) -> tuple[int, int]:
        index, section = indexed
        kind = section.get("kind")
        relevant = kind in KIND_PRIORITY and rate("\n".join(section_lines(section))) > 0
        return (KIND_PRIORITY.index(kind) if relevant else len(KIND_PRIORITY), index)

    return [section for _, section in sorted(enumerate(sections), key=rank)]


def _latest_title(resume: dict) -> str | None:
    """The title of the current job, else of the first listed (resumes run newest first)."""
    for section in resume.get("sections") or ():
        entries = [e for e in section.get("entries") or () if e.get("title")]
        if section.get("kind") == "experience" and entries:
            current = [e for e in entries if _PRESENT.match(str(e.get("end") or ""))]
            return (current or entries)[0]["title"].strip()
    return None


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _template_summary(resume: dict, rate: Relevance) -> str | None:
    """A lead sentence, "<latest title> with experience in <job skills the resume names>.",
    then the original summary's sentences that speak to the job. None when the resume names
    none of the job's skills: the original summary then stays as it is."""
    skills = rate.skills_in(resume)[:SUMMARY_SKILLS]
    if not skills:
        return None
    title = _latest_title(resume)
    lead = (
        f"{title} with experience in {_join(skills)}."
        if title
        else f"Experienced in {_join(skills)}."
    )
    sentences = _SENTENCE.split((resume.get("summary") or "").strip())
    kept = [s for s in rate.order(sentences) if s and rate(s) > 0][:SUMMARY_SENTENCES_KEPT]
    return " ".join([lead, *kept])


def _llm_summary(
    resume: dict,
    requirements: dict,
    rate: Relevance,
    llm: LLMClient,
    on_token: Callable[[str], None] | None,
) -> str:
    job = {k: requirements.get(k) for k in ("required_skills", "nice_to_have_skills", "keywords")}
    user = f"RESUME:\n{render_text(resume)}\nJOB REQUIREMENTS:\n{json.dumps(job, indent=1)}"
    summary = " ".join(llm.complete_text(SUMMARY_PROMPT, user, on_token).split())
    if not summary:
        raise LLMError("the LLM wrote an empty summary")
    problems = summary_problems(resume, summary, names=rate.weights)
    if problems:
        raise LLMError("the LLM summary was rejected: " + "; ".join(problems))
    return summary


# --- checking and comparing ------------------------------------------------------------------


def summary_problems(original: dict, summary: str, names=()) -> list[str]:
    """Facts a new summary states that the original resume does not: skills (vocabulary ones,
    plus any of ``names``) and numbers (dates and places of entries count as stated)."""
    source = render_text(original)
    invented = skill_set(summary, extra=names) - skill_set(source, extra=names)
    problems = [f"summary names {name}, which the resume does not" for name in sorted(invented)]
    known = set(_NUMBER.findall(source))
    problems += [
        f"summary states {n}, which the resume does not"
        for n in _NUMBER.findall(summary)
        if n not in known
    ]
    return problems


def _pair(originals: list[dict], news: list[dict], key: Callable[[dict], Hashable]):
    """(index in originals or None, original or None, new) for each new element, matched by
    key, each original used once."""
    free: dict[Hashable, list[int]] = {}
    for index, item in enumerate(originals):
        free.setdefault(key(item), []).append(index)
    for item in news:
        slots = free.get(key(item))
        index = slots.pop(0) if slots else None
        yield index, (None if index is None else originals[index]), item


def _section_key(section: dict) -> Hashable:
    return (section.get("kind"), section.get("title"))


def _entry_key(entry: dict) -> Hashable:
    fields = ("title", "organization", "location", "start", "end")
    return tuple(entry.get(f) for f in fields)


def _lines_diff(original: list[str], new: list[str]) -> tuple[list[int], list[str]]:
    """Indices of original lines missing from ``new``, and lines of ``new`` not in original
    (as multisets: a line twice in ``new`` needs to be twice in the original)."""
    remaining = Counter(new)
    dropped = []
    for index, line in enumerate(original):
        if remaining[line] > 0:
            remaining[line] -= 1
        else:
            dropped.append(index)
    available = Counter(original)
    added = []
    for line in new:
        if available[line] > 0:
            available[line] -= 1
        else:
            added.append(line)
    return dropped, added


def _change(path: str, action: str, original=None, new=None) -> dict:
    return {"path": path, "action": action, "original": original, "new": new}


def _list_changes(path: str, original: list[str], new: list[str]) -> list[dict]:
    dropped, added = _lines_diff(original, new)
    kept = [line for index, line in enumerate(original) if index not in set(dropped)]
    unexplained = Counter(added)
    matched = []
    for line in new:
        if unexplained[line]:
            unexplained[line] -= 1
        else:
            matched.append(line)
    changes = [_change(path, "reorder", original, new)] if matched != kept else []
    changes += [_change(f"{path}[{i}]", "drop", original[i]) for i in dropped]
    # Only a version edited elsewhere can hold these: tailoring adds nothing.
    changes += [_change(path, "add", new=line) for line in added]
    return changes


def compare(original: dict, tailored: dict) -> list[dict]:
    """Path-level changes from ``original`` to ``tailored``: {path, action, original, new}."""
    changes = []
    if (original.get("summary") or None) != (tailored.get("summary") or None):
        changes.append(_change("summary", "rewrite", original.get("summary"), tailored["summary"]))
    before, after = original.get("sections") or [], tailored.get("sections") or []
    pairs = list(_pair(before, after, _section_key))
    order = [i for i, _, _ in pairs if i is not None]
    if order != sorted(order):
        titles = [s.get("title") for s in before], [s.get("title") for s in after]
        changes.append(_change("sections", "reorder", *titles))
    for i in sorted(set(range(len(before))) - set(order)):
        changes.append(_change(f"sections[{i}]", "drop", before[i].get("title")))
    for i, old, new in pairs:
        if old is None:
            changes.append(_change("sections", "add", new=new.get("title")))
            continue
        path = f"sections[{i}]"
        changes += _list_changes(f"{path}.items", old.get("items") or [], new.get("items") or [])
        for j, old_entry, entry in _pair(
            old.get("entries") or [], new.get("entries") or [], _entry_key
        ):
            if old_entry is None:
                changes.append(_change(f"{path}.entries", "add", new=entry.get("title")))
            else:
                bullets = old_entry.get("bullets") or [], entry.get("bullets") or []
                changes += _list_changes(f"{path}.entries[{j}].bullets", *bullets)
    return changes


def trace_check(original: dict, tailored: dict) -> list[str]:
    """Every way ``tailored`` says something ``original`` does not; empty when it is faithful."""
    problems = [
        f"{key} differs from the original"
        for key in ("title", "format", "contact", "source")
        if original.get(key) != tailored.get(key)
    ]
    summary = tailored.get("summary")
    if summary and summary != original.get("summary"):
        problems += summary_problems(original, summary)
    before, after = original.get("sections") or [], tailored.get("sections") or []
    for _, old, new in _pair(before, after, _section_key):
        where = f"section {new.get('title')!r}"
        if old is None:
            problems.append(f"{where} is not in the original")
            continue
        _, added = _lines_diff(old.get("items") or [], new.get("items") or [])
        problems += [f"{where}: item {line!r} is not in the original" for line in added]
        for _, old_entry, entry in _pair(
            old.get("entries") or [], new.get("entries") or [], _entry_key
        ):
            label = f"{where}, entry {entry.get('title')!r}"
            if old_entry is None:
                problems.append(f"{label} is not in the original (or its fields changed)")
                continue
            _, added = _lines_diff(old_entry.get("bullets") or [], entry.get("bullets") or [])
            problems += [f"{label}: bullet {line!r} is not in the original" for line in added]
    return problems


# --- showing the difference ------------------------------------------------------------------


def render_text(resume: dict) -> str:
    """A plain-text rendering, one line per resume line (what the unified diff compares)."""
    contact = resume.get("contact") or {}
    lines = [contact.get("name") or resume.get("title") or "Resume"]
    if resume.get("summary"):
        lines += ["", "## Summary", resume["summary"]]
    for section in resume.get("sections") or ():
        lines += ["", f"## {section.get('title') or section.get('kind') or 'Section'}"]
        for entry in section.get("entries") or ():
            dates = " – ".join(str(d) for d in (entry.get("start"), entry.get("end")) if d)
            fields = (entry.get("title"), entry.get("organization"), entry.get("location"), dates)
            lines.append("### " + " | ".join(str(f) for f in fields if f))
            lines += [f"- {bullet}" for bullet in entry.get("bullets") or ()]
        lines += [f"- {item}" for item in section.get("items") or ()]
    return "\n".join(lines) + "\n"


def diff(original: dict, tailored: dict) -> dict:
    """{"unified": a unified diff of the text renderings, "sections": [{"title", "changes"}]},
    sections in the tailored order, after "Summary" and "Section order" when those changed."""
    unified = "\n".join(
        difflib.unified_diff(
            render_text(original).splitlines(),
            render_text(tailored).splitlines(),
            fromfile="original",
            tofile="tailored",
            lineterm="",
        )
    )
    groups: dict[str, list[dict]] = {}
    titles = [s.get("title") or s.get("kind") for s in original.get("sections") or ()]
    for change in compare(original, tailored):
        index = re.match(r"sections\[(\d+)\]", change["path"])
        if change["path"] == "summary":
            group = "Summary"
        elif index:
            group = titles[int(index.group(1))]
        else:
            group = "Section order"
        groups.setdefault(group, []).append(change)
    ordered = ["Summary", "Section order"]
    ordered += [s.get("title") or s.get("kind") for s in tailored.get("sections") or ()]
    ordered += [t for t in titles if t not in ordered]  # dropped sections last
    sections = [{"title": t, "changes": groups.pop(t)} for t in ordered if t in groups]
    return {"unified": unified, "sections": sections}
