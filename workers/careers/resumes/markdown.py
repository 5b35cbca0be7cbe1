"""Markdown resume reader: ATX and Setext headings, bullets, Pandoc definition lists.

The first heading that is not a known section title is the name; the first heading after
it sets the section level, and anything deeper is an entry ("### Company -- City",
"### Role at Company"). Inside a section an entry also starts at a **bold** line, at a
Pandoc definition term ("2010-2014" then ":   **Degree**; School") or at a line of text
carrying a date; a line holding only dates dates the open entry. Before the first section,
lines are contact details or summary prose; so is a blockquote anywhere (Pandoc's
template puts the contact details in a closing blockquote).
"""

from __future__ import annotations

import re

from workers.careers.resumes.builder import (
    ResumeBuilder,
    clean,
    heading_fields,
    is_date,
    is_known_section_title,
    looks_like_heading,
    role_first,
)

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^ {0,3}(?:={2,}|-{2,})\s*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_DEFINITION = re.compile(r"^ {0,3}:\s+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>\s?(.*)$")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_BOLD_LINE = re.compile(r"^(\*\*|__)(.{1,300}?)\1\s*:?$")
_BOLD_LEAD = re.compile(r"^(\*\*|__)(.{1,300}?)\1\s*([;,|–—-]+|at\s)?\s*(.*)$", re.S)
_NAME_NOISE = re.compile(  # "CV -- Alex Chen", "Alex Chen | Resume"
    r"^(?:cv|resume|résumé|curriculum vitae)\s*(?:--|[-–—:|])\s*"
    r"|\s*(?:--|[-–—:|])\s*(?:cv|resume|résumé|curriculum vitae)$",
    re.I,
)

