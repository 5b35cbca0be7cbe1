r"""LaTeX resume reader: walks a resume's structure over the tokenizer of
:mod:`workers.careers.resumes.latex_text`, never a TeX engine.

Nothing is executed or expanded. Macro definitions (\def, \newcommand, ...) are skipped,
and \input, \include and \write18 are ignored (nothing is read from disk or run).

Layouts read:

- Jake's resume and sb2nov: \section, \resumeSubheading{4} (see :func:`subheading_fields`),
  \resumeSubSubheading, \resumeProjectHeading, \resumeItem{text} or {Title}{Description},
  \resumeSubItem, a plain itemize for skills, the header as a center block or a tabular.
- Awesome-CV: \name, \position, \address, \mobile, \email, \homepage, \github, \linkedin;
  \cvsection, \cventry{Position}{Organization}{Location}{Date}{cvitems}, \cvsubentry,
  \cvhonor, \cvskill, cvparagraph.
- moderncv: \cventry{dates}{title}{institution}{city}{grade}{description}, \cvitem,
  \social, \address{street}{city}{country}.
- plain \section (or \section*) + itemize, entry headings being text lines with dates.
"""

from __future__ import annotations

import re

from workers.careers.resumes.builder import ResumeBuilder, clean, is_date
from workers.careers.resumes.latex_fields import (
    labelled,
    list_texts,
    profile_url,
    subheading_fields,
)
from workers.careers.resumes.latex_text import (
    BODY_ONLY,
    CONTROL,
    STREAM,
    Source,
    strip_comments,
    to_text,
)

_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_BARE_FILENAME = re.compile(r"[^\s\\{}]*")  # \input file, without braces


_VERBATIM_ENVIRONMENTS = {"comment", "verbatim", "lstlisting", "minted"}
_ENVIRONMENT_ARGS = {
    "tabular": 1, "tabular*": 2, "tabularx": 2, "tabulary": 2, "longtable": 1, "minipage": 1,
    "multicols": 1, "array": 1, "paracol": 1,
}  # fmt: skip


