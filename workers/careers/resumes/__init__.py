"""Resume import: LaTeX or Markdown source into one structured resume.

``parse_resume(content, fmt, title=None)`` returns::

    {"title", "format", "summary", "source",
     "contact": {"name", "email", "phone", "location", "links": [url, ...]},
     "sections": [{"kind": "experience" | "education" | "projects" | "skills" | "other",
                   "title",
                   "entries": [{"title", "organization", "location", "start", "end",
                                "bullets": [text, ...]}],
                   "items": [text, ...]}]}

An entry's ``title`` is the role or degree, its ``organization`` the employer or school.
Every text field is plain text (markup converted) and never None: an absent value is "".
Skills sections keep their lines in ``items`` (entries stay empty); elsewhere ``items``
holds the bullets that belong to no entry.

The readers (:mod:`.latex`, :mod:`.markdown`) only recognise syntax. What a piece of text
*means* (contact, summary, entry heading, bullet) is decided once, in :mod:`.builder`, by
:class:`ResumeBuilder`, so both formats follow the same rules.
"""

from __future__ import annotations

import unicodedata

from app.careers.domain.rules import FORMAT_ALIASES
from workers.careers.resumes import latex, markdown
from workers.careers.resumes.builder import ResumeParseError, clean

__all__ = ["ResumeParseError", "parse_resume"]


def parse_resume(content: str, fmt: str, title: str | None = None) -> dict:
    """Read a LaTeX or Markdown resume; raise :class:`ResumeParseError` when it cannot."""
    fmt_key = FORMAT_ALIASES.get((fmt or "").strip().lower())
    if fmt_key is None:
        raise ResumeParseError(f"unsupported resume format {fmt!r}: use 'latex' or 'markdown'")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ResumeParseError("the resume is not UTF-8 text") from exc
    if not isinstance(content, str) or not content.strip():
        raise ResumeParseError("the resume is empty")
    if _looks_binary(content):
        raise ResumeParseError("the resume looks like binary data, not LaTeX or Markdown text")

    reader = latex if fmt_key == "latex" else markdown
    parsed = reader.read(content.lstrip("\ufeff"))
    name = parsed["contact"]["name"]
    return {
        "title": clean(title or "") or name or "Resume",
        "format": fmt_key,
        **parsed,
        "source": content,
    }


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if "\x00" in sample:
        return True
    odd = sum(
        1
        for ch in sample
        if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    )
    return odd > max(8, len(sample) // 100)


# --- text heuristics shared by both readers -------------------------------------------------
