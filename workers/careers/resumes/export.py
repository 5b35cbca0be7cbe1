"""Resume export: Markdown, LaTeX and PDF renderings of a resume (original or tailored).

The Markdown and LaTeX outputs use layouts the importer reads back to the same sections,
entries and bullets: Markdown in the career-ops style ("### Company -- City", a **Role**
line, a dates line, "- " bullets), LaTeX as a plain article with sb2nov's argument order
({Company}{City}{Role}{Dates}). Missing keys are tolerated, since a tailored resume may be
partial.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

# --- what every rendering shows -----------------------------------------------------------------


def _name(resume: dict) -> str:
    return (resume.get("contact") or {}).get("name") or resume.get("title") or "Resume"


def _contact_parts(resume: dict) -> list[tuple[str, bool]]:
    """(text, is_link) for the contact line, in reading order."""
    contact = resume.get("contact") or {}
    parts = [(contact.get(key) or "", False) for key in ("email", "phone", "location")]
    parts += [(link, True) for link in contact.get("links") or ()]
    return [(text.strip(), is_link) for text, is_link in parts if text and text.strip()]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _sections(resume: dict) -> list[dict]:
    return [
        {
            "title": section.get("title") or (section.get("kind") or "other").title(),
            "items": [i for i in section.get("items") or () if i],
            "entries": section.get("entries") or [],
        }
        for section in resume.get("sections") or ()
    ]


def _dates(entry: dict) -> str:
    return " – ".join(d for d in (entry.get("start"), entry.get("end")) if d)


# --- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(?:\d+(?=[.)]\s)|(?=[#>:+-]))")


def _md(text: str) -> str:
    """Text that reads back as itself: inline markup characters backslash-escaped, and a
    line start that would open a block ("# ", "> ", "- ", "1. ") escaped too."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(lambda m: m[0] + "\\", text, count=1)


def to_markdown(resume: dict) -> str:
    lines = [f"# {_md(_name(resume))}", ""]
    contact = [f"<{t}>" if link and "://" in t else _md(t) for t, link in _contact_parts(resume)]
    if contact:
        lines += [" · ".join(contact), ""]
    if summary := _paragraphs(resume.get("summary") or ""):
        lines += ["## Summary", ""]
        for paragraph in summary:
            lines += [_md(paragraph), ""]
    for section in _sections(resume):
        lines += [f"## {_md(section['title'])}", ""]
        if section["items"]:
            lines += [f"- {_md(item)}" for item in section["items"]] + [""]
        for entry in section["entries"]:
            if heading := [p for p in (entry.get("organization"), entry.get("location")) if p]:
                lines.append("### " + " -- ".join(_md(p) for p in heading))
            if entry.get("title"):
                lines.append(f"**{_md(entry['title'])}**")
            if dates := _dates(entry):
                lines.append(_md(dates))
            lines.append("")
            if entry.get("bullets"):
                lines += [f"- {_md(b)}" for b in entry["bullets"] if b] + [""]
    return "\n".join(lines).rstrip() + "\n"


# --- LaTeX --------------------------------------------------------------------------------------

_LATEX_REPLACEMENTS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "\u00a0": "~",
    "–": "--", "—": "---", "…": r"\ldots{}", "“": r"\textquotedblleft{}",
    "”": r"\textquotedblright{}", "‘": r"\textquoteleft{}", "’": r"\textquoteright{}",
    "•": r"\textbullet{}", "·": r"\textperiodcentered{}", "→": r"\textrightarrow{}",
    "←": r"\textleftarrow{}", "€": r"\texteuro{}", "£": r"\pounds{}", "°": r"\textdegree{}",
    "×": r"\texttimes{}", "±": r"\textpm{}", "©": r"\textcopyright{}",
    "®": r"\textregistered{}", "™": r"\texttrademark{}",
}  # fmt: skip
_LATEX_TABLE = {ord(ch): out for ch, out in _LATEX_REPLACEMENTS.items()}
_LIGATURE_HYPHEN = re.compile(r"-(?=-)")


def latex_escape(text: str) -> str:
    r"""Text for a LaTeX document: the ten special characters (\ { } $ & # ^ _ ~ %) as
    commands, typographic punctuation as its LaTeX spelling, control characters as spaces,
    whitespace runs as one space.
    Other Unicode stays UTF-8: pdfLaTeX (inputenc, T1) sets Latin scripts, and XeLaTeX or
    LuaLaTeX (the preamble switches to fontspec) the rest."""
    text = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in unicodedata.normalize("NFC", text)
    )
    # A typed "--" stays two hyphens, not a dash: "-{}-" (NUL marks the {} past translate).
    text = _LIGATURE_HYPHEN.sub("-\0", text).translate(_LATEX_TABLE).replace("\0", "{}")
    return " ".join(text.split())


def _latex_url(url: str) -> str:
    """A URL for \\href: braces and backslashes percent-encoded, % and # escaped."""
    url = url.strip().replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")
    return url.replace("%", r"\%").replace("#", r"\#")


_LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{iftex}
\ifPDFTeX
  \usepackage[T1]{fontenc}
  \usepackage[utf8]{inputenc}
  \usepackage{lmodern}
  \usepackage{textcomp}
\else
  \usepackage{fontspec}
\fi
\usepackage[margin=0.75in]{geometry}
\usepackage[hidelinks]{hyperref}
\pagestyle{empty}
\setlength{\parindent}{0pt}