class _Reader:
    """Walks the source once, handing what it recognises to the builder.

    Text between recognised macros accumulates and is flushed as a paragraph at every
    structural boundary. Before \\begin{document} only header macros and definitions
    count; a file without \\begin{document} (a section file) is all body.
    """

    def __init__(self, text: str, builder: ResumeBuilder):
        self.source = Source(text, strict=True)
        self.builder = builder
        self.in_document = _BEGIN_DOCUMENT.search(text) is None
        self.loose: list[str] = []
        self.name_parts: list[str] = []
        self.inputs = 0
        self.declared_header = False  # \name, \email, ...: a header, even with no section

    def run(self) -> None:
        text, i = self.source.text, 0
        while i is not None and i < len(text):
            match = CONTROL.search(text, i)
            if match is None:
                self.loose.append(text[i:])
                break
            self.loose.append(text[i : match.start()])
            handler = _HANDLERS.get(match[1]) if match[1] else None
            if handler is None or (match[1] in BODY_ONLY and not self.in_document):
                self.loose.append(match.group())
                i = match.end()
                continue
            i = handler(self, match.end())
        self.flush()

    def flush(self) -> None:
        raw = "".join(self.loose)
        self.loose.clear()
        if not self.in_document or not raw.strip():
            return
        links: list[tuple[str, str]] | None = [] if self.builder.in_header else None
        text = to_text(raw, links)
        for url, label in links or ():
            self.builder.add_link(url, label)
        for paragraph in text.split("\n\n"):
            if paragraph.strip():
                self.builder.add_paragraph(paragraph)

    def texts(self, i: int, count: int, extra: int = 0) -> tuple[list[str], int]:
        """Arguments as plain text, and the position after them."""
        _, groups, i = self.source.args(i, count, extra)
        return [to_text(group) for group in groups], i

    def add_bullets(self, raw: str) -> None:
        for text in list_texts(raw):
            self.builder.add_bullet(text)

    # environments and sections

    def begin(self, i: int) -> int:
        (env,), i = self.texts(i, 1)
        if env == "document":
            self.in_document = True
            self.loose.clear()
            return i
        if not self.in_document:
            return i
        self.flush()
        if env in _VERBATIM_ENVIRONMENTS:
            end = self.source.text.find(f"\\end{{{env}}}", i)
            return len(self.source.text) if end < 0 else end
        for _ in range(_ENVIRONMENT_ARGS.get(env, 0)):
            i = self.source.args(i, 1)[2]
        return self.source.args(i, 0)[2]  # itemize's [leftmargin=...]

    def end(self, i: int) -> int | None:
        (env,), i = self.texts(i, 1)
        if not self.in_document:
            return i
        self.flush()
        return None if env == "document" else i

    def section(self, i: int) -> int:
        (title,), i = self.texts(i, 1)
        self.flush()
        self.builder.start_section(title)
        return i

    def subsection(self, i: int) -> int:
        (text,), i = self.texts(i, 1)
        self.flush()
        if text:
            self.builder.add_heading(text)
        return i

    # entries and bullets

    def subheading(self, i: int) -> int:
        texts, i = self.texts(i, 4)
        self.flush()
        self.builder.add_entry(**subheading_fields(*texts))
        return i

    def subsubheading(self, i: int) -> int:
        (title, dates), i = self.texts(i, 2)
        self.flush()
        self.builder.add_role(title, dates)
        return i

    def project_heading(self, i: int) -> int:
        (title, dates), i = self.texts(i, 2)
        self.flush()
        self.builder.add_entry(title=title, dates=dates)
        return i

    def resume_item(self, i: int) -> int:
        texts, i = self.texts(i, 1, extra=1)  # Jake: {text}; sb2nov: {Title}{Description}
        self.flush()
        self.builder.add_bullet(labelled(*texts) if len(texts) == 2 else texts[0])
        return i

    def item(self, i: int) -> int:
        self.flush()
        label, start = self.source.optional(i)
        end = self.source.item_end(start)
        text = labelled(to_text(label or ""), to_text(self.source.text[start:end]))
        if text:
            self.builder.add_bullet(text)
        return end

    def cventry(self, i: int) -> int:
        _, groups, i = self.source.args(i, 5, extra=1)
        self.flush()
        first, second, third, fourth, fifth = (to_text(group) for group in groups[:5])
        if is_date(first) and not is_date(fourth):
            # moderncv: {dates}{title}{institution}{city}{grade}{description}
            self.builder.add_entry(second, third, fourth, first)
            if fifth:
                self.builder.add_bullet(fifth)
            descriptions = groups[5:]
        else:
            # Awesome-CV: {position}{organization}{location}{dates}{description}
            self.builder.add_entry(first, second, third, fourth)
            descriptions = groups[4:]
        for raw in descriptions:
            self.add_bullets(raw)
        return i

    def cvsubentry(self, i: int) -> int:
        _, groups, i = self.source.args(i, 4)
        self.flush()
        position, title, dates = (to_text(group) for group in groups[:3])
        self.builder.add_role(position or title, dates)
        self.add_bullets(groups[3])
        return i

    def cvhonor(self, i: int) -> int:
        texts, i = self.texts(i, 4)  # {award}{event}{location}{date}
        self.flush()
        self.builder.add_entry(*texts)
        return i

    def cvitem(self, i: int, count: int = 2) -> int:
        texts, i = self.texts(i, count)
        self.flush()
        if count == 1:  # \cvlistitem{text}
            texts = ["", texts[0]]
        elif count == 3:  # \cvitemwithcomment{title}{text}{comment}
            texts = [texts[0], f"{texts[1]} ({texts[2]})" if texts[2] else texts[1]]
        # \cvitem{label}{text}, \cvdoubleitem{label}{text}{label}{text}
        for label, text in zip(texts[::2], texts[1::2], strict=True):
            self.builder.add_item(labelled(label, text))
        return i

    # header

    def name(self, i: int) -> int:
        self.declared_header = True
        texts, i = self.texts(i, 1, extra=1)
        self.builder.set_name(" ".join(texts))
        return i

    def name_part(self, i: int) -> int:
        self.declared_header = True
        (part,), i = self.texts(i, 1)
        self.name_parts.append(part)
        self.builder.set_name(" ".join(self.name_parts))
        return i

    def position(self, i: int) -> int:
        self.declared_header = True
        (text,), i = self.texts(i, 1)
        self.builder.set_headline(text)
        return i

    def contact(self, i: int, field: str) -> int:
        self.declared_header = True
        (text,), i = self.texts(i, 1)
        self.builder.set_contact(field, text)
        return i

    def address(self, i: int) -> int:
        self.declared_header = True
        texts, i = self.texts(i, 1, extra=2)  # moderncv: {street}{city}{country}
        parts = [t for t in texts if t]
        self.builder.set_contact("location", ", ".join(parts[1:] if len(parts) > 1 else parts))
        return i

    def profile(self, i: int, kind: str) -> int:
        self.declared_header = True
        (text,), i = self.texts(i, 1)
        if text:
            self.builder.add_link(profile_url(kind, text))
        return i

    def social(self, i: int) -> int:
        self.declared_header = True
        options, groups, i = self.source.args(i, 1)
        kind = clean(options[0]).lower() if options else "homepage"
        if to_text(groups[0]):
            self.builder.add_link(profile_url(kind, to_text(groups[0])))
        return i

    # what is skipped, never followed

    def skip(self, i: int, count: int) -> int:
        if self.in_document:
            self.flush()
        return self.source.args(i, count)[2]

    def input(self, i: int, count: int = 1) -> int:
        self.inputs += 1
        start = self.source.skip_space(i)
        if not self.source.text.startswith("{", start):  # \input file
            return _BARE_FILENAME.match(self.source.text, start).end()
        return self.skip(i, count)

    def definition(self, i: int, bodies: int = 1) -> int:
        """\\newcommand{\\name}[n][default]{body} and friends: read past, never expanded."""
        i = self._control_word(i)
        return self.source.args(i, bodies)[2]

    def def_(self, i: int) -> int:
        r"""\def\name#1#2{body}: the parameter text runs up to the body's brace."""
        i = self._control_word(i)
        brace = self.source.text.find("{", i)
        if brace < 0 or brace - i > 40:
            return i
        found = self.source.group(brace)
        return found[1] if found else i

    def let(self, i: int) -> int:
        i = self._control_word(i)
        i = self.source.skip_space(i)
        i += self.source.text.startswith("=", i)
        return self._control_word(i)

    def _control_word(self, i: int) -> int:
        start = self.source.skip_space(i)
        if self.source.text.startswith("{", start):
            found = self.source.group(start)
            return found[1] if found else start
        match = CONTROL.match(self.source.text, start)
        return match.end() if match else start

    def write(self, i: int) -> int:
        r"""\write18{shell command}: the stream number and the text are dropped."""
        return self.skip(STREAM.match(self.source.text, i).end(), 1)


