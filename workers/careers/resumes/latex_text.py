r"""Inline LaTeX: a small tokenizer over the source and its conversion to plain text, never
a TeX engine.

Nothing is executed or expanded. Braces are paired once with a stack, so deep nesting costs
nothing and unbalanced braces are reported instead of followed. \write18 is dropped, never
run. The resume reader (:mod:`workers.careers.resumes.latex`) walks the structure on top.
"""

from __future__ import annotations

import re
import unicodedata

from workers.careers.resumes.builder import ResumeParseError, clean

CONTROL = re.compile(r"\\(?:([A-Za-z@]+)(\*?)|(.))", re.S)
_BRACE_TOKENS = re.compile(r"\\.|[{}]", re.S)
_ITEM_SCAN = re.compile(r"\\(?:([A-Za-z@]+)|.)|[{}]", re.S)
_OPTIONAL_SCAN = re.compile(r"\\.|[\[\]{}]", re.S)
_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
_SPACE = re.compile(r"\s*")
STREAM = re.compile(r"\s*\d*")  # \write's stream number

# Macros that open a section, an entry or an item: the reader takes them only after
# \begin{document}, and an item's text ends at one (or at a list's start or end).
BODY_ONLY = {
    "section", "cvsection", "subsection", "subsubsection", "cvsubsection", "resumeSubheading",
    "resumeHeading", "resumeSubSubheading", "resumeProjectHeading", "resumeItem",
    "resumeSubItem", "item", "cventry", "cvsubentry", "cvhonor", "cvskill", "cvitem",
    "cvitemwithcomment", "cvlistitem", "cvdoubleitem",
}  # fmt: skip
_ITEM_STOPS = (BODY_ONLY | {"begin", "end"}) | {
    "resumeItemListStart", "resumeItemListEnd", "resumeSubHeadingListStart",
    "resumeSubHeadingListEnd",
}  # fmt: skip


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


class Source:
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
    source = Source(raw, strict=False)
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


def _control_to_text(source: Source, i: int, out: list[str], links: list | None, depth: int) -> int:
    text = source.text
    match = CONTROL.match(text, i)
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
        return source.args(STREAM.match(text, j).end(), 1)[2]
    if name == "verb" and j < len(text):
        end = text.find(text[j], j + 1)
        end = len(text) if end < 0 else end
        out.append(text[j + 1 : end])
        return end + 1
    # Anything else is formatting (\textbf, \small, \scshape, ...): the macro goes, its braced
    # argument stays as text; an optional argument glued to it ([C], [t]) goes with it.
    return source.optional(j)[1] if text.startswith("[", j) else j


def _accent(source: Source, j: int, mark: str, out: list[str], letter: bool) -> int:
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
