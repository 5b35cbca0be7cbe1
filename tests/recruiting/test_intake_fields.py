"""Field extraction and text extraction on their own (pure code, no worker)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from tests.recruiting.agent_helpers import docx_bytes, pdf_bytes
from workers.recruiting.intake.candidate_fields import experience_years, extract_candidate
from workers.recruiting.intake.extract import ExtractionError, Limits, extract_text
from workers.recruiting.intake.job_fields import extract_job, find_salary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Salary: $160k-$200k", (160000, 200000, "USD")),
        ("pay 150,000 - 190,000 USD per year", (150000, 190000, "USD")),
        ("€70k–90k", (70000, 90000, "EUR")),
        ("up to £80,000", (None, 80000, "GBP")),
        ("salary 160-200k", (160000, 200000, None)),
        ("5+ years of experience, 3 to 5 reports", (None, None, None)),
        ("$60/hour contract", (None, None, None)),
    ],
)
def test_salary_ranges(text, expected):
    assert find_salary(text) == expected


def test_a_prompt_gives_every_field_it_states_and_no_others():
    job = extract_job(
        "Looking for a data scientist in London, UK. Must have SQL and Python; Spark preferred."
    )
    assert job["title"] == "Data Scientist" and job["department"] == "Data"
    assert job["location"] == "London, UK"
    assert job["required_skills"] == ["SQL", "Python"] and job["nice_to_have_skills"] == [
        "Apache Spark"
    ]
    assert job["employment_type"] is None and job["remote_option"] is None
    assert job["salary_min"] is None and job["currency"] is None


def test_years_of_experience_count_overlaps_once():
    spans = [((2015, 1), (2017, 12)), ((2017, 1), (2018, 12)), ((2020, 1), (2020, 12))]
    assert experience_years(spans) == 5  # 2015-2018 is four years, 2020 one more
    assert experience_years([]) is None


def test_a_plain_text_resume():
    text = (
        "JOHN SMITH\nBackend Developer\njohn@smith.dev | (212) 555-0100 | New York, NY\n\n"
        "Work Experience\nBackend Developer | Acme Corp | 03/2021 - Present\n"
        "Intern at Initech, 2019 - 2020\n"
    )
    c = extract_candidate(text, "text", today=date(2025, 3, 1))
    assert c["full_name"] == "John Smith" and c["email"] == "john@smith.dev"
    assert (c["current_title"], c["current_company"]) == ("Backend Developer", "Acme Corp")
    assert c["experience_years"] == 6 and c["location"] == "New York, NY"
    assert c["website_url"] is None  # an e-mail's domain is no website


def test_text_comes_out_of_real_pdf_and_docx():
    assert "Ada Lovelace" in extract_text(pdf_bytes("Ada Lovelace\nAnalyst"), "pdf")
    assert extract_text(docx_bytes("Ada Lovelace\nAnalyst"), "docx").splitlines() == [
        "Ada Lovelace",
        "Analyst",
    ]


def _zip(members: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt", "code"),
    [
        (_zip({"word/document.xml": b" " * (3 * 1024 * 1024)}), "docx", "FILE_TOO_LARGE"),  # ratio
        (_zip({f"f{i}": b"x" for i in range(20)}, zipfile.ZIP_STORED), "docx", "FILE_TOO_LARGE"),
        (_zip({"a.txt": b"hello"}), "docx", "UNREADABLE_FILE"),  # a zip, not a Word document
        (b"\x00\x01\x02binary\x00" * 100, "text", "UNREADABLE_FILE"),
        (b"a" * 2000, "pdf", "UNREADABLE_FILE"),
        (b"", "text", "NO_TEXT"),
    ],
)
def test_extraction_failures_have_codes(data, fmt, code):
    limits = Limits(max_zip_members=10)
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, fmt, limits)
    assert caught.value.code == code


def test_the_real_expanded_size_is_capped_even_under_the_ratio():
    data = _zip(
        {f"word/part{i}.xml": bytes(range(256)) * 400 for i in range(10)}
        | {"word/document.xml": b"<w/>"}
    )
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, "docx", Limits(max_uncompressed=500_000))
    assert caught.value.code == "FILE_TOO_LARGE"


def test_a_reader_that_runs_out_of_memory_takes_only_its_child_down(monkeypatch):
    from workers.recruiting.intake import sandbox

    # So little address space that the child dies while loading the PDF reader.
    monkeypatch.setattr(sandbox, "MEMORY_LIMIT", 40 * 1024 * 1024)
    with pytest.raises(ExtractionError) as caught:
        sandbox.extract_isolated(pdf_bytes("Ada Lovelace"), "pdf")
    assert caught.value.code in ("UNREADABLE_FILE", "FILE_TOO_LARGE")
    monkeypatch.undo()
    assert "Ada Lovelace" in sandbox.extract_isolated(pdf_bytes("Ada Lovelace"), "pdf")
