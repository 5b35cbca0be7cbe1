"""Careers (seed 000): a job seeker's postings, analyses, resumes, exports and applications.

These records are personal: besides the org they carry the owner, and the scoping helper
restricts them to the signed-in user (``__personal__``), so another user's record is a 404.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow


class PersonalMixin:
    __personal__ = True

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Profile(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_profiles"
    __table_args__ = (UniqueConstraint("owner_id", name="uq_careers_profiles_owner"),)

    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class JobPosting(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_job_postings"
    __table_args__ = (
        UniqueConstraint("owner_id", "source", "source_id", name="uq_careers_postings_source"),
        Index("ix_careers_postings_fingerprint", "owner_id", "fingerprint"),
    )

    source: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(200), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    company: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    remote: Mapped[bool | None] = mapped_column(Boolean)
    workplace_type: Mapped[str | None] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(200))
    employment_type: Mapped[str | None] = mapped_column(String(32))
    salary_min: Mapped[float | None] = mapped_column(Float)
    salary_max: Mapped[float | None] = mapped_column(Float)
    salary_currency: Mapped[str | None] = mapped_column(String(8))
    salary_interval: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    apply_url: Mapped[str | None] = mapped_column(String(1000))
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class JobAnalysis(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_job_analyses"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("careers_job_postings.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    resume_id: Mapped[str | None] = mapped_column(String(36))
    score: Mapped[float] = mapped_column(Float, nullable=False)
    requirements: Mapped[dict] = mapped_column(JSON, nullable=False)
    match: Mapped[dict] = mapped_column(JSON, nullable=False)
    strategy: Mapped[str] = mapped_column(String(16), nullable=False)
    task_id: Mapped[str | None] = mapped_column(String(36))


class Resume(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_resumes"

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    contact: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    summary: Mapped[str | None] = mapped_column(Text)
    sections: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TailoredResume(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_tailored_resumes"
    __table_args__ = (
        UniqueConstraint("resume_id", "job_id", "version", name="uq_careers_tailored_version"),
    )

    resume_id: Mapped[str] = mapped_column(
        ForeignKey("careers_resumes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    job_id: Mapped[str] = mapped_column(
        ForeignKey("careers_job_postings.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict] = mapped_column(JSON, nullable=False)
    changes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    diff: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    strategy: Mapped[str] = mapped_column(String(16), nullable=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Export(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_exports"

    resume_id: Mapped[str] = mapped_column(
        ForeignKey("careers_resumes.id", ondelete="CASCADE"), nullable=False
    )
    tailored_id: Mapped[str | None] = mapped_column(
        ForeignKey("careers_tailored_resumes.id", ondelete="CASCADE")
    )
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    path: Mapped[str] = mapped_column(String(1000), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)


# The pipeline, in funnel order. An application may move between any two statuses (back a
# step, or reopened after rejected / withdrawn); the history keeps each move.
APPLICATION_STATUSES = (
    "saved",
    "applied",
    "screening",
    "interviewing",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
)


class Application(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_applications"

    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("careers_job_postings.id", ondelete="SET NULL")
    )
    # A snapshot, so the record survives the posting being deleted.
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    company: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="saved")
    notes: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ApplicationEvent(IdMixin, Base):
    __tablename__ = "careers_application_events"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("careers_applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)  # the optional reason for the move
    # Who moved it: the principal (`user:<id>`, `api_key:<id>`, `local:<id>`) and its user.
    # Empty on events recorded before this was kept (revision 0004).
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SavedSearch(IdMixin, PersonalMixin, TimestampMixin, Base):
    __tablename__ = "careers_saved_searches"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    query: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    location: Mapped[str | None] = mapped_column(String(300))
    remote: Mapped[bool | None] = mapped_column(Boolean)
    sources: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
