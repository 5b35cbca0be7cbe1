"""What every board adapter shares: the normalized posting, the search inputs, the adapter
contract, the configurable base URL and the one error a board can raise.

An adapter is a small class: where the board's API lives (``path``), where its items are in the
payload (``items``), how one item becomes a :class:`Posting` (``to_posting``) and, for boards
that page, where the next page is (``next_path``). Fetching, retries and rate limits are not its
business (see ``http.py``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from workers.careers.boards.text import Salary, fold, words

log = logging.getLogger("kairos.careers.boards")

WORKPLACE_TYPES = ("remote", "hybrid", "onsite")

# Legal-form words that differ between boards for the same employer ("Acme GmbH" vs "Acme").
_COMPANY_SUFFIXES = frozenset(
    {"inc", "incorporated", "llc", "llp", "ltd", "limited", "gmbh", "ag", "se", "sa", "sas"}
    | {"sarl", "srl", "spa", "bv", "nv", "plc", "corp", "corporation", "co", "company", "oy"}
    | {"ab", "as", "aps", "pty", "pvt", "kg", "ug"}
)
# German boards add gender markers to titles: "(m/w/d)", "(x/f/m)", "(all genders)".
_GENDER_MARKER = re.compile(
    r"\(\s*(?:[mwfdxi]\s*[/|,]\s*)+[mwfdxi]\s*\)|\(\s*all genders?\s*\)", re.IGNORECASE
)

_EMPLOYMENT_WORDS = {
    "full": "full_time",
    "fulltime": "full_time",
    "permanent": "full_time",
    "vollzeit": "full_time",
    "part": "part_time",
    "parttime": "part_time",
    "teilzeit": "part_time",
    "werkstudent": "part_time",
    "contract": "contract",
    "contractor": "contract",
    "freelance": "contract",
    "freelancer": "contract",
    "intern": "internship",
    "internship": "internship",
    "praktikum": "internship",
    "apprenticeship": "internship",
    "temporary": "temporary",
    "temp": "temporary",
    "short": "temporary",  # Lever's "Short Term"
    "fixed": "temporary",  # "Fixed term"
    "befristet": "temporary",
}
_WORKPLACE_WORDS = {
    "remote": "remote",
    "hybrid": "hybrid",
    "onsite": "onsite",
    "office": "onsite",  # "Office-based", "In office"
    "inperson": "onsite",
}


def employment_type(text: str | None) -> str | None:
    """ "FullTime", "Full-time", "full_time", "Permanent", "Short Term" -> one vocabulary."""
    for word in words(text):
        if word in _EMPLOYMENT_WORDS:
            return _EMPLOYMENT_WORDS[word]
    return None


def workplace_type(text: str | None) -> str | None:
    """ "Remote", "OnSite", "on-site", "Hybrid - London" -> remote / onsite / hybrid."""
    folded = fold(text).replace("on site", "onsite").replace("in person", "inperson")
    for word in folded.split():
        if word in _WORKPLACE_WORDS:
            return _WORKPLACE_WORDS[word]
    return None


def company_from_board(board: str | None) -> str:
    """Lever and Ashby never name the employer; the board name is the best we have."""
    return " ".join(part.capitalize() for part in re.split(r"[-_.]+", board or "") if part)


def salary_fields(salary: Salary | None) -> dict:
    """Posting keyword arguments for a parsed salary (none when there is no salary)."""
    if salary is None or (salary.min is None and salary.max is None):
        return {}
    return {
        "salary_min": salary.min,
        "salary_max": salary.max,
        "salary_currency": salary.currency,
        "salary_interval": salary.interval,
    }


def joined(values, sep: str = ", ") -> str | None:
    text = sep.join(str(v).strip() for v in values or () if v and str(v).strip())
    return text or None


# --- the normalized posting -----------------------------------------------------------------------


@dataclass(kw_only=True)
class Posting:
    title: str
    company: str
    location: str | None = None
    remote: bool | None = None
    workplace_type: str | None = None
    department: str | None = None
    employment_type: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_interval: str | None = None
    description: str = ""
    posted_at: datetime | None = None
    apply_url: str | None = None
    source: str
    source_id: str

    def __post_init__(self) -> None:
        self.title = (self.title or "").strip()
        self.company = (self.company or "").strip()
        self.source_id = str(self.source_id)
        # Boards say it one way or the other; keep both fields consistent.
        if self.remote is None and self.workplace_type is not None:
            self.remote = self.workplace_type == "remote"
        if self.workplace_type is None and self.remote:
            self.workplace_type = "remote"

    @property
    def fingerprint(self) -> str:
        """The same job on two boards: employer, title and place, folded. Legal suffixes,
        gender markers and workplace words ("Hybrid - London") are left out."""
        company = words(self.company)
        while len(company) > 1 and company[-1] in _COMPANY_SUFFIXES:  # "Acme Co., Ltd."
            company.pop()
        title = fold(_GENDER_MARKER.sub(" ", self.title))
        location = [w for w in words(self.location) if w not in _WORKPLACE_WORDS]
        return "|".join((" ".join(company), title, " ".join(location)))

    def completeness(self) -> tuple:
        """Orders duplicates: pay first, then a description, then how many fields are known."""
        known = sum(1 for f in dataclasses.fields(self) if getattr(self, f.name) not in (None, ""))
        has_salary = self.salary_min is not None or self.salary_max is not None
        return (has_salary, bool(self.description), known, len(self.description))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["posted_at"] = self.posted_at.isoformat() if self.posted_at else None
        return data


# --- search inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    platform: str
    board: str | None = None

    @classmethod
    def coerce(cls, value: Source | Mapping) -> Source:
        """A Source from a request's {"platform", "board"}, with the platform lower-cased."""
        if isinstance(value, Source):
            platform, board = value.platform, value.board
        else:
            platform, board = value.get("platform"), value.get("board")
        board = board.strip() if isinstance(board, str) else board
        return cls(str(platform or "").strip().lower(), board or None)


