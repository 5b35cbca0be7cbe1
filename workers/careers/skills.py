"""The skills vocabulary (``data/skills.json``) and a matcher that finds its skills in prose.

Matching is token-anchored rather than one giant regex: the text is cut into word starts once,
and only the few surface forms whose first token is that word are tried there, longest first.
That keeps the cost proportional to the text, not to text x vocabulary, and makes "longest
match wins" (C++ over C, ASP.NET over .NET, Node.js over Node) a matter of ordering.

Boundaries are what make symbols work: a form may end in ``+``/``#``, so the character after
it must not extend it (``C`` in ``C++``), and ``.js`` after ``Node`` is part of a longer form.
Short or everyday words (Go, R, C, Spark, React) are listed as ``exact`` in the vocabulary:
they match only in that case, never glued to ``-``/``&`` (go-to, R&D, C-level), and not next
to the veto words of their entry (Series C, Go to market).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

VOCABULARY_PATH = Path(__file__).with_name("data") / "skills.json"

# A word start: a run of word characters, optionally led by a dot (".NET"). The lookbehind
# keeps it from starting inside a word, so "going" never offers "go" as a candidate.
_TOKEN = re.compile(r"(?<!\w)\.?\w+")
# Nothing may extend a form on its right: no word character, no +/# (C vs C++), and no
# ".word" (Node vs Node.js when the longer form is missing from the text's context).
_RIGHT = r"(?![\w+#])(?!\.\w)"
# Exact forms are ambiguous words, so they must also stand apart from & and from -word
# (go-to, C-level), except the compounds that still name the skill (React-based).
_COMPOUNDS = "based|native|driven|powered|first|heavy|centric|focused|friendly|compatible"
_RIGHT_EXACT = _RIGHT + rf"(?!&)(?!-(?!(?:{_COMPOUNDS})\b)\w)"
_GLUE_BEFORE = "-&."  # an exact form right after one of these is part of something else
_NEXT_WORD = re.compile(r"[^\S\n]*(\w+)")
_PREV_WORD = re.compile(r"(\w+)[^\S\n]*$")


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    df: float  # estimated share of job postings that mention it (background for IDF)


@dataclass(frozen=True)
class _Form:
    skill: str
    text: str
    pattern: re.Pattern
    exact: bool
    not_after: frozenset[str]
    not_before: frozenset[str]

    def match_end(self, text: str, start: int) -> int | None:
        hit = self.pattern.match(text, start)
        if hit is None:
            return None
        if self.exact and start and text[start - 1] in _GLUE_BEFORE:
            return None
        if self.not_before:
            nxt = _NEXT_WORD.match(text, hit.end())
            if nxt and nxt.group(1).lower() in self.not_before:
                return None
        if self.not_after:
            prev = _PREV_WORD.search(text, max(0, start - 40), start)
            if prev and prev.group(1).lower() in self.not_after:
                return None
        return hit.end()


def _first_token(form: str) -> str:
    token = _TOKEN.search(form)
    if token is None or token.start() != 0:
        raise ValueError(f"skills vocabulary: {form!r} must start with a word or .word")
    return token.group().lower()


def _compile(form: str, exact: bool) -> re.Pattern:
    # Multi-word forms tolerate any run of spaces or hyphens between words, so "scikit learn",
    # "scikit-learn" and a line break inside "machine\nlearning" all match.
    words = [re.escape(w) for w in re.split(r"[\s-]+", form) if w]
    body = r"[\s-]+".join(words)
    return re.compile(body + (_RIGHT_EXACT if exact else _RIGHT), 0 if exact else re.IGNORECASE)


class Vocabulary:
    def __init__(self, data: dict):
        background = data.get("background_df", {})
        self.skills: dict[str, Skill] = {}
        self._by_key: dict[str, list[_Form]] = {}
        self._lookup: dict[str, str] = {}  # lowercased form -> canonical name
        for entry in data["skills"]:
            name = entry["name"]
            if name in self.skills:
                raise ValueError(f"skills vocabulary: {name!r} is listed twice")
            df = entry.get("df", background.get(entry["category"], 0.05))
            self.skills[name] = Skill(name, entry["category"], df)
            exact = set(entry.get("exact", ()))
            forms = [name, *entry.get("aliases", ())]
            if not exact <= set(forms):
                raise ValueError(f"skills vocabulary: {name!r}: exact forms must be listed forms")
            for form in forms:
                self._add(name, form, form in exact, entry)
        for forms in self._by_key.values():
            forms.sort(key=lambda f: len(f.text), reverse=True)

    def _add(self, name: str, form: str, exact: bool, entry: dict) -> None:
        key = form.lower()
        if key in self._lookup:
            raise ValueError(f"skills vocabulary: {form!r} belongs to two skills")
        if len(form) == 1 and not exact:
            raise ValueError(f"skills vocabulary: one-letter form {form!r} must be exact")
        self._lookup[key] = name
        compiled = _Form(
            skill=name,
            text=form,
            pattern=_compile(form, exact),
            exact=exact,
            not_after=frozenset(entry.get("not_after", ())),
            not_before=frozenset(entry.get("not_before", ())),
        )
        self._by_key.setdefault(_first_token(form), []).append(compiled)

    def find(self, text: str) -> list[tuple[str, int, int]]:
        found = []
        covered = 0  # end of the last match: later candidates inside it are parts of it
        for token in _TOKEN.finditer(text):
            start = token.start()
            if start < covered:
                continue
            for form in self._by_key.get(token.group().lower(), ()):
                end = form.match_end(text, start)
                if end is not None:
                    found.append((form.skill, start, end))
                    covered = end
                    break
        return found

    def canonical(self, name: str) -> str | None:
        """The canonical name of a skill typed as a name or alias (any case), or None."""
        return self._lookup.get(name.strip().lower())


@functools.cache
def vocabulary() -> Vocabulary:
    return Vocabulary(json.loads(VOCABULARY_PATH.read_text(encoding="utf-8")))


def find_skills(text: str) -> list[tuple[str, int, int]]:
    """Every vocabulary skill in ``text`` as (canonical name, start, end), left to right."""
    return vocabulary().find(text)


def canonical(name: str) -> str:
    """A skill name as the vocabulary spells it, or the name itself (trimmed) if unknown."""
    return vocabulary().canonical(name) or name.strip()


@functools.lru_cache(maxsize=1024)
def _free_pattern(name: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(name) + _RIGHT, re.IGNORECASE)


def skill_set(text: str, extra: Iterable[str] = ()) -> set[str]:
    """Canonical skills in ``text``, plus any of ``extra`` that the vocabulary does not know
    (an LLM may name one) found case-insensitively with the same right-hand boundary."""
    found = {name for name, _, _ in find_skills(text)}
    vocab = vocabulary()
    for name in extra:
        if vocab.canonical(name) is None and _free_pattern(name).search(text):
            found.add(name)
    return found
