"""careers resume import: LaTeX and Markdown layouts into one structured resume (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.careers.domain.rules import detect_format
from workers.careers.resumes import parse_resume

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir())


def load(name: str) -> dict:
    return parse_resume((FIXTURES / name).read_text(encoding="utf-8"), detect_format(name))


def section(resume: dict, kind: str, index: int = 0) -> dict:
    return [s for s in resume["sections"] if s["kind"] == kind][index]


def heading(entry: dict) -> tuple[str, str, str, str, str]:
    return entry["title"], entry["organization"], entry["location"], entry["start"], entry["end"]


# --- formats and the kept source ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("cv.tex", "latex"),
        ("CV.LaTeX", "latex"),
        ("resume.md", "markdown"),
        ("resume.markdown", "markdown"),
        ("resume.pdf", None),
        ("README", None),
    ],
)
def test_detect_format_reads_the_file_extension(filename, expected):
    assert detect_format(filename) == expected


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_layout_keeps_the_original_source_and_its_format(name):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    resume = parse_resume(text, detect_format(name))
    assert resume["source"] == text
    assert resume["format"] == detect_format(name)
    assert "id" not in resume
    assert set(resume) == {"title", "format", "contact", "summary", "sections", "source"}
    for sec in resume["sections"]:
        assert sec["kind"] in {"experience", "education", "projects", "skills", "other"}
        for entry in sec["entries"]:
            assert set(entry) == {"title", "organization", "location", "start", "end", "bullets"}


def test_the_title_is_the_given_one_or_else_the_name():
    text = (FIXTURES / "atx_bullets.md").read_text(encoding="utf-8")
    assert parse_resume(text, "markdown")["title"] == "Kofi Mensah"
    assert parse_resume(text, "md", title="  Mobile roles ")["title"] == "Mobile roles"


# --- Jake's template ----------------------------------------------------------------------------


def test_jake_experience_puts_the_role_in_title_and_the_company_in_organization():
    first = section(load("jake_style.tex"), "experience")["entries"][0]
    assert heading(first) == (
        "Backend Engineer",
        "Cactus Logistics",
        "Austin, TX",
        "Jun. 2020",
        "Present",
    )
    assert first["bullets"] == [
        "Cut p95 checkout latency by 40% by moving rate lookups into a Redis cache",
        "Built the carrier R&D sandbox with Go and PostgreSQL",
    ]


def test_jake_education_puts_the_degree_in_title_and_the_school_in_organization():
    (entry,) = section(load("jake_style.tex"), "education")["entries"]
    assert heading(entry) == (
        "Bachelor of Science in Computer Engineering, Minor in Mathematics",
        "Rio Grande Technical University",
        "El Paso, TX",
        "Aug. 2016",
        "May 2020",
    )


def test_jake_sub_subheading_is_another_role_at_the_same_company():
    entries = section(load("jake_style.tex"), "experience")["entries"]
    assert heading(entries[1]) == (
        "Junior Backend Engineer",
        "Cactus Logistics",
        "Austin, TX",
        "Jan. 2019",
        "May 2020",
    )
    assert entries[1]["bullets"] == ["Wrote the label-printing service used by 30 warehouses"]


def test_jake_commented_out_entries_are_not_read():
    entries = section(load("jake_style.tex"), "experience")["entries"]
    assert [e["title"] for e in entries] == [
        "Backend Engineer",
        "Junior Backend Engineer",
        "Software Engineering Intern",
    ]


def test_jake_header_gives_the_name_phone_email_and_links():
    contact = load("jake_style.tex")["contact"]
    assert contact["name"] == "Marisol Vega"
    assert contact["phone"] == "512-555-0147"
    assert contact["email"] == "marisol.vega@example.com"
    assert contact["links"] == ["https://linkedin.com/in/marisolvega", "https://github.com/mvega"]


def test_jake_project_heading_keeps_the_name_stack_and_dates():
    (entry,) = section(load("jake_style.tex"), "projects")["entries"]
    assert heading(entry) == ("Tidepool | Rust, WebAssembly", "", "", "Jan. 2021", "Present")
    assert entry["bullets"] == ["Browser tide-chart renderer drawing 10k points at 60 fps"]


def test_jake_skills_become_items_split_at_line_breaks():
    skills = section(load("jake_style.tex"), "skills")
    assert skills["title"] == "Technical Skills"
    assert skills["entries"] == []
    assert skills["items"] == [
        "Languages: Go, Python, SQL, TypeScript",
        "Tools: Docker, Kubernetes, Terraform",
    ]


# --- sb2nov's template --------------------------------------------------------------------------


def test_sb2nov_experience_puts_the_company_first_and_the_role_second():
    entries = section(load("sb2nov_style.tex"), "experience")["entries"]
    assert heading(entries[0]) == (
        "Staff Data Engineer",
        "Quillfeather",
        "Seattle, WA",
        "Mar 2019",
        "Present",
    )
    assert heading(entries[1]) == (
        "Data Engineer",
        "Harbor Freight Data",
        "Chicago, IL",
        "Jun 2016",
        "Feb 2019",
    )


def test_sb2nov_education_puts_the_degree_in_title_and_the_school_in_organization():
    (entry,) = section(load("sb2nov_style.tex"), "education")["entries"]
    assert entry["title"] == "Master of Science in Computer Science; GPA: 3.90"
    assert entry["organization"] == "Lakeshore Institute of Technology"


def test_sb2nov_two_argument_items_join_title_and_description():
    first = section(load("sb2nov_style.tex"), "experience")["entries"][0]
    assert first["bullets"][0] == (
        "Streaming: Replaced nightly batch loads with a Kafka pipeline feeding the warehouse "
        "within 2 minutes."
    )


def test_sb2nov_tabular_header_gives_name_email_phone_and_site():
    contact = load("sb2nov_style.tex")["contact"]
    assert contact == {
        "name": "Devika Raman",
        "email": "devika@devikaraman.example.net",
        "phone": "+1-415-555-0199",
        "location": "",
        "links": ["https://devikaraman.example.net/"],
    }


def test_sb2nov_sub_items_outside_any_entry_become_section_items():
    projects = section(load("sb2nov_style.tex"), "projects")
    assert projects["entries"] == []
    assert projects["items"] == [
        "Parquet Lint: Command-line checker for schema drift in Parquet datasets.",
        "Ferry: Tiny CDC replicator from MySQL binlogs to S3.",
    ]


# --- Awesome-CV ---------------------------------------------------------------------------------


def test_awesome_cv_header_macros_fill_the_contact():
    contact = load("awesome_cv_style.tex")["contact"]
    assert contact == {
        "name": "Henrik Aalto",
        "email": "henrik.aalto@example.fi",
        "phone": "(+358) 40 123 4567",
        "location": "Kallio, Helsinki, Finland",
        "links": [
            "https://www.henrikaalto.example",
            "https://github.com/haalto",
            "https://www.linkedin.com/in/henrik-aalto",
        ],
    }


def test_awesome_cv_entry_reads_position_organization_location_dates_and_cvitems():
    entries = section(load("awesome_cv_style.tex"), "experience")["entries"]
    assert heading(entries[0]) == (
        "Site Reliability Engineer",
        "Northlight Oy",
        "Helsinki, Finland",
        "Mar. 2021",
        "Present",
    )
    assert entries[0]["bullets"][1] == (
        "Introduced SLOs and error budgets; pages per week dropped by 70%."
    )
    assert entries[1]["title"] == "Platform Engineer & Team Lead"
    assert entries[1]["organization"] == "Birchwood Payments Ltd."


def test_awesome_cv_summary_paragraph_becomes_the_summary_not_a_section():
    resume = load("awesome_cv_style.tex")
    assert resume["summary"].startswith("Reliability engineer who turns paging noise")
    assert "Summary" not in [s["title"] for s in resume["sections"]]


def test_awesome_cv_honors_are_entries_and_skills_are_items():
    resume = load("awesome_cv_style.tex")
    (honor,) = section(resume, "other")["entries"]
    assert heading(honor) == ("Winner", "Junction Hackathon", "Helsinki, Finland", "2019", "")
    assert section(resume, "skills")["items"] == [
        "Cloud: AWS, GCP, Terraform, Kubernetes",
        "Languages: Go, Python, Bash",
    ]


def test_awesome_cv_position_is_the_summary_when_there_is_no_other():
    text = (FIXTURES / "awesome_cv_style.tex").read_text(encoding="utf-8")
    text = text.replace("\\cvsection{Summary}", "").replace("Reliability engineer", "%")
    text = text.replace("payment and logistics platforms on Kubernetes.", "")
    summary = parse_resume(text, "latex")["summary"]
    assert summary == "Site Reliability Engineer · Platform Architect"


def test_input_and_include_are_ignored_never_followed(tmp_path, monkeypatch):
    (tmp_path / "secret.tex").write_text("\\section{Leaked}\\item SECRET-FROM-DISK\n")
    monkeypatch.chdir(tmp_path)
    text = (FIXTURES / "awesome_cv_style.tex").read_text(encoding="utf-8")
    text = text.replace("\\input{/etc/passwd}", "\\input{secret.tex}\\include{secret}")
    resume = parse_resume(text, "latex")
    flat = repr({key: value for key, value in resume.items() if key != "source"})
    assert "SECRET" not in flat and "Leaked" not in flat
    assert "root:" not in repr(load("awesome_cv_style.tex"))


def test_a_main_file_whose_sections_are_all_input_keeps_its_declared_header():
    text = (FIXTURES / "awesome_cv_style.tex").read_text(encoding="utf-8")
    header_only = text.split("\\cvsection{Summary}")[0] + "\\end{document}\n"
    resume = parse_resume(header_only, "latex")
    assert resume["contact"]["name"] == "Henrik Aalto"
    assert resume["sections"] == []


# --- moderncv -----------------------------------------------------------------------------------


def test_moderncv_entry_reads_the_dates_first():
    resume = load("moderncv_style.tex")
    (degree,) = section(resume, "education")["entries"]
    assert heading(degree) == (
        "M.Sc. in Automatic Control",
        "Gdańsk University of Technology",
        "Gdańsk",
        "2010",
        "2015",
    )
    assert degree["bullets"] == ["grade 5.0", "Thesis: low-power scheduling on Cortex-M0."]
    lead, developer = section(resume, "experience")["entries"]
    assert heading(lead) == ("Firmware Lead", "Baltic Sensors", "Gdynia", "2018", "Present")
    assert lead["bullets"][1] == "Cut over-the-air update failures from 3% to 0.2%."
    assert developer["bullets"] == ["Wrote motor-control drivers in C for marine winches."]


def test_moderncv_accents_and_header_macros_become_plain_unicode():
    resume = load("moderncv_style.tex")
    assert section(resume, "experience")["entries"][1]["location"] == "Kraków"
    assert resume["contact"] == {
        "name": "Tomasz Wieczorek",
        "email": "tomasz.wieczorek@example.pl",
        "phone": "+48 600 123 456",
        "location": "Gdańsk, Poland",
        "links": [
            "https://www.linkedin.com/in/tomasz-wieczorek",
            "https://github.com/twieczorek",
        ],
    }
    assert section(resume, "skills")["items"] == [
        "Languages: C, C++, Rust, Python",
        "Tools: Zephyr, FreeRTOS, Yocto",
    ]


# --- plain \section + itemize -------------------------------------------------------------------


def test_plain_sections_read_entry_headings_from_text_lines_with_dates():
    resume = load("plain_sections.tex")
    staff, engineer = section(resume, "experience")["entries"]
    assert heading(staff) == ("Staff Engineer", "Lumen Freight", "Portland, OR", "2019", "Present")
    assert staff["bullets"][0] == "Cut CI time from 40 to 9 minutes with remote build caching."
    assert heading(engineer) == ("Software Engineer", "Acme Robotics", "", "Jun. 2015", "Dec. 2018")
    (degree,) = section(resume, "education")["entries"]
    assert heading(degree) == (
        "B.S. in Computer Science",
        "Oregon State University",
        "",
        "2011",
        "2015",
    )


def test_plain_sections_header_profile_and_undated_lists():
    resume = load("plain_sections.tex")
    assert resume["contact"] == {
        "name": "Priya Raman",
        "email": "priya.raman@example.org",
        "phone": "(555) 014-2288",
        "location": "Portland, OR",
        "links": ["https://priyaraman.example.dev"],
    }
    assert resume["summary"] == "Platform engineer focused on developer tooling and build systems."
    assert section(resume, "skills")["items"] == [
        "Languages: Python, Go, C++",
        "Build: Bazel, Buck2, Nix",
    ]
    assert section(resume, "other")["items"] == ["Best Internal Tool, Lumen Freight Hack Week"]


# --- Markdown -----------------------------------------------------------------------------------


def test_setext_name_blockquote_summary_and_closing_contact_blockquote():
    resume = load("setext_pandoc.md")
    assert resume["contact"] == {
        "name": "Aiyana Brooks",
        "email": "aiyana.brooks@example.com",
        "phone": "+1 (402) 555 0123",
        "location": "Lincoln, NE",
        "links": [],
    }
    assert resume["summary"] == (
        "Data engineer who likes boring, reliable pipelines and clear documentation. "
        "Ending a line with a backslash forces a line break."
    )
    assert [s["title"] for s in resume["sections"]] == [
        "Education",
        "Experience",
        "Projects",
        "Skills",
    ]


def test_pandoc_definition_lists_give_dated_degrees_with_school_and_town():
    first, second = section(load("setext_pandoc.md"), "education")["entries"]
    assert heading(first) == (
        "BSc, Applied Mathematics",
        "Prairie State University",
        "Lincoln",
        "2012",
        "2016",
    )
    assert first["bullets"] == ["Thesis: Sparse solvers for irrigation networks"]
    # the definition wraps over two lines
    assert heading(second) == (
        "MSc, Statistics",
        "University of the Plains",
        "Omaha",
        "2016",
        "2018 (expected)",
    )


def test_markdown_bold_lines_start_entries_and_keep_their_paragraphs_and_bullets():
    data, intern = section(load("setext_pandoc.md"), "experience")["entries"]
    assert heading(data) == ("Data Engineer", "Cornfield Analytics", "", "2018", "2023")
    assert data["bullets"] == [
        "Owned the ingestion layer for agronomy sensor data. Highlights:",
        "Rebuilt the nightly loads as incremental jobs, cutting runtime from six hours to "
        "forty minutes.",
        "Added Great Expectations checks to every table.",
    ]
    assert heading(intern) == ("Analyst Intern", "", "", "", "")


def test_pandoc_named_definitions_are_entries_and_skill_definitions_are_items():
    resume = load("setext_pandoc.md")
    (project,) = section(resume, "projects")["entries"]
    assert project["title"] == "Hayfield"
    assert project["bullets"] == [
        "A small DAG scheduler written in Go.",
        "Runs 300 jobs a day for a local co-op.",
    ]
    assert section(resume, "skills")["items"] == [
        "Languages: Python, SQL, Go",
        "Tools: Airflow, dbt, Postgres",
    ]


def test_atx_name_drops_the_cv_prefix_and_labelled_lines_fill_the_contact():
    resume = load("atx_bullets.md")
    assert resume["contact"] == {
        "name": "Kofi Mensah",
        "email": "kofi.mensah@example.com",
        "phone": "",
        "location": "Accra, Ghana",
        "links": ["linkedin.com/in/kofimensah", "github.com/kmensah"],
    }
    assert resume["summary"].startswith("Mobile engineer with seven years")


def test_atx_company_heading_then_bold_role_then_dates_line():
    sika, kente = section(load("atx_bullets.md"), "experience")["entries"]
    assert heading(sika) == (
        "Senior Android Engineer",
        "Sika Wallet",
        "Accra, Ghana",
        "2020",
        "2024",
    )
    assert sika["bullets"] == [
        "Led the rewrite of the payments flow in Kotlin and Jetpack Compose",
        "Cut app start time by 45% with baseline profiles",
        "Introduced feature flags for staged roll-outs",
    ]
    assert heading(kente) == ("Mobile Developer", "Kente Labs", "Remote", "Jan 2017", "Dec 2019")


def test_atx_one_line_degrees_are_entries_and_undated_bullets_are_items():
    resume = load("atx_bullets.md")
    (degree,) = section(resume, "education")["entries"]
    assert heading(degree) == ("BSc Computer Science", "University of Ghana", "", "2016", "")
    projects = section(resume, "projects")
    assert projects["items"] == ["MoMo Kit (Open Source) -- Kotlin library for mobile-money APIs"]
    assert section(resume, "skills")["items"] == [
        "Languages: Kotlin, Java, Swift",
        "Tools: Gradle, Firebase, GitHub Actions",
    ]


def test_markdown_role_at_company_headings_and_dash_ranges():
    text = (
        "# Ana Lima\n\nana@example.com | +55 11 5555 0100 | São Paulo, Brazil\n\n"
        "## Experience\n\n### Tech Lead at Samba Pay\n\nMar 2021 to Present\n\n- Led 8 people\n\n"
        "### Backend Developer, Ipê Cloud\n2018 - 2021\n\n- Wrote billing\n"
    )
    resume = parse_resume(text, "markdown")
    lead, backend = resume["sections"][0]["entries"]
    assert heading(lead) == ("Tech Lead", "Samba Pay", "", "Mar 2021", "Present")
    assert heading(backend) == ("Backend Developer", "Ipê Cloud", "", "2018", "2021")
    assert resume["contact"]["location"] == "São Paulo, Brazil"
    assert resume["contact"]["phone"] == "+55 11 5555 0100"


def test_markdown_role_and_company_order_is_decided_by_their_words_when_not_explicit():
    text = (
        "# Jo Park\n\n## Experience\n\n"
        "**Globex** — Staff Engineer (2021–Present)\n- Led a thing\n\n"
        "### Initech | Backend Developer | 2015 - 2019\n\n"
        "## Education\n\n### B.Sc. Computer Science, Coastal University, 2015\n"
    )
    experience, education = parse_resume(text, "markdown")["sections"]
    assert [heading(e) for e in experience["entries"]] == [
        ("Staff Engineer", "Globex", "", "2021", "Present"),
        ("Backend Developer", "Initech", "", "2015", "2019"),
    ]
    assert heading(education["entries"][0]) == (
        "B.Sc. Computer Science",
        "Coastal University",
        "",
        "2015",
        "",
    )


def test_latex_subheading_without_dates_or_locations_falls_back_on_role_words():
    text = "\\section{Experience}\n\\resumeSubheading{Software Developer}{}{Initech}{}\n"
    (entry,) = parse_resume(text, "latex")["sections"][0]["entries"]
    assert (entry["title"], entry["organization"]) == ("Software Developer", "Initech")
