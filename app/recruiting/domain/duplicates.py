"""Possible duplicate candidates: same e-mail, same LinkedIn or GitHub profile, or the same
normalized name at the same current company. Reported, never merged: a recruiter decides.

Callable from the API and from workers (the intake of resumes uses it too)."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.models.recruiting import Candidate
from app.recruiting.domain import identity

MAX_REPORTED = 20


def find_duplicates(
    session,
    org_id: str,
    *,
    email: str | None = None,
    linkedin_url: str | None = None,
    github_url: str | None = None,
    full_name: str | None = None,
    current_company: str | None = None,
    exclude_id: int | None = None,
) -> list[int]:
    """Ids of the org's candidates that may be this person, oldest first."""
    keys = [
        (Candidate.email_key, identity.email_key(email)),
        (Candidate.linkedin_key, identity.profile_key(linkedin_url)),
        (Candidate.github_key, identity.profile_key(github_url)),
        (Candidate.name_key, identity.name_key(full_name, current_company)),
    ]
    conditions = [column == value for column, value in keys if value]
    if not conditions:
        return []
    stmt = select(Candidate.id).where(Candidate.org_id == org_id, or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Candidate.id != exclude_id)
    return list(session.scalars(stmt.order_by(Candidate.id).limit(MAX_REPORTED)))


def duplicates_of(session, candidate: Candidate) -> list[int]:
    """Other records that may be the same person as ``candidate`` (a saved row)."""
    return find_duplicates(
        session,
        candidate.org_id,
        email=candidate.email,
        linkedin_url=candidate.linkedin_url,
        github_url=candidate.github_url,
        full_name=candidate.full_name,
        current_company=candidate.current_company,
        exclude_id=candidate.id,
    )
