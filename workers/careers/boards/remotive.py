"""Remotive remote-jobs API: ``GET /api/remote-jobs`` (no board; every job is remote).

Traps: ``publication_date`` has no offset (it is UTC); ``salary`` is free text ("$90k - $105k")
or empty; Remotive asks clients to call rarely, hence the low rate.
"""

from __future__ import annotations

from workers.careers.boards.base import Adapter, Posting, Source, employment_type, salary_fields
from workers.careers.boards.text import html_to_text, parse_salary, to_utc


class Remotive(Adapter):
    name = "remotive"
    needs_board = False
    default_base_url = "https://remotive.com"
    requests_per_second = 0.2

    def path(self, board):
        return "/api/remote-jobs"

    def items(self, payload):
        return payload["jobs"]

    def to_posting(self, job: dict, source: Source) -> Posting:
        return Posting(
            title=job["title"],
            company=job["company_name"],
            location=job.get("candidate_required_location") or None,
            workplace_type="remote",
            department=job.get("category") or None,
            employment_type=employment_type(job.get("job_type")),
            **salary_fields(parse_salary(job.get("salary"))),
            description=html_to_text(job.get("description")),
            posted_at=to_utc(job.get("publication_date")),
            apply_url=job.get("url"),
            source=self.name,
            source_id=job["id"],
        )


ADAPTER = Remotive()