# Inline markup. Spans are bounded so that a line full of stray markers stays linear.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]\([^)\n]{0,500}\)")
_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?([^)\s>]{0,500})>?(?:\s+\"[^\"\n]*\")?\s*\)")
_REF_LINK = re.compile(r"\[([^\]\n]{1,300})\]\s?\[[^\]\n]{0,100}\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]{1,500}|[^@\s<>]{1,100}@[^>\s]{1,200})>")
_CODE = re.compile(r"`([^`\n]{1,300})`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1", re.S)
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=\S)(.{1,300}?)(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)(.{1,300}?)(?<=\S)_(?!\w)",
    re.S,
)
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def inline(text: str, urls: bool = False) -> str:
    """Plain text from inline Markdown. With ``urls`` a link reads as its address, which
    is what a contact line needs ("[GitHub](https://github.com/x)")."""
    # Escaped characters are parked so that emphasis rules cannot see them.
    text = _ESCAPE.sub(lambda m: f"\ue000{ord(m[1])}\ue001", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m[2] if urls and m[2] else m[1], text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(lambda m: m[1] or m[2], text)
    text = _HTML_BREAK.sub(" ", text)
    text = _PLACEHOLDER.sub(lambda m: chr(int(m[1])), text)
    return "\n".join(clean(line.rstrip("\\")) for line in text.split("\n")).strip()


def _without_comments(text: str) -> str:
    """HTML comments removed; an unclosed one runs to the end, as in a browser."""
    parts, i = [], 0
    while (start := text.find("<!--", i)) >= 0:
        parts.append(text[i:start])
        end = text.find("-->", start + 4)
        i = len(text) if end < 0 else end + 3
    parts.append(text[i:])
    return "".join(parts)


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    for index, line in enumerate(lines[1:50], start=1):
        if line.strip() in ("---", "..."):
            return index + 1
    return 0


class _Reader:
    def __init__(self, text: str, builder: ResumeBuilder):
        text = _without_comments(text).replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.expandtabs(4).split("\n")
        self.builder = builder
        self.paragraph: list[str] = []
        self.section_level: int | None = None
        self.heading: tuple[dict, str] | None = None  # entry opened by a heading, its text
        self.term: dict | None = None  # the open definition list term

    def run(self) -> None:
        i = _front_matter_end(self.lines)
        while i < len(self.lines):
            i = self.line(i)
        self.flush()

    def line(self, i: int) -> int:
        line = self.lines[i].rstrip()
        stripped = line.strip()
        following = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        if not stripped:
            self.flush()
            return i + 1
        if heading := _ATX.match(line):
            self.flush()
            self.start_heading(len(heading[1]), heading[2] or "")
            return i + 1
        if _SETEXT.match(following) and not self.is_block_start(line):
            self.flush()
            self.start_heading(1 if following.strip()[0] == "=" else 2, stripped)
            return i + 2
        if _RULE.match(line) or _REFERENCE.match(line):
            self.flush()
            return i + 1
        if _QUOTE.match(line):
            self.flush()
            return self.quote(i)
        if bullet := _BULLET.match(line):
            self.flush()
            text, after = self.continued(i, bullet[2])
            self.bullet(text)
            return after
        if definition := _DEFINITION.match(line):
            self.flush()
            text, after = self.continued(i, definition[1])
            self.definition(text)
            return after
        if self.is_term(i):
            self.flush()
            self.start_term(stripped)
            return i + 1
        if not self.paragraph and self.standalone(line, stripped):
            return i + 1
        self.paragraph.append(stripped)
        return i + 1

    @staticmethod
    def is_block_start(line: str) -> bool:
        return any(p.match(line) for p in (_BULLET, _QUOTE, _DEFINITION, _RULE, _ATX))

    def continued(self, i: int, first: str) -> tuple[str, int]:
        """A list item or definition with its continuation lines (indented or lazy)."""
        parts, j = [first], i + 1
        while j < len(self.lines) and self.lines[j].strip():
            if self.is_block_start(self.lines[j]):
                break
            parts.append(self.lines[j].strip())
            j += 1
        return "\n".join(parts), j

    def is_term(self, i: int) -> bool:
        """A line followed by ":   definition", maybe after one blank line."""
        for j in (i + 1, i + 2):
            if j >= len(self.lines):
                return False
            if _DEFINITION.match(self.lines[j]):
                return True
            if self.lines[j].strip():
                return False
        return False

    def standalone(self, line: str, stripped: str) -> bool:
        """A **bold** line or a dates line, which mean something on their own."""
        if bold := _BOLD_LINE.match(stripped):
            self.bold_title(inline(bold[2]).rstrip(":"))
            return True
        dates = inline(stripped)
        if is_date(dates) and self.builder.set_dates(dates):
            return True
        # "**Role**, Company (2019 - 2021)": a heading, but "**Note** some text" is prose.
        # People bold the company too ("**Globex** -- Staff Engineer"): the words decide.
        lead = _BOLD_LEAD.match(stripped)
        if (
            lead
            and lead[4]
            and (lead[3] or looks_like_heading(lead[4]))
            and len(line) - len(line.lstrip()) < 2
            and self.builder.kind not in (None, "skills")
        ):
            fields = heading_fields(inline(lead[4]), lead=inline(lead[2]))
            fields["title"], fields["organization"] = role_first(
                fields["title"], fields["organization"]
            )
            self.builder.add_entry(**fields)
            return True
        return False

    def flush(self) -> None:
        if self.paragraph:
            text = inline("\n".join(self.paragraph), urls=self.builder.in_header)
            self.paragraph = []
            self.builder.add_paragraph(text)

    # blocks

    def start_heading(self, level: int, raw: str) -> None:
        text = inline(raw)
        builder = self.builder
        self.heading = self.term = None
        if self.section_level is None:
            if not builder.contact["name"] and not is_known_section_title(text):
                builder.set_name(_NAME_NOISE.sub("", text))
                return
            self.section_level = level
        if level <= self.section_level:
            builder.start_section(text)
        else:
            self.heading = (builder.add_entry(**heading_fields(text)), text)

    def bold_title(self, title: str) -> None:
        """A **Title** line: the open heading's role ("### Company -- City" above it), or a
        new entry of its own."""
        builder = self.builder
        if builder.kind in (None, "skills"):
            builder.add_item(title)
            return
        entry, heading = self.heading or (None, "")
        if entry is not None and entry is builder.entry and not entry["bullets"]:
            builder.update_entry(**heading_fields(heading, lead=title))
        else:
            builder.add_entry(title=title)
        self.heading = None

    def quote(self, i: int) -> int:
        lines = []
        while i < len(self.lines) and (match := _QUOTE.match(self.lines[i])):
            lines.append(match[1])
            i += 1
        text = inline("\n".join(lines), urls=True)
        if not self.builder.absorb_contact(text.split("\n")):
            self.builder.add_paragraph(inline("\n".join(lines)))
        return i

    def bullet(self, text: str) -> None:
        if self.term is not None and self.builder.kind == "skills":
            self.definition(text)
        else:
            self.builder.add_bullet(inline(text, urls=self.builder.in_header))

    def start_term(self, raw: str) -> None:
        text = inline(raw)
        builder = self.builder
        if builder.kind in (None, "skills"):
            self.term = {"label": text, "entry": None, "dated": False}
        elif is_date(text):
            entry = builder.add_entry(dates=text)
            self.term = {"label": "", "entry": entry, "dated": True}
        else:
            entry = builder.add_entry(title=text)
            self.term = {"label": text, "entry": entry, "dated": False}

    def definition(self, raw: str) -> None:
        term, builder = self.term, self.builder
        if term is None or term["entry"] is None:
            label = term["label"] if term else ""
            builder.add_item(f"{label}: {inline(raw)}" if label else inline(raw))
        elif term["dated"]:
            # "2010-2014" / ":   **PhD, Computer Science**; Awesome University (MyTown)"
            # The definition may wrap over lines: one heading, so the breaks are spaces.
            lead = _BOLD_LEAD.match(raw)
            if lead:
                fields = heading_fields(
                    clean(inline(lead[4])), lead=inline(lead[2]), paren_location=True
                )
            else:
                fields = heading_fields(clean(inline(raw)), paren_location=True)
            fields.pop("dates")
            builder.update_entry(**fields)
            term["dated"] = False
        else:
            builder.add_bullet(inline(raw))


def read(source: str) -> dict:
    """Contact, summary and sections of a Markdown resume."""
    builder = ResumeBuilder()
    _Reader(source, builder).run()
    return builder.build(
        " (no section headings: use '## Experience', or Setext 'Experience' over '---')"
    )
