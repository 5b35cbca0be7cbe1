"""Himalayas jobs API: ``GET /jobs/api?limit=20`` (no board; every job is remote).

Traps: pages by ``nextCursor`` (the offset parameter is deprecated); ``pubDate`` is epoch
seconds; salary is structured, with ``salaryPeriod`` words such as "annual" or "hourly"; the job
has no id, its ``guid`` (a URL) is the stable key.
"""

from __future__ import annotations

from urllib.parse import quote

from workers.careers.boards.base import (
    Adapter,
    Posting,
    Source,
    employment_type,
    joined,
    salary_fields,
)
from workers.careers.boards.text import Salary, html_to_text, to_utc

PAGE_SIZE = 20


class Himalayas(Adapter):
    name = "himalayas"
    needs_board = False
    default_base_url = "https://himalayas.app"
    requests_per_second = 1.0
    max_pages = 5

    def path(self, board):
        return f"/jobs/api?limit={PAGE_SIZE}"

    def items(self, payload):
        return payload["jobs"]

    def next_path(self, payload, source, path):
        cursor = payload.get("nextCursor")
        if not cursor or not payload.get("jobs"):
            return None
        return f"/jobs/api?limit={PAGE_SIZE}&cursor={quote(cursor, safe='')}"

    def to_posting(self, job: dict, source: Source) -> Posting:
        salary = Salary.of(
            job.get("minSalary"), job.get("maxSalary"), job.get("currency"), job.get("salaryPeriod")
        )
        return Posting(
            title=job["title"],
            company=job["companyName"],
            location=joined(job.get("locationRestrictions")),
            workplace_type="remote",
            department=joined(job.get("parentCategories")),
            employment_type=employment_type(job.get("employmentType")),
            **salary_fields(salary),
            description=html_to_text(job.get("description")) or job.get("excerpt") or "",
            posted_at=to_utc(job.get("pubDate")),
            apply_url=job.get("applicationLink") or job.get("guid"),
            source=self.name,
            source_id=job["guid"],
        )


ADAPTER = Himalayas()
