"""Arbeitnow job board API: ``GET /api/job-board-api`` (no board), 100 jobs a page.

Traps: the description is entity-escaped HTML; ``created_at`` is epoch seconds; the next page
is an absolute link to the real host in ``links.next`` (null on the last page).
"""

from __future__ import annotations

from workers.careers.boards.base import (
    Adapter,
    Posting,
    Source,
    base_url,
    employment_type,
    joined,
    relative_path,
)
from workers.careers.boards.text import html_to_text, to_utc


class Arbeitnow(Adapter):
    name = "arbeitnow"
    needs_board = False
    default_base_url = "https://www.arbeitnow.com"
    requests_per_second = 2.0
    max_pages = 5

    def path(self, board):
        return "/api/job-board-api"

    def items(self, payload):
        return payload["data"]

    def next_path(self, payload, source, path):
        links = payload.get("links") or {}
        return relative_path(links.get("next"), base_url(self.name))

    def to_posting(self, job: dict, source: Source) -> Posting:
        return Posting(
            title=job["title"],
            company=job["company_name"],
            location=job.get("location") or None,
            remote=bool(job.get("remote")),
            department=joined(job.get("tags")),
            employment_type=employment_type(" ".join(job.get("job_types") or ())),
            description=html_to_text(job.get("description")),
            posted_at=to_utc(job.get("created_at")),
            apply_url=job.get("url"),
            source=self.name,
            source_id=job["slug"],
        )


ADAPTER = Arbeitnow()
