"""SmartRecruiters posting API: ``GET /v1/companies/{board}/postings?limit=100&offset=0``.

Traps: pages by offset up to ``totalFound``; the list has no description (only the per-job
endpoint does, one request per job, which a search does not spend); remote and hybrid are
booleans on the location; ``ref`` is an API link, not a page a person can open.
"""

from __future__ import annotations

from workers.careers.boards.base import Adapter, Posting, Source, employment_type, joined
from workers.careers.boards.text import to_utc

PAGE_SIZE = 100
PUBLIC_JOBS = "https://jobs.smartrecruiters.com"  # where a person reads and applies


class SmartRecruiters(Adapter):
    name = "smartrecruiters"
    default_base_url = "https://api.smartrecruiters.com"
    max_pages = 5

    def path(self, board, offset: int = 0):
        return f"/v1/companies/{board}/postings?limit={PAGE_SIZE}&offset={offset}"

    def items(self, payload):
        return payload["content"]

    def next_path(self, payload, source, path):
        seen = int(payload.get("offset") or 0) + len(payload.get("content") or ())
        if not payload.get("content") or seen >= int(payload.get("totalFound") or 0):
            return None
        return self.path(source.board, seen)

    def to_posting(self, job: dict, source: Source) -> Posting:
        place = job.get("location") or {}
        company = job.get("company") or {}
        function = (job.get("function") or {}).get("label")
        return Posting(
            title=job["name"],
            company=company.get("name") or source.board,
            location=place.get("fullLocation") or joined((place.get("city"), place.get("country"))),
            workplace_type=_workplace(place),
            department=function or (job.get("department") or {}).get("label"),
            employment_type=employment_type((job.get("typeOfEmployment") or {}).get("label")),
            posted_at=to_utc(job.get("releasedDate")),
            apply_url=f"{PUBLIC_JOBS}/{company.get('identifier') or source.board}/{job['id']}",
            source=self.name,
            source_id=job["id"],
        )


def _workplace(place: dict) -> str | None:
    if place.get("remote"):
        return "remote"
    if place.get("hybrid"):
        return "hybrid"
    # Both flags present and false: the board says the job is on site.
    return "onsite" if "remote" in place and "hybrid" in place else None


ADAPTER = SmartRecruiters()
