"""Job-board adapters over real HTTP: a local server answers the real APIs' paths with this
directory's invented payloads (real field names), and can be told to misbehave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.careers.board_server import (
    HANG,
    INVALID_JSON,
    BoardServer,
    serve_fixtures,
    status,
)
from workers.careers.boards import (
    LocalRateLimiter,
    Posting,
    Query,
    Source,
    base_url,
    dedupe,
    search,
    validate_sources,
)
from workers.careers.boards.base import relative_path
from workers.careers.boards.text import html_to_text, parse_salary, to_utc


@pytest.fixture
def boards(monkeypatch):
    server = serve_fixtures(BoardServer().start(), monkeypatch)
    yield server
    server.stop()


def run(sources, query=None, **kwargs):
    """search() with a fresh in-process limiter, so tests never share rate-limit slots."""
    kwargs.setdefault("timeout", 5.0)
    return search(sources, query, limiter=LocalRateLimiter(), **kwargs)


def only(outcome, platform: str) -> list[Posting]:
    return [p for p in outcome.postings if p.source == platform]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


GREENHOUSE = Source("greenhouse", "northwind")
LEVER = Source("lever", "quillfeather")
ASHBY = Source("ashby", "larkspur")
REMOTIVE = Source("remotive")
ARBEITNOW = Source("arbeitnow")
HIMALAYAS = Source("himalayas")
SMARTRECRUITERS = Source("smartrecruiters", "Bramblecorp")


# --- each adapter normalizes its board ------------------------------------------------------------


def test_greenhouse_postings_are_normalized_with_clean_text(boards):
    outcome = run([GREENHOUSE])

    assert outcome.platforms == [
        {
            "platform": "greenhouse",
            "board": "northwind",
            "status": "ok",
            "count": 3,
            "fetched": 3,
        }
    ]
    backend, designer, sre = outcome.postings
    assert backend.title == "Senior Backend Engineer"
    assert backend.company == "Northwind Robotics"
    assert backend.location == "Berlin, Germany"
    assert backend.department == "Engineering"
    assert backend.employment_type == "full_time"
    assert backend.posted_at == utc(2026, 3, 2, 14, 15)
    assert backend.apply_url == "https://job-boards.greenhouse.io/northwind/jobs/4100001"
    assert (backend.source, backend.source_id) == ("greenhouse", "4100001")
    assert backend.description == (
        "About the team\n\n"
        "We write the fleet software that keeps warehouse robots & their humans out of each "
        "other's way.\n\n"
        "- Python & Go services\n"
        "- Postgres at scale\n\n"
        'Apply by "Friday".'
    )
    assert (designer.remote, designer.workplace_type) == (True, "remote")
    assert designer.posted_at == utc(2026, 2, 14, 22, 30)
    assert "Café budget included." in designer.description
    assert (sre.remote, sre.workplace_type) == (False, "hybrid")
    assert sre.description == "Keep 40 sites online.\n\nOn-call: one week in six."


def test_lever_postings_carry_salary_range_and_millisecond_timestamps(boards):
    data, support, intern = run([LEVER]).postings

    assert data.title == "Data Engineer"
    assert data.company == "Quillfeather"
    assert (data.location, data.department) == ("Toronto", "Data")
    assert (data.remote, data.workplace_type, data.employment_type) == (True, "remote", "full_time")
    assert (data.salary_min, data.salary_max) == (110000, 135000)
    assert (data.salary_currency, data.salary_interval) == ("CAD", "year")
    assert data.posted_at == utc(2026, 1, 1)
    assert data.apply_url.endswith("/quillfeather/5c0f9e1a-7b2d-4e8a-9c3f-000000000001/apply")
    assert data.source_id == "5c0f9e1a-7b2d-4e8a-9c3f-000000000001"
    assert data.description == (
        "Quillfeather turns handwritten ledgers into searchable archives.\n\n"
        "What you'll do\n\n- Own the ingestion pipelines\n- Model data in dbt\n\n"
        "Who you are\n\n- Fluent in SQL & Python\n\n"
        "Quillfeather hires people, not checklists."
    )
    assert (support.workplace_type, support.remote, support.employment_type) == (
        "onsite",
        False,
        "part_time",
    )
    assert support.salary_min is None
    assert "archivists’ questions" in support.description
    assert (intern.employment_type, intern.workplace_type) == ("internship", "hybrid")
    assert (intern.salary_min, intern.salary_max, intern.salary_interval) == (24, 28, "hour")


def test_ashby_reads_the_salary_component_not_equity_and_skips_unlisted_jobs(boards):
    outcome = run([ASHBY])

    assert [p.title for p in outcome.postings] == [
        "Machine Learning Engineer",
        "Office Manager",
        "Staff Security Engineer",
    ]
    ml, office, security = outcome.postings
    assert ml.company == "Larkspur"
    assert ml.location == "Remote - US; New York"
    assert (ml.remote, ml.workplace_type, ml.employment_type) == (True, "remote", "full_time")
    assert (ml.salary_min, ml.salary_max, ml.salary_currency, ml.salary_interval) == (
        160000,
        190000,
        "USD",
        "year",
    )
    assert ml.posted_at == utc(2026, 2, 10, 18, 30)
    assert ml.description == (
        "Larkspur predicts crop yields from satellite images.\n\nWe ship models weekly."
    )
    assert ml.apply_url.endswith("/application")
    # Only the formatted summary carries this one's pay.
    assert (office.salary_min, office.salary_max, office.salary_interval) == (28, 32, "hour")
    assert (office.workplace_type, office.remote, office.employment_type) == (
        "onsite",
        False,
        "part_time",
    )
    assert security.workplace_type == "hybrid"
    assert security.salary_min is None


def test_remotive_parses_salary_strings_and_reads_naive_dates_as_utc(boards):
    python, support, designer = run([REMOTIVE]).postings

    assert (python.title, python.company) == ("Python Developer", "Bluefin Analytics")
    assert (python.remote, python.workplace_type) == (True, "remote")
    assert python.location == "Worldwide"
    assert (python.salary_min, python.salary_max) == (90000, 120000)
    assert (python.salary_currency, python.salary_interval) == ("USD", "year")
    assert python.posted_at == utc(2026, 4, 1, 8)
    assert python.employment_type == "full_time"
    assert python.description == "Stack: Python, Django & Postgres.\n\nAsync-first team."
    assert python.source_id == "1900001"
    assert support.salary_min is None and support.employment_type == "contract"
    assert (designer.salary_min, designer.salary_currency) == (60000, "EUR")


def test_arbeitnow_follows_next_links_on_the_configured_host(boards):
    outcome = run([ARBEITNOW])

    assert boards.hits["/api/job-board-api"] == 2
    assert [p.source_id for p in outcome.postings] == [
        "senior-backend-engineer-berlin-410001",
        "werkstudent-data-hamburg-410002",
        "frontend-developer-remote-410003",
    ]
    backend, student, frontend = outcome.postings
    # Entity-escaped HTML with entities inside: unescaped once for the tags, once for the text.
    assert backend.description == "Wir suchen Verstärkung für unser Flotten-Team."
    assert backend.posted_at == utc(2026, 3, 2, 10)
    assert (backend.remote, backend.employment_type) == (False, "full_time")
    assert student.employment_type == "part_time"
    assert student.description == "Deine Aufgaben\n\n- Dashboards bauen\n- SQL-Abfragen & Reports"
    assert (frontend.remote, frontend.workplace_type) == (True, "remote")


def test_himalayas_pages_by_cursor_and_reads_structured_salary(boards):
    outcome = run([HIMALAYAS])

    rust, qa, writer = outcome.postings
    assert boards.hits["/jobs/api"] == 2
    assert (rust.company, rust.location) == ("Ferrous", "Germany, Netherlands")
    assert (rust.salary_min, rust.salary_max, rust.salary_currency, rust.salary_interval) == (
        120000,
        150000,
        "EUR",
        "year",
    )
    assert (qa.salary_interval, qa.employment_type) == ("hour", "contract")
    assert rust.posted_at == datetime.fromtimestamp(1772600000, UTC)
    assert rust.source_id == "https://himalayas.app/companies/ferrous/jobs/rust-engineer"
    assert writer.location is None and writer.salary_min is None
    assert all(p.remote for p in outcome.postings)


def test_smartrecruiters_pages_by_offset_and_reads_location_flags(boards):
    outcome = run([SMARTRECRUITERS])

    programmer, community, intern = outcome.postings
    assert outcome.platforms[0]["count"] == 3
    assert (programmer.company, programmer.location) == ("Bramble Games", "Lyon, ARA, France")
    assert (programmer.workplace_type, programmer.employment_type) == ("onsite", "full_time")
    assert (community.remote, intern.workplace_type) == (True, "hybrid")
    assert intern.employment_type == "internship"
    assert programmer.apply_url == "https://jobs.smartrecruiters.com/Bramblecorp/900000000000101"
    assert programmer.posted_at == utc(2026, 3, 3, 10)


def test_every_posting_time_is_timezone_aware_utc(boards):
    outcome = run([GREENHOUSE, LEVER, ASHBY, REMOTIVE, ARBEITNOW, HIMALAYAS, SMARTRECRUITERS])

    assert {p["status"] for p in outcome.platforms} == {"ok"}
    assert all(p.posted_at.utcoffset() == timedelta(0) for p in outcome.postings)


# --- filtering ------------------------------------------------------------------------------------


def test_query_words_location_and_remote_filter_postings(boards):
    sources = [GREENHOUSE, LEVER, REMOTIVE]

    python = run(sources, {"query": "PYTHON"})
    assert sorted(p.title for p in python.postings) == [
        "Data Engineer",  # "SQL & Python" in its description
        "Python Developer",
        "Senior Backend Engineer",
    ]
    assert [p["count"] for p in python.platforms] == [1, 1, 1]
    assert [p["fetched"] for p in python.platforms] == [3, 3, 3]

    toronto = run(sources, Query(location="toronto"))
    assert sorted(p.title for p in toronto.postings) == ["Data Engineer", "Summer Intern, Research"]

    remote = run(sources, Query(remote=True))
    assert all(p.remote for p in remote.postings)
    assert "Senior Backend Engineer" not in {p.title for p in remote.postings}

    on_site = run(sources, Query(text="engineer", remote=False))
    assert sorted(p.title for p in on_site.postings) == [
        "Senior Backend Engineer",
        "Site Reliability Engineer",
    ]


def test_query_matches_whole_words_case_and_accent_insensitively():
    posting = Posting(
        title="Développeur C++ Senior",
        company="Ößterreich Soft",
        location="Zürich, Switzerland",
        department="R&D",
        description="Node.js and Go.",
        source="test",
        source_id="1",
    )

    assert Query("developpeur c++").matches(posting)
    assert Query("node go senior").matches(posting)
    assert Query(location="zurich").matches(posting)
    assert not Query("develop").matches(posting)  # words, not prefixes
    assert not Query("developpeur java").matches(posting)  # every word must be there
    assert not Query(location="Geneva").matches(posting)
    assert not Query(remote=True).matches(posting)
    assert Query(remote=False).matches(posting)


# --- dedupe ---------------------------------------------------------------------------------------


def test_same_board_listed_twice_is_deduped_by_source_id(boards):
    outcome = run([LEVER, Source("LEVER", " quillfeather ")])

    assert [p["status"] for p in outcome.platforms] == ["ok", "ok"]
    assert len(outcome.postings) == 3


def test_same_job_on_two_platforms_is_kept_once_with_the_richer_record(boards):
    outcome = run([GREENHOUSE, REMOTIVE, ARBEITNOW])

    designers = [p for p in outcome.postings if p.title == "Product Designer"]
    # Greenhouse lists it first; Remotive's copy has the salary, so Remotive's is kept.
    assert [(p.source, p.salary_min) for p in designers] == [("remotive", 60000)]
    assert outcome.postings.index(designers[0]) == 1
    backends = [p for p in outcome.postings if "Backend" in p.title]
    assert len(backends) == 1  # "Northwind Robotics" and "… GmbH", "(m/w/d)" dropped
    assert len(outcome.postings) == 3 + 3 + 3 - 2


def test_fingerprint_ignores_legal_suffixes_accents_punctuation_and_gender_markers():
    def fingerprint(company, title, location):
        return Posting(
            title=title, company=company, location=location, source="t", source_id="1"
        ).fingerprint

    assert fingerprint("Café Müller GmbH", "Koch (m/w/d)", "München") == fingerprint(
        "cafe muller", "KOCH", "Munchen"
    )
    assert fingerprint("Acme Co., Ltd.", "Data  Engineer", "Hybrid - London") == fingerprint(
        "ACME", "Data Engineer", "London"
    )
    assert fingerprint("Co Health", "Nurse", None) != fingerprint("Health", "Nurse", None)
    assert fingerprint("Acme", "Engineer", "Berlin") != fingerprint("Acme", "Engineer", "Paris")


def test_dedupe_keeps_first_position_and_most_complete_record():
    bare = Posting(title="Chef", company="Olive", source="a", source_id="1")
    rich = Posting(
        title="Chef", company="Olive Ltd", description="Grill.", source="b", source_id="9"
    )
    other = Posting(title="Baker", company="Olive", source="a", source_id="2")

    assert dedupe([bare, other, rich]) == [rich, other]


# --- failures stay with their platform ------------------------------------------------------------


def test_rate_limited_board_is_retried_after_retry_after(boards):
    boards.script("/v1/boards/northwind/jobs", status(429, retry_after="1"))

    outcome = run([GREENHOUSE, LEVER])

    assert [p["status"] for p in outcome.platforms] == ["ok", "ok"]
    assert boards.hits["/v1/boards/northwind/jobs"] == 2
    assert len(only(outcome, "greenhouse")) == 3


def test_server_error_then_success_recovers(boards):
    boards.script("/v0/postings/quillfeather", status(500), status(503))

    outcome = run([LEVER])

    assert outcome.platforms[0]["status"] == "ok"
    assert boards.hits["/v0/postings/quillfeather"] == 3


def test_repeated_server_errors_fail_only_that_platform(boards):
    boards.script("/v0/postings/quillfeather", *[status(502)] * 5)

    outcome = run([GREENHOUSE, LEVER, REMOTIVE], retries=1)

    greenhouse, lever, remotive = outcome.platforms
    assert lever["status"] == "error"
    assert lever["code"] == "SCRAPING_ERROR"
    assert "HTTP 502" in lever["message"]
    assert (lever["platform"], lever["board"], lever["count"]) == ("lever", "quillfeather", 0)
    assert (greenhouse["status"], remotive["status"]) == ("ok", "ok")
    assert boards.hits["/v0/postings/quillfeather"] == 2  # one try, one retry
    assert not only(outcome, "lever") and only(outcome, "greenhouse")


def test_hanging_board_times_out_while_the_others_succeed(boards):
    boards.script("/posting-api/job-board/larkspur", HANG)

    outcome = run([ASHBY, GREENHOUSE, REMOTIVE], timeout=1.0)

    ashby, greenhouse, remotive = outcome.platforms
    assert (ashby["status"], ashby["code"]) == ("error", "SCRAPING_ERROR")
    assert "timed out" in ashby["message"]
    assert (greenhouse["status"], remotive["status"]) == ("ok", "ok")
    assert len(outcome.postings) == 6 - 1  # the designer on both boards, once


def test_invalid_json_and_unknown_board_are_scraping_errors(boards):
    boards.script("/api/remote-jobs", INVALID_JSON)

    outcome = run([REMOTIVE, Source("greenhouse", "no-such-board")])

    remotive, missing = outcome.platforms
    assert (remotive["code"], remotive["message"]) == (
        "SCRAPING_ERROR",
        "the board answered with invalid JSON",
    )
    assert missing["code"] == "SCRAPING_ERROR" and "404" in missing["message"]
    assert boards.hits["/api/remote-jobs"] == 1  # neither is worth a retry


def test_unexpected_payload_shape_is_a_scraping_error(boards):
    boards.serve("/v1/boards/odd/jobs", {"results": []})

    (entry,) = run([Source("greenhouse", "odd")]).platforms

    assert entry["code"] == "SCRAPING_ERROR" and "shape" in entry["message"]


def test_unknown_platform_is_reported_not_raised(boards):
    outcome = run([{"platform": "monster", "board": "x"}, {"platform": "remotive"}])

    unknown, remotive = outcome.platforms
    assert unknown["status"] == "error" and unknown["code"] == "VALIDATION_ERROR"
    assert remotive["status"] == "ok"
    assert json.loads(json.dumps(outcome.to_dict()))["platforms"] == outcome.platforms


def test_validate_sources_reports_each_problem():
    problems = validate_sources(
        [
            {"platform": "greenhouse", "board": "vercel"},
            {"platform": "monster", "board": "x"},
            {"platform": "lever"},
            {"platform": "ashby", "board": "../admin"},
            {"platform": "greenhouse", "board": "a b"},
            {"platform": "remotive", "board": None},
            {"platform": "Arbeitnow"},
            {"board": "vercel"},
            "greenhouse",
            {"platform": "smartrecruiters", "board": "Ubisoft2"},
        ]
    )

    assert set(problems) == {1, 2, 3, 4, 7, 8}
    assert "unknown platform" in problems[1]
    assert "needs a board" in problems[2]
    assert "letters, digits" in problems[3] and "letters, digits" in problems[4]


def test_next_page_links_to_the_real_host_are_asked_of_the_configured_one():
    mirror = "http://127.0.0.1:9000/mirror"
    real_link = "https://www.arbeitnow.com/api/job-board-api?page=3"
    assert relative_path(real_link, mirror) == "/api/job-board-api?page=3"
    assert (
        relative_path(mirror + "/api/job-board-api?page=3", mirror) == "/api/job-board-api?page=3"
    )
    assert relative_path(None, mirror) is None


def test_base_url_defaults_to_the_real_host(monkeypatch):
    monkeypatch.delenv("KAIROS_PLATFORM_LEVER_URL", raising=False)
    assert base_url("lever") == "https://api.lever.co"
    monkeypatch.setenv("KAIROS_PLATFORM_LEVER_URL", "http://mirror.test:9000/lever/")
    assert base_url("lever") == "http://mirror.test:9000/lever"


# --- text helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        (None, ""),
        ("", ""),
        ("plain &amp; simple", "plain & simple"),
        ("<p>a</p><script>alert('<p>x</p>')</script><style>p{}</style><p>b</p>", "a\n\nb"),
        ("&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;", "Tom & Jerry"),
        ("&amp;lt;b&amp;gt;twice&amp;lt;/b&amp;gt;", "twice"),
        ("<p>Use &lt;div&gt; tags</p>", "Use <div> tags"),
        ("<ul>\n<li>\n<p>one</p>\n</li>\n<li>two</li>\n</ul>", "- one\n- two"),
        ("<ol><li>first</li><li>second <b>bold</b></li></ol>", "- first\n- second bold"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<div>x&nbsp;&nbsp;y</div>", "x y"),
        ('<p>kept</p><div class="cut off mid', "kept"),
        ("<h2>Title</h2><p>Body   with\n  spaces</p>", "Title\n\nBody with spaces"),
        ("<p>caf&eacute; &#8211; &#x2014; &rsquo;</p>", "café – — ’"),
        ("<noscript><img src=x></noscript><p>only</p><!-- note -->", "only"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
    ],
)
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$90k - $105k", (90000, 105000, "USD", "year")),
        ("€50.000–60.000 per year", (50000, 60000, "EUR", "year")),
        ("100,000 - 120,000 EUR p.a.", (100000, 120000, "EUR", "year")),
        ("£30 - £35 per hour", (30, 35, "GBP", "hour")),
        ("up to CA$4,500/month", (None, 4500, "CAD", "month")),
        ("$120k+", (120000, None, "USD", "year")),
        ("USD 600 per day", (600, 600, "USD", "day")),
        ("4000", (4000, 4000, None, None)),
    ],
)
def test_parse_salary(text, expected):
    assert tuple(parse_salary(text)) == expected


@pytest.mark.parametrize("text", [None, "", "Competitive", "DOE"])
def test_parse_salary_without_figures_is_none(text):
    assert parse_salary(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T09:15:00-05:00", utc(2026, 3, 2, 14, 15)),
        ("2026-03-02T09:15:00Z", utc(2026, 3, 2, 9, 15)),
        ("2026-03-02T09:15:00", utc(2026, 3, 2, 9, 15)),
        (1772445600, utc(2026, 3, 2, 10)),
        (1772445600000, utc(2026, 3, 2, 10)),
        ("1772445600", utc(2026, 3, 2, 10)),
        ("Mon, 02 Mar 2026 10:00:00 +0100", utc(2026, 3, 2, 9)),
        ("not a date", None),
        (None, None),
        (True, None),
    ],
)
def test_to_utc(value, expected):
    assert to_utc(value) == expected
