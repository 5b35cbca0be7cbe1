"""Greenhouse job board API: ``GET /v1/boards/{board}/jobs?content=true``.

Traps: ``content`` is HTML that has been entity-escaped ("&lt;p&gt;…"); the workplace is only
written into the location name ("Hybrid - London"); no salary in the list endpoint.
"""

from __future__ import annotations

from workers.careers.boards.base import (
    Adapter,
    Posting,
    Source,
    company_from_board,
    employment_type,
    joined,
    workplace_type,
)
from workers.careers.boards.text import fold, html_to_text, to_utc


class Greenhouse(Adapter):
    name = "greenhouse"
    default_base_url = "https://boards-api.greenhouse.io"

    def path(self, board):
        return f"/v1/boards/{board}/jobs?content=true"

    def items(self, payload):
        return payload["jobs"]

    def to_posting(self, job: dict, source: Source) -> Posting:
        location = (job.get("location") or {}).get("name")
        return Posting(
            title=job["title"],
            company=job.get("company_name") or company_from_board(source.board),
            location=location,
            workplace_type=workplace_type(location),
            department=joined(d.get("name") for d in job.get("departments") or ()),
            employment_type=_employment_from_metadata(job.get("metadata")),
            description=html_to_text(job.get("content")),
            posted_at=to_utc(job.get("first_published") or job.get("updated_at")),
            apply_url=job.get("absolute_url"),
            source=self.name,
            source_id=job["id"],
        )


def _employment_from_metadata(metadata: list | None) -> str | None:
    # Employment type is not a standard field; boards that publish it use a custom one.
    for field in metadata or ():
        if "employment" in fold(field.get("name")) and isinstance(field.get("value"), str):
            return employment_type(field["value"])
    return None


ADAPTER = Greenhouse()
