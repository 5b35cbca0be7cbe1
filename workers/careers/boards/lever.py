"""Lever postings API: ``GET /v0/postings/{board}?mode=json``.

Traps: ``createdAt`` is epoch *milliseconds*; the description is split over ``description``,
the headed ``lists`` and ``additional``; the employer's name is not in the payload.
"""

from __future__ import annotations

from html import escape

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


class Lever(Adapter):
    name = "lever"
    default_base_url = "https://api.lever.co"

    def path(self, board):
        return f"/v0/postings/{board}?mode=json"

    def items(self, payload):
        return payload

    def to_posting(self, item: dict, source: Source) -> Posting:
        categories = item.get("categories") or {}
        return Posting(
            title=item["text"],
            company=company_from_board(source.board),
            location=categories.get("location") or joined(categories.get("allLocations")),
            workplace_type=workplace_type(item.get("workplaceType")),
            department=categories.get("department") or categories.get("team"),
            employment_type=employment_type(categories.get("commitment")),
            **salary_fields(_salary(item)),
            description=html_to_text(_description_html(item)),
            posted_at=to_utc(item.get("createdAt")),
            apply_url=item.get("applyUrl") or item.get("hostedUrl"),
            source=self.name,
            source_id=item["id"],
        )


def _description_html(item: dict) -> str:
    parts = [item.get("description") or ""]
    for block in item.get("lists") or ():
        parts.append(f"<h3>{escape(block.get('text') or '')}</h3><ul>{block.get('content')}</ul>")
    parts.append(item.get("additional") or "")
    return "\n".join(parts)


def _salary(item: dict) -> Salary | None:
    salary = item.get("salaryRange")
    if isinstance(salary, dict):
        # interval: "per-year-salary", "per-hour-wage"
        return Salary.of(
            salary.get("min"), salary.get("max"), salary.get("currency"), salary.get("interval")
        )
    return parse_salary(item.get("salaryDescriptionPlain"))


ADAPTER = Lever()