def _skip(count: int):
    return lambda reader, i: reader.skip(i, count)


_HANDLERS = {
    "begin": _Reader.begin,
    "end": _Reader.end,
    "section": _Reader.section,
    "cvsection": _Reader.section,
    "subsection": _Reader.subsection,
    "subsubsection": _Reader.subsection,
    "cvsubsection": _skip(1),
    "resumeSubheading": _Reader.subheading,
    "resumeHeading": _Reader.subheading,
    "resumeSubSubheading": _Reader.subsubheading,
    "resumeProjectHeading": _Reader.project_heading,
    "resumeItem": _Reader.resume_item,
    "resumeSubItem": _Reader.resume_item,
    "item": _Reader.item,
    "cventry": _Reader.cventry,
    "cvsubentry": _Reader.cvsubentry,
    "cvhonor": _Reader.cvhonor,
    "cvskill": _Reader.cvitem,
    "cvitem": _Reader.cvitem,
    "cvitemwithcomment": lambda reader, i: reader.cvitem(i, 3),
    "cvlistitem": lambda reader, i: reader.cvitem(i, 1),
    "cvdoubleitem": lambda reader, i: reader.cvitem(i, 4),
    "name": _Reader.name,
    "firstname": _Reader.name_part,
    "familyname": _Reader.name_part,
    "position": _Reader.position,
    "email": lambda reader, i: reader.contact(i, "email"),
    "mobile": lambda reader, i: reader.contact(i, "phone"),
    "phone": lambda reader, i: reader.contact(i, "phone"),
    "address": _Reader.address,
    "social": _Reader.social,
    **{
        kind: (lambda k: lambda reader, i: reader.profile(i, k))(kind)
        for kind in ("github", "linkedin", "gitlab", "twitter", "homepage")
    },
    "quote": _skip(1),
    "photo": _skip(1),
    "makecvheader": _skip(0),
    "makecvtitle": _skip(0),
    "makecvfooter": _skip(3),
    "documentclass": _skip(1),
    "usepackage": _skip(1),
    "newcommand": _Reader.definition,
    "renewcommand": _Reader.definition,
    "providecommand": _Reader.definition,
    "DeclareRobustCommand": _Reader.definition,
    "newenvironment": lambda reader, i: reader.definition(i, 2),
    "renewenvironment": lambda reader, i: reader.definition(i, 2),
    "def": _Reader.def_,
    "gdef": _Reader.def_,
    "edef": _Reader.def_,
    "xdef": _Reader.def_,
    "let": _Reader.let,
    "input": _Reader.input,
    "include": _Reader.input,
    "subfile": _Reader.input,
    "includeonly": _Reader.input,
    "import": lambda reader, i: reader.input(i, 2),
    "subimport": lambda reader, i: reader.input(i, 2),
    "InputIfFileExists": lambda reader, i: reader.input(i, 3),
    "write": _Reader.write,
}


def read(source: str) -> dict:
    """Contact, summary and sections of a LaTeX resume."""
    builder = ResumeBuilder()
    reader = _Reader(strip_comments(source), builder)
    reader.run()
    if reader.inputs:
        hint = (
            ": \\input and \\include are never followed, so paste the included sections"
            " into the file itself"
        )
    else:
        hint = " (no \\section or \\cvsection in the LaTeX source)"
    return builder.build(hint, require_sections=not reader.declared_header)
