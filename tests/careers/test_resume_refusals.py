"""careers resume import: what is refused, with the reason, and input built to hang or
escape a parser (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.careers.resumes import ResumeParseError, parse_resume

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"

# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "   \n\t  \n"])
def test_empty_input_is_refused(content):
    with pytest.raises(ResumeParseError, match="empty"):
        parse_resume(content, "markdown")


@pytest.mark.parametrize("fmt", ["docx", "", "pdf"])
def test_unknown_format_is_refused_naming_the_supported_ones(fmt):
    with pytest.raises(ResumeParseError, match="latex.*markdown"):
        parse_resume("# Jane\n\n## Experience\n", fmt)


def test_binary_garbage_is_refused():
    garbage = bytes(range(256)).decode("latin-1") * 8
    with pytest.raises(ResumeParseError, match="binary"):
        parse_resume(garbage, "latex")
    with pytest.raises(ResumeParseError, match="binary"):
        parse_resume("%PDF-1.7\n\x00\x01\x02stream", "markdown")


def test_a_tex_file_with_no_sections_is_refused():
    text = "\\documentclass{article}\n\\begin{document}\nHello, I am Jane.\n\\end{document}\n"
    with pytest.raises(ResumeParseError, match=r"no resume sections.*\\section"):
        parse_resume(text, "latex")


def test_a_tex_file_whose_sections_come_from_input_says_input_is_not_followed():
    text = "\\documentclass{article}\n\\begin{document}\n\\input{experience}\n\\end{document}\n"
    with pytest.raises(ResumeParseError, match="never followed"):
        parse_resume(text, "latex")


def test_markdown_without_section_headings_is_refused():
    with pytest.raises(ResumeParseError, match="no section headings"):
        parse_resume("Just a paragraph about me.\n\nAnd another.\n", "markdown")


def test_latex_given_as_markdown_is_refused_rather_than_misread():
    text = (FIXTURES / "jake_style.tex").read_text(encoding="utf-8")
    with pytest.raises(ResumeParseError):
        parse_resume(text, "markdown")


# --- adversarial input --------------------------------------------------------------------------


# Pathological input must finish, not backtrack for minutes: each of these tests carries a
# pytest-timeout far above a normal parse and far below a runaway one. No wall-clock
# threshold is asserted (a loaded machine is slow, not wrong).
HANGS = pytest.mark.timeout(60)


def _quickly(fn, *args):
    try:
        return fn(*args)
    except ResumeParseError as exc:
        return exc


@HANGS
@pytest.mark.parametrize(
    "text",
    [
        "\\section{Experience}\n\\resumeItem{never closed\n" * 2000,
        "\\section{Experience}}}}\n\\item x\n",
        "\\section{Experience" + "{" * 10_000,
    ],
    ids=["unclosed", "extra-closing", "ten-thousand-open"],
)
def test_unbalanced_braces_are_refused_quickly_with_the_reason(text):
    result = _quickly(parse_resume, text, "latex")
    assert isinstance(result, ResumeParseError)
    assert "unbalanced braces" in result.message


@HANGS
def test_ten_thousand_nested_braces_complete_quickly():
    deep = "{" * 10_000 + "deep text" + "}" * 10_000
    text = f"\\section{{Experience}}\n\\resumeItem{{{deep}}}\n\\item \\textbf{{{deep}}}\n"
    resume = _quickly(parse_resume, text, "latex")
    assert resume["sections"][0]["items"] == ["deep text", "deep text"]


@HANGS
def test_nested_href_and_accents_do_not_recurse_without_bound():
    text = "\\section{Experience}\n\\item " + "\\href{u}{" * 5000 + "x" + "}" * 5000 + "\n"
    resume = _quickly(parse_resume, text, "latex")
    assert resume["sections"][0]["items"] == ["x"]


@HANGS
def test_macro_definitions_are_never_expanded_even_when_they_loop():
    text = (
        "\\def\\a{\\a\\a}\\newcommand{\\b}{\\b\\b}\\let\\c\\a\n"
        "\\documentclass{article}\\begin{document}\n\\a\\b\\c\n\\section{Experience}\n"
        "\\item Loops stay text \\a\\b\n" + "\\def\\x{\\x}\\x" * 2000 + "\n\\end{document}\n"
    )
    resume = _quickly(parse_resume, text, "latex")
    assert resume["sections"][0]["items"] == ["Loops stay text"]


def test_shell_escape_is_never_run(tmp_path):
    marker = tmp_path / "pwned"
    text = (
        f"\\immediate\\write18{{touch {marker}}}\n\\section{{Experience}}\n"
        f"\\item Safe \\write18{{touch {marker}}}\n"
    )
    resume = parse_resume(text, "latex")
    assert not marker.exists()
    assert resume["sections"][0]["items"] == ["Safe"]


@HANGS
def test_many_stray_brackets_and_markers_stay_fast():
    latex = "\\section{Experience}\n" + "\\item[" * 20_000 + "\n" + "\\cventry[" * 5000
    assert not isinstance(_quickly(parse_resume, latex, "latex"), Exception)
    markdown = "# A\n\n## Experience\n\n- " + "*a _b " * 40_000 + "\n" + "<!--" * 5000
    assert not isinstance(_quickly(parse_resume, markdown, "markdown"), Exception)
