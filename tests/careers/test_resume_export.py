"""careers resume export: Markdown and LaTeX that read back the same, and a real PDF (pure)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from app.careers.domain.rules import detect_format
from workers.careers.resumes import export as export_module
from workers.careers.resumes import parse_resume
from workers.careers.resumes.export import latex_escape, to_latex, to_markdown, to_pdf
from workers.careers.resumes.latex_text import strip_comments

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir())
SPECIALS = "50% & $5 #1 under_score {x} ~ ^ \\"


def load(name: str) -> dict:
    return parse_resume((FIXTURES / name).read_text(encoding="utf-8"), detect_format(name))


def content(resume: dict) -> dict:
    """What a round trip must keep: contact, summary, and every section, entry and bullet."""
    return {key: resume[key] for key in ("contact", "summary", "sections")}


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def tailored(**overrides) -> dict:
    resume = {
        "title": "Backend roles",
        "contact": {
            "name": "José Müller",
            "email": "jose.muller@example.de",
            "phone": "+49 30 5555 0100",
            "location": "Berlin, Germany",
            "links": ["https://github.com/jmuller"],
        },
        "summary": "Backend engineer; payments and queues.",
        "sections": [
            {
                "kind": "experience",
                "title": "Experience",
                "entries": [
                    {
                        "title": "Senior Engineer",
                        "organization": "Zahlwerk GmbH",
                        "location": "Berlin, Germany",
                        "start": "Mar. 2019",
                        "end": "Present",
                        "bullets": ["Cut settlement latency from 9 s to 400 ms"],
                    }
                ],
                "items": [],
            },
            {"kind": "skills", "title": "Skills", "entries": [], "items": ["Go, Python, SQL"]},
        ],
    }
    resume.update(overrides)
    return resume


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_markdown_export_reads_back_to_the_same_sections_entries_and_bullets(name):
    resume = load(name)
    assert content(parse_resume(to_markdown(resume), "markdown")) == content(resume)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_latex_export_reads_back_to_the_same_sections_entries_and_bullets(name):
    resume = load(name)
    assert content(parse_resume(to_latex(resume), "latex")) == content(resume)


def test_markdown_export_has_the_career_ops_layout():
    text = to_markdown(tailored())
    assert text.startswith("# José Müller\n")
    entry = "### Zahlwerk GmbH -- Berlin, Germany\n**Senior Engineer**\nMar. 2019 – Present\n"
    assert entry in text
    assert "- Cut settlement latency from 9 s to 400 ms\n" in text
    assert "<https://github.com/jmuller>" in text


def test_markdown_escapes_markup_characters_and_reads_them_back():
    bullet = "Wrote *args and __init__ helpers, [x] <y> `z` # 2 \\ done"
    resume = tailored()
    bullets = [bullet, "- not a nested list", "1. not numbered either", "# nor a heading"]
    resume["sections"][0]["entries"][0]["bullets"] = bullets
    resume["summary"] = "1. Summary that looks like a list"
    back = parse_resume(to_markdown(resume), "markdown")
    assert back["sections"][0]["entries"][0]["bullets"] == bullets
    assert back["summary"] == "1. Summary that looks like a list"


def test_unicode_names_survive_markdown_and_latex_round_trips():
    resume = tailored()
    for text, fmt in ((to_markdown(resume), "markdown"), (to_latex(resume), "latex")):
        back = parse_resume(text, fmt)
        assert back["contact"]["name"] == "José Müller"
        assert back["sections"][0]["entries"][0]["organization"] == "Zahlwerk GmbH"


# --- LaTeX escaping -----------------------------------------------------------------------------


def test_latex_escape_handles_every_special_character():
    assert latex_escape(SPECIALS) == (
        r"50\% \& \$5 \#1 under\_score \{x\} \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}"
    )


def test_latex_escape_spells_typographic_unicode_and_keeps_letters():
    assert latex_escape("Zoë – “Łódź” … ‘x’ a--b") == (
        r"Zoë -- \textquotedblleft{}Łódź\textquotedblright{} \ldots{} "
        r"\textquoteleft{}x\textquoteright{} a-{}-b"
    )


def test_latex_export_escapes_every_field_and_reads_them_back():
    resume = tailored(summary=SPECIALS)
    entry = resume["sections"][0]["entries"][0]
    entry.update(title=SPECIALS, organization=SPECIALS, location="Köln", bullets=[SPECIALS])
    resume["sections"][0]["title"] = "Work & Play"
    text = to_latex(resume)
    assert SPECIALS not in text
    assert r"\resumeItem{50\% \& \$5" in text
    back = parse_resume(text, "latex")
    assert back["summary"] == SPECIALS
    (entry_back,) = back["sections"][0]["entries"]
    assert (entry_back["title"], entry_back["organization"]) == (SPECIALS, SPECIALS)
    assert entry_back["bullets"] == [SPECIALS]
    assert back["sections"][0]["title"] == "Work & Play"


def test_latex_export_is_a_complete_document_with_balanced_braces():
    text = to_latex(load("awesome_cv_style.tex"))
    assert text.startswith("\\documentclass[11pt]{article}")
    assert text.count("\\begin{document}") == 1
    assert text.rstrip().endswith("\\end{document}")
    assert text.count("\\begin{itemize}") == text.count("\\end{itemize}")
    # the importer's brace check raises on any imbalance
    parse_resume(strip_comments(text), "latex")


def test_latex_links_are_hrefs_with_url_specials_escaped():
    resume = tailored()
    resume["contact"]["links"] = ["https://example.com/a_b?q=1%20x#top"]
    text = to_latex(resume)
    assert r"\href{https://example.com/a_b?q=1\%20x\#top}" in text
    back = parse_resume(text, "latex")
    assert back["contact"]["links"] == ["https://example.com/a_b?q=1%20x#top"]


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_starts_with_the_magic_and_pypdf_finds_the_content():
    resume = load("jake_style.tex")
    data = to_pdf(resume)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "Marisol Vega",
        "Experience",
        "Backend Engineer",
        "Cactus Logistics",
        "Cut p95 checkout latency by 40% by moving rate lookups into a Redis cache",
        "Languages: Go, Python, SQL, TypeScript",
    ):
        assert expected in text


@pytest.mark.parametrize("font", ["system", "core"])
def test_pdf_keeps_unicode_names_with_or_without_a_unicode_font(font, monkeypatch):
    if font == "core":
        monkeypatch.setattr(export_module, "_unicode_font", lambda: None)
    elif export_module._unicode_font() is None:
        pytest.skip("no DejaVu Sans on this system")
    resume = tailored()
    resume["sections"][0]["entries"][0]["bullets"] = ["Ran Łódź → Kraków pilots — twice"]
    text = pdf_text(to_pdf(resume))
    assert "José Müller" in text
    assert "Zahlwerk GmbH" in text
    if font == "system":
        assert "Ran Łódź → Kraków pilots — twice" in text
    else:
        assert "Ran Lódz -> Kraków pilots - twice" in text  # Latin-1 has ó, not Ł or ź


def test_a_long_resume_flows_over_several_pages():
    resume = tailored()
    bullets = [f"Achievement number {n} with enough words to wrap a little" for n in range(150)]
    resume["sections"][0]["entries"][0]["bullets"] = bullets
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(resume)))
    assert len(reader.pages) > 1
    assert "Achievement number 149" in reader.pages[-1].extract_text()


def test_exports_tolerate_a_partial_tailored_resume():
    partial = {
        "contact": {"name": "Ana Lima"},
        "sections": [{"title": "Experience", "entries": [{"title": "Dev", "bullets": ["Did x"]}]}],
    }
    assert "**Dev**" in to_markdown(partial)
    assert "\\resumeSubheading{}{}{Dev}{}" in to_latex(partial)
    assert "Did x" in pdf_text(to_pdf(partial))