% {Organization}{Location}{Title}{Dates}, in sb2nov's order
\newcommand{\resumeSubheading}[4]{%
  \par\medskip\textbf{#1}\hfill #2\par\textit{#3}\hfill\textit{#4}\par}
% \relax keeps a bullet that starts with "[" from being read as an \item label
\newcommand{\resumeItem}[1]{\item\relax #1}
"""


def _latex_list(texts: list[str]) -> list[str]:
    if not texts:
        return []
    return ["\\begin{itemize}", *(f"  \\resumeItem{{{latex_escape(t)}}}" for t in texts)] + [
        "\\end{itemize}"
    ]


def to_latex(resume: dict) -> str:
    """A complete document that compiles with pdfLaTeX, XeLaTeX or LuaLaTeX."""
    lines = [_LATEX_PREAMBLE, "\\begin{document}", "", "\\begin{center}"]
    lines.append(f"{{\\LARGE\\bfseries {latex_escape(_name(resume))}}}")
    contact = [
        f"\\href{{{_latex_url(t)}}}{{{latex_escape(t)}}}" if link else latex_escape(t)
        for t, link in _contact_parts(resume)
    ]
    if contact:
        lines[-1] += "\\\\"
        lines.append(" \\textbar{} ".join(contact))
    lines += ["\\end{center}", ""]
    if summary := _paragraphs(resume.get("summary") or ""):
        lines += ["\\section*{Summary}", *(f"{latex_escape(p)}\n" for p in summary)]
    for section in _sections(resume):
        lines += [f"\\section*{{{latex_escape(section['title'])}}}", *_latex_list(section["items"])]
        for entry in section["entries"]:
            fields = [entry.get(k) or "" for k in ("organization", "location", "title")]
            args = [latex_escape(f) for f in [*fields, _dates(entry)]]
            lines.append("\\resumeSubheading" + "".join(f"{{{a}}}" for a in args))
            lines += _latex_list([b for b in entry.get("bullets") or () if b])
        lines.append("")
    lines += ["\\end{document}", ""]
    return "\n".join(lines)


# --- PDF ----------------------------------------------------------------------------------------

_FONT_DIRECTORIES = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/dejavu",  # Alpine, Arch
    "/usr/share/fonts/TTF",
)
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
_LATIN1_FALLBACKS = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "-", "…": "...",
     "→": "->", "←": "<-", "€": "EUR", "™": "(TM)", "\u00a0": " ",
     # letters with a stroke have no decomposition to fall back on
     "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe"}
)  # fmt: skip


@functools.cache
def _unicode_font() -> dict[str, str] | None:
    """DejaVu Sans (regular, bold, oblique) when the system has it; fpdf2 ships no TTF."""
    for directory in map(Path, _FONT_DIRECTORIES):
        if (directory / _FONT_FILES[""]).is_file():
            regular = str(directory / _FONT_FILES[""])
            return {
                style: str(directory / name) if (directory / name).is_file() else regular
                for style, name in _FONT_FILES.items()
            }
    return None


def _latin1(text: str) -> str:
    """Text the core PDF fonts can show: punctuation spelled out, accents kept where
    Latin-1 has the letter and dropped otherwise, anything else as "?"."""
    out = []
    for ch in unicodedata.normalize("NFC", text.translate(_LATIN1_FALLBACKS)):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 256)
        out.append(base or "?")
    return "".join(out)


class _PdfWriter:
    """A single-column page: name, contact line, sections with entries and bullets."""

    def __init__(self) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_auto_page_break(True, margin=16)
        font = _unicode_font()
        if font:
            for style, path in font.items():
                self.pdf.add_font("Body", style, path)
            self.family, self.encode = "Body", str
        else:
            self.family, self.encode = "Helvetica", _latin1
        self.pdf.add_page()

    def text(self, text: str, size: float, style: str = "", align: str = "L", indent=0.0):
        self.pdf.set_font(self.family, style, size)
        self.pdf.set_x(self.pdf.l_margin + indent)
        self.pdf.multi_cell(
            0, size * 0.45, self.encode(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def bullet(self, text: str) -> None:
        self.pdf.set_font(self.family, "", 10)
        self.pdf.set_x(self.pdf.l_margin + 3)
        self.pdf.cell(4, 4.5, self.encode("•"))
        # multi_cell keeps this x for every wrapped line: a hanging indent.
        self.pdf.multi_cell(
            0, 4.5, self.encode(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def heading(self, title: str) -> None:
        self.pdf.ln(3)
        self.text(title, 12.5, "B")
        y = self.pdf.get_y() + 0.5
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def to_pdf(resume: dict) -> bytes:
    writer = _PdfWriter()
    writer.pdf.set_title(writer.encode(_name(resume)))
    writer.text(_name(resume), 20, "B", align="C")
    if contact := _contact_parts(resume):
        writer.pdf.ln(1)
        writer.text(" · ".join(text for text, _ in contact), 9.5, align="C")
    if summary := _paragraphs(resume.get("summary") or ""):
        writer.heading("Summary")
        for paragraph in summary:
            writer.text(paragraph, 10)
    for section in _sections(resume):
        writer.heading(section["title"])
        for item in section["items"]:
            writer.bullet(item)
        for entry in section["entries"]:
            writer.pdf.ln(1.5)
            heading = entry.get("title") or entry.get("organization") or ""
            details = [entry.get("organization") if entry.get("title") else ""]
            details += [entry.get("location"), _dates(entry)]
            if heading:
                writer.text(heading, 11, "B")
            if details := " · ".join(d for d in details if d):
                writer.text(details, 9.5, "I")
            for bullet in entry.get("bullets") or ():
                if bullet:
                    writer.bullet(bullet)
    return writer.output()