@dataclass(frozen=True)
class Query:
    text: str = ""
    location: str | None = None
    remote: bool | None = None

    @classmethod
    def coerce(cls, value: Query | Mapping | str | None) -> Query:
        if isinstance(value, Query):
            return value
        if value is None or isinstance(value, str):
            return cls(text=value or "")
        return cls(
            text=value.get("query") or value.get("text") or "",
            location=value.get("location"),
            remote=value.get("remote"),
        )

    def matches(self, posting: Posting) -> bool:
        """Every query word appears as a word in the title, company, department or description;
        the location (if given) is part of the posting's; remote=True keeps remote postings
        only, remote=False drops them."""
        if self.remote is True and posting.remote is not True:
            return False
        if self.remote is False and posting.remote is True:
            return False
        if self.location and fold(self.location) not in fold(posting.location):
            return False
        terms = set(words(self.text))
        if not terms:
            return True
        haystack = " ".join(
            filter(None, (posting.title, posting.company, posting.department, posting.description))
        )
        return terms <= set(words(haystack))


# --- errors and configuration ---------------------------------------------------------------------


class ScrapingError(Exception):
    """A board could not be read; the search reports it and carries on with the others."""

    code = "SCRAPING_ERROR"

    def __init__(
        self,
        platform: str,
        message: str,
        retry_after: float | None = None,
        retryable: bool = False,
    ):
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.message = message
        self.retry_after = retry_after
        self.retryable = retryable or retry_after is not None


_real_hosts: dict[str, str] = {}


def base_url(name: str) -> str:
    """``KAIROS_PLATFORM_<NAME>_URL`` if set (a mirror, a test server), else the board's real
    host. Read on every call, so a changed environment takes effect without a restart."""
    configured = os.environ.get(f"KAIROS_PLATFORM_{name.upper()}_URL", "").strip()
    return (configured or _real_hosts[name]).rstrip("/")


# --- the adapter contract -------------------------------------------------------------------------


class JsonFetcher(Protocol):
    def get_json(self, platform: str, url: str, *, deadline: float, interval: float) -> Any: ...


class Adapter:
    name: ClassVar[str]
    needs_board: ClassVar[bool] = True
    default_base_url: ClassVar[str]
    # Politeness, shared by every board of the platform across all workers (see http.py).
    requests_per_second: ClassVar[float] = 4.0
    # A bound on paging through a feed of tens of thousands of jobs.
    max_pages: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        _real_hosts[cls.name] = cls.default_base_url

    def path(self, board: str | None) -> str:
        """The real API's path and query for the first page, appended to the base URL."""
        raise NotImplementedError

    def items(self, payload: Any) -> list:
        """The raw job objects in one page of the payload."""
        raise NotImplementedError

    def to_posting(self, item: dict, source: Source) -> Posting | None:
        raise NotImplementedError

    def next_path(self, payload: Any, source: Source, path: str) -> str | None:
        """Pagination hook: the path of the page after ``payload``, or None on the last."""
        return None

    def parse(self, payload: Any, source: Source) -> list[Posting]:
        try:
            items = self.items(payload)
        except (KeyError, TypeError, AttributeError, IndexError):
            items = None
        if not isinstance(items, list):
            raise ScrapingError(self.name, "unexpected response shape (no list of jobs)")
        postings = []
        for item in items:
            try:
                posting = self.to_posting(item, source)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # One malformed job should not hide the rest of the board.
                log.warning("%s: skipped a malformed job (%r)", self.name, exc)
                continue
            if posting is not None:
                postings.append(posting)
        return postings

    def fetch(self, source: Source, fetcher: JsonFetcher, deadline: float) -> list[Posting]:
        """Every page of one board, within the platform's time budget."""
        base = base_url(self.name)
        path: str | None = self.path(source.board)
        seen: set[str] = set()
        postings: list[Posting] = []
        for _ in range(self.max_pages):
            if path is None or path in seen:  # a feed that links back to itself ends here
                break
            seen.add(path)
            interval = 1.0 / self.requests_per_second
            payload = fetcher.get_json(self.name, base + path, deadline=deadline, interval=interval)
            postings += self.parse(payload, source)
            path = self.next_path(payload, source, path)
        return postings


def relative_path(url: str | None, base: str) -> str | None:
    """The part of an absolute "next page" link to append to ``base``. Boards link to their real
    host, and a mirror or test server standing in for it must be asked for the next page."""
    if not url:
        return None
    if url.startswith(base + "/"):
        return url[len(base) :]
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
