r"""LaTeX resume reader: a small tokenizer over the source, never a TeX engine.

Nothing is executed or expanded. Macro definitions (\def, \newcommand, ...) are skipped,
\input, \include and \write18 are ignored (nothing is read from disk or run), and braces
are paired once with a stack, so deep nesting costs nothing and unbalanced braces are
reported instead of followed.

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
import unicodedata

from workers.careers.resumes.builder import (
    ResumeBuilder,
    ResumeParseError,
    clean,
    is_date,
    looks_like_location,
    role_first,
)

_CONTROL = re.compile(r"\\(?:([A-Za-z@]+)(\*?)|(.))", re.S)
_BRACE_TOKENS = re.compile(r"\\.|[{}]", re.S)
_ITEM_SCAN = re.compile(r"\\(?:([A-Za-z@]+)|.)|[{}]", re.S)
_ITEM = re.compile(r"\\item(?![A-Za-z@])")
_OPTIONAL_SCAN = re.compile(r"\\.|[\[\]{}]", re.S)
_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_SPACE = re.compile(r"\s*")
_STREAM = re.compile(r"\s*\d*")  # \write's stream number
_BARE_FILENAME = re.compile(r"[^\s\\{}]*")  # \input file, without braces


def strip_comments(source: str) -> str:
    """Drop % comments (not \\%); a line that was only a comment goes entirely, since TeX
    does not see a paragraph break there."""
    lines = []
    for line in source.splitlines():
        match = _COMMENT.search(line)
        if match:
            line = line[: match.start()] + match[1]
            if not line.strip():
                continue
        lines.append(line)
    return "\n".join(lines)


def _near(text: str, pos: int) -> str:
    return repr(clean(text[max(0, pos - 25) : pos + 25]))


def _pair_braces(text: str, strict: bool) -> dict[int, int]:
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for match in _BRACE_TOKENS.finditer(text):
        token = match.group()
        if token == "{":
            stack.append(match.start())
        elif token == "}":
            if stack:
                pairs[stack.pop()] = match.start()
            elif strict:
                raise ResumeParseError(
                    f"unbalanced braces: an extra '}}' near {_near(text, match.start())}"
                )
    if stack and strict:
        raise ResumeParseError(
            f"unbalanced braces: a '{{' is never closed near {_near(text, stack[0])}"
        )
    return pairs


class _Source:
    """LaTeX text with its braces paired, and readers for macro arguments."""

    def __init__(self, text: str, strict: bool):
        self.text = text
        self.pairs = _pair_braces(text, strict)

    def skip_space(self, i: int) -> int:
        return _SPACE.match(self.text, i).end()

    def group(self, i: int) -> tuple[str, int] | None:
        """The braced group opening at ``i`` and the position after it."""
        close = self.pairs.get(i)
        return None if close is None else (self.text[i + 1 : close], close + 1)

    def optional(self, i: int) -> tuple[str | None, int]:
        """An [optional argument] after spaces at ``i``, else (None, i)."""
        text, start = self.text, self.skip_space(i)
        if start >= len(text) or text[start] != "[":
            return None, i
        # Bounded, and a nested "[" ends the search: a stray "[" must not make every later
        # call scan the rest of the text.
        limit, j = start + 500, start + 1
        while match := _OPTIONAL_SCAN.search(text, j, limit):
            token = match.group()
            if token == "]":
                return text[start + 1 : match.start()], match.end()
            if token == "{" and match.start() in self.pairs:
                j = self.pairs[match.start()] + 1
            elif token in "[{}":
                break
            else:
                j = match.end()
        return None, i

    def args(self, i: int, count: int, extra: int = 0) -> tuple[list[str], list[str], int]:
        """Optional arguments, then ``count`` groups (a missing one reads as ""), then up to
        ``extra`` more groups while one follows."""
        options: list[str] = []
        while True:
            option, after = self.optional(i)
            if option is None:
                break
            options.append(option)
            i = after
        groups: list[str] = []
        for index in range(count + extra):
            found = self.group(self.skip_space(i))
            if found is None:
                if index >= count:
                    break
                groups.append("")
                continue
            text, i = found
            groups.append(text)
        return options, groups, i

    def item_end(self, i: int) -> int:
        """Where an item's text ends: at the next structural macro or list boundary at its
        own brace depth, or at the brace closing the group it sits in (Jake's skills put
        the \\item inside \\small{...})."""
        while True:
            match = _ITEM_SCAN.search(self.text, i)
            if match is None:
                return len(self.text)
            token = match.group()
            if token == "{":
                close = self.pairs.get(match.start())
                i = match.end() if close is None else close + 1
            elif token == "}" or match[1] in _ITEM_STOPS:
                return match.start()
            else:
                i = match.end()


# --- inline LaTeX to plain text ---------------------------------------------------------------

_SYMBOLS = {
    "textbar": "|", "vert": "|", "mid": "|", "textbullet": "•", "bullet": "•",
    "cdotp": "·", "cdot": "·", "textperiodcentered": "·", "ldots": "…", "dots": "…",
    "textellipsis": "…", "textendash": "–", "textemdash": "—", "textbackslash": "\\",
    "textasciitilde": "~", "sim": "~", "textasciicircum": "^", "textless": "<",
    "textgreater": ">", "textunderscore": "_", "textdollar": "$", "textrightarrow": "→",
    "rightarrow": "→", "to": "→", "textleftarrow": "←", "leftarrow": "←", "texteuro": "€",
    "euro": "€", "pounds": "£", "textsterling": "£", "textdegree": "°", "texttimes": "×",
    "times": "×", "textcopyright": "©", "textregistered": "®", "texttrademark": "™",
    "textpm": "±", "pm": "±", "approx": "≈", "textquotedbl": '"', "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”", "S": "§",
    "quad": " ", "qquad": " ", "enskip": " ", "enspace": " ", "thinspace": " ", "space": " ",
    "hfill": "\t", "hfil": "\t", "newline": "\n", "linebreak": "\n", "par": "\n\n",
    "LaTeX": "LaTeX", "TeX": "TeX", "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å",
    "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı",
}  # fmt: skip
_CHARACTERS = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", "|": "|",
    " ": " ", ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": "",
    "(": "", ")": "", "[": "", "]": "",
}  # fmt: skip
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
# Macros whose arguments are not text (lengths, colours, file names, environment names).
_DROP_ARGS = {
    "vspace": 1, "hspace": 1, "setlength": 2, "addtolength": 2, "color": 1, "textcolor": 1,
    "colorbox": 1, "fontsize": 2, "includegraphics": 1, "label": 1, "pagestyle": 1,
    "thispagestyle": 1, "rule": 2, "raisebox": 1, "parbox": 1, "begin": 1, "end": 1,
    "input": 1, "include": 1, "usepackage": 1, "documentclass": 1, "definecolor": 3,
    "hypersetup": 1, "titleformat": 1, "setcounter": 2, "pdfbookmark": 2,
}  # fmt: skip
_ACTIVE = {"~": " ", "&": "\t", "`": "‘", "'": "'"}  # ~ is a space, & a column
_TEXT_RUN = re.compile(r"[^\\{}$~&\-`'\n^_]+")
_DASHES = re.compile(r"-{1,3}")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_URL_ESCAPE = re.compile(r"\\([%#&_~$])")
_SPACES_NOT_TABS = re.compile(r"[^\S\t]+")
_TAB_SPACES = re.compile(r" ?\t[ \t]*")
_BLANK_LINES = re.compile(r"\n{3,}")
_HREF_DEPTH = 8


def _unescape_url(url: str) -> str:
    return _URL_ESCAPE.sub(r"\1", clean(url))


def to_text(raw: str, links: list[tuple[str, str]] | None = None, _depth: int = 0) -> str:
    """Plain text from inline LaTeX: formatting dropped, symbols and accents converted.

    Braces are transparent, so \\textbf{x} is x without any recursion on nesting depth.
    \\\\ becomes a line break, a blank line a paragraph break ("\\n\\n"), & and \\hfill a tab
    (a column). \\href{url}{text} is its text; with ``links`` the (url, text) pairs are
    collected there.
    """
    source = _Source(raw, strict=False)
    out: list[str] = []
    math = False
    i = 0
    while i < len(raw):
        run = _TEXT_RUN.match(raw, i)
        if run:
            out.append(run.group())
            i = run.end()
            continue
        ch = raw[i]
        if ch == "\\":
            i = _control_to_text(source, i, out, links, _depth)
            continue
        if ch == "-":
            dashes = _DASHES.match(raw, i).group()
            out.append(("-", "–", "—")[len(dashes) - 1])
            i += len(dashes)
            continue
        if ch == "\n":
            blank = _BLANK_LINE.match(raw, i)
            out.append("\n\n" if blank else " ")
            i = blank.end() if blank else i + 1
            continue
        if ch in "`'" and raw.startswith(ch * 2, i):
            out.append("“" if ch == "`" else "”")
            i += 2
            continue
        if ch == "$":
            math = not math
        elif ch in "^_":
            if not math:
                out.append(ch)
        else:
            out.append(_ACTIVE.get(ch, ""))  # braces are transparent
        i += 1
    return _tidy("".join(out))


def _control_to_text(
    source: _Source, i: int, out: list[str], links: list | None, depth: int
) -> int:
    text = source.text
    match = _CONTROL.match(text, i)
    name, symbol, j = match[1], match[3], match.end()
    if symbol is not None:
        if symbol == "\\":  # line break, maybe \\* or \\[2pt]
            out.append("\n")
            j += text.startswith("*", j)
            return source.optional(j)[1] if text.startswith("[", j) else j
        if symbol in _ACCENTS:
            return _accent(source, j, _ACCENTS[symbol], out, letter=False)
        out.append(_CHARACTERS.get(symbol, symbol))
        return j
    if name in _ACCENTS and len(name) == 1:
        return _accent(source, j, _ACCENTS[name], out, letter=True)
    if name in _SYMBOLS:
        out.append(_SYMBOLS[name])
        return j
    if name in _DROP_ARGS:
        return source.args(j, _DROP_ARGS[name])[2]
    if name == "url":
        _, (url,), j = source.args(j, 1)
        url = _unescape_url(url)
        out.append(url)
        if links is not None:
            links.append((url, url))
        return j
    if name == "href" and depth < _HREF_DEPTH:
        _, (url, label), j = source.args(j, 2)
        label = to_text(label, None, depth + 1)
        out.append(label)
        if links is not None:
            links.append((_unescape_url(url), label))
        return j
    if name == "href":
        return source.args(j, 1)[2]
    if name == "write":  # \write18{shell command}: neither run nor shown
        return source.args(_STREAM.match(text, j).end(), 1)[2]
    if name == "verb" and j < len(text):
        end = text.find(text[j], j + 1)
        end = len(text) if end < 0 else end
        out.append(text[j + 1 : end])
        return end + 1
    # Anything else is formatting (\textbf, \small, \scshape, ...): the macro goes, its braced
    # argument stays as text; an optional argument glued to it ([C], [t]) goes with it.
    return source.optional(j)[1] if text.startswith("[", j) else j


def _accent(source: _Source, j: int, mark: str, out: list[str], letter: bool) -> int:
    text = source.text
    if letter:
        j = source.skip_space(j)
    if text.startswith("{", j):
        found = source.group(j)
        if found is not None:
            base = {"\\i": "i", "\\j": "j"}.get(found[0].strip(), found[0].strip())
            if len(base) == 1:
                out.append(base + mark)
                return found[1]
        return j
    if text.startswith(("\\i", "\\j"), j) and not text[j + 2 : j + 3].isalpha():
        out.append(text[j + 1] + mark)
        return j + 2
    if j < len(text) and text[j].isalpha():
        out.append(text[j] + mark)
        return j + 1
    return j


def _tidy(text: str) -> str:
    """NFC, spaces collapsed, tabs kept as column breaks, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    lines = []
    for line in text.split("\n"):
        line = _TAB_SPACES.sub("\t", _SPACES_NOT_TABS.sub(" ", line))
        lines.append(line.strip(" \t"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# --- the structure --------------------------------------------------------------------------


def _fields(title: str, organization: str, location: str, dates: str) -> dict:
    return {"title": title, "organization": organization, "location": location, "dates": dates}


def subheading_fields(first: str, second: str, third: str, fourth: str) -> dict:
    """Title, organization, location and dates from \\resumeSubheading's four arguments.

    The macro draws two rows, {#1 bold}{#2 right} over {#3 italic}{#4 right}, and the
    templates fill them differently::

        Jake, education    {Institution}{Location}{Degree}{Dates}
        Jake, experience   {Role}{Dates}{Company}{Location}
        sb2nov, both       {Company or Institution}{Location}{Role or Degree}{Dates}

    What they share: the dates sit beside the role or degree, the location beside the
    organization. So the row whose right column looks like a date carries the title and
    the other row the organization. When neither right column looks like a date, a
    location-like column marks the organization's row instead, then role and organization
    words (:func:`role_first`); with no clue at all the first row is the organization, as
    in three of the four layouts above.
    """
    if is_date(second) and not is_date(fourth):
        return _fields(first, third, fourth, second)
    if is_date(fourth):
        return _fields(third, first, second, fourth)
    if looks_like_location(fourth) and not looks_like_location(second):
        return _fields(first, third, fourth, second)
    title, organization = role_first(third, first)
    if title == first:  # the words say the first row is the role's
        return _fields(first, third, fourth, second)
    return _fields(third, first, second, fourth)


def _label(label: str, text: str) -> str:
    label, text = clean(label).rstrip(":"), text.strip()  # text keeps its line breaks
    return f"{label}: {text}" if label and text else label or text


def _list_texts(raw: str) -> list[str]:
    """The \\item texts of a description argument, and any prose outside them."""
    source = _Source(raw, strict=False)
    texts, i = [], 0
    while True:
        match = _ITEM.search(raw, i)
        prose = to_text(raw[i : match.start() if match else len(raw)])
        if prose:
            texts.append(prose)
        if match is None:
            return texts
        label, start = source.optional(match.end())
        i = source.item_end(start)
        texts.append(_label(to_text(label or ""), to_text(raw[start:i])))


_PROFILE_URLS = {
    "github": "https://github.com/",
    "linkedin": "https://www.linkedin.com/in/",
    "gitlab": "https://gitlab.com/",
    "twitter": "https://twitter.com/",
    "x": "https://x.com/",
    "stackoverflow": "https://stackoverflow.com/users/",
}
_SCHEME = re.compile(r"https?://", re.I)


def _profile_url(kind: str, value: str) -> str:
    value = value.strip().lstrip("@")
    if _SCHEME.match(value):
        return value
    if "/" in value or kind == "homepage":
        return "https://" + value
    return _PROFILE_URLS.get(kind, "https://") + value


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
        self.source = _Source(text, strict=True)
        self.builder = builder
        self.in_document = _BEGIN_DOCUMENT.search(text) is None
        self.loose: list[str] = []
        self.name_parts: list[str] = []
        self.inputs = 0
        self.declared_header = False  # \name, \email, ...: a header, even with no section

    def run(self) -> None:
        text, i = self.source.text, 0
        while i is not None and i < len(text):
            match = _CONTROL.search(text, i)
            if match is None:
                self.loose.append(text[i:])
                break
            self.loose.append(text[i : match.start()])
            handler = _HANDLERS.get(match[1]) if match[1] else None
            if handler is None or (match[1] in _BODY_ONLY and not self.in_document):
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
        for text in _list_texts(raw):
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
        self.builder.add_bullet(_label(*texts) if len(texts) == 2 else texts[0])
        return i

    def item(self, i: int) -> int:
        self.flush()
        label, start = self.source.optional(i)
        end = self.source.item_end(start)
        text = _label(to_text(label or ""), to_text(self.source.text[start:end]))
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
            self.builder.add_item(_label(label, text))
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
            self.builder.add_link(_profile_url(kind, text))
        return i

    def social(self, i: int) -> int:
        self.declared_header = True
        options, groups, i = self.source.args(i, 1)
        kind = clean(options[0]).lower() if options else "homepage"
        if to_text(groups[0]):
            self.builder.add_link(_profile_url(kind, to_text(groups[0])))
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
        match = _CONTROL.match(self.source.text, start)
        return match.end() if match else start

    def write(self, i: int) -> int:
        r"""\write18{shell command}: the stream number and the text are dropped."""
        return self.skip(_STREAM.match(self.source.text, i).end(), 1)


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
_BODY_ONLY = {
    "section", "cvsection", "subsection", "subsubsection", "cvsubsection", "resumeSubheading",
    "resumeHeading", "resumeSubSubheading", "resumeProjectHeading", "resumeItem",
    "resumeSubItem", "item", "cventry", "cvsubentry", "cvhonor", "cvskill", "cvitem",
    "cvitemwithcomment", "cvlistitem", "cvdoubleitem",
}  # fmt: skip
_ITEM_STOPS = (_BODY_ONLY | {"begin", "end"}) | {
    "resumeItemListStart", "resumeItemListEnd", "resumeSubHeadingListStart",
    "resumeSubHeadingListEnd",
}  # fmt: skip


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
