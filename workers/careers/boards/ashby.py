"""Ashby posting API: ``GET /posting-api/job-board/{board}?includeCompensation=true``.

Traps: pay is nested (``compensation.summaryComponents`` and per-tier ``components``, each with
a ``compensationType``, so equity and bonus must not be read as salary), with a formatted
summary string as the last resort; unlisted jobs are in the payload; no employer name.
"""

from __future__ import annotations

from workers.careers.boards.base import (
    Adapter,
    Posting,
    Source,
    company_from_board,
    employment_type,
    joined,
    salary_fields,
    workplace_type,
)
from workers.careers.boards.text import Salary, html_to_text, parse_salary, to_utc


class Ashby(Adapter):
    name = "ashby"
    default_base_url = "https://api.ashbyhq.com"

    def path(self, board):
        return f"/posting-api/job-board/{board}?includeCompensation=true"

    def items(self, payload):
        return [job for job in payload["jobs"] if job.get("isListed", True)]

    def to_posting(self, job: dict, source: Source) -> Posting:
        secondary = (loc.get("location") for loc in job.get("secondaryLocations") or ())
        return Posting(
            title=job["title"],
            company=company_from_board(source.board),
            location=joined([job.get("location"), *secondary], sep="; "),
            remote=job.get("isRemote"),
            workplace_type=workplace_type(job.get("workplaceType")),
            department=job.get("department") or job.get("team"),
            employment_type=employment_type(job.get("employmentType")),
            **salary_fields(_salary(job.get("compensation") or {})),
            description=html_to_text(job.get("descriptionHtml")) or job.get("descriptionPlain", ""),
            posted_at=to_utc(job.get("publishedAt")),
            apply_url=job.get("applyUrl") or job.get("jobUrl"),
            source=self.name,
            source_id=job["id"],
        )


def _salary(compensation: dict) -> Salary | None:
    components = list(compensation.get("summaryComponents") or ())
    for tier in compensation.get("compensationTiers") or ():
        components += tier.get("components") or ()
    for part in components:
        if part.get("compensationType") == "Salary":
            return Salary.of(
                part.get("minValue"),
                part.get("maxValue"),
                part.get("currencyCode"),
                part.get("interval"),  # "1 YEAR", "1 HOUR"
            )
    return parse_salary(
        compensation.get("scrapeableCompensationSalarySummary")
        or compensation.get("compensationTierSummary")
    )


ADAPTER = Ashby()
