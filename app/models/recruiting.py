"""Recruiting workload tables (seed 001): an org's ATS.

Jobs, candidates and applications are org records (every member of the org sees them) with
integer ids, because recruiters and the agent say "candidate 3" and "job 5". Applications keep
every change in ``recruiting_application_events`` (who, when, from, to). Matching runs are
logged in ``recruiting_match_logs``. The agent keeps conversations and their messages.

The matching index lives in the workers, built from these tables; writers never talk to it.
Instead every flush that adds, changes or deletes a job or candidate bumps the org's
``recruiting_index_state.version`` and journals the touched ids in
``recruiting_index_changes`` (the flush hooks at the end of this module), so a worker brings its
cached index up to date by re-reading only those rows. Duplicate detection reads the
normalized keys kept on each candidate (filled on every flush, whoever writes).
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    insert,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.models.base import Base, IdMixin, UTCDateTime, utcnow
from app.recruiting.domain import identity

JOB_STATUSES = ("draft", "open", "on_hold", "closed", "filled")
EMPLOYMENT_TYPES = ("Full-time", "Part-time", "Contract", "Temporary", "Internship")
REMOTE_OPTIONS = ("On-site", "Hybrid", "Remote")

# The pipeline, in funnel order. An application may move between any two statuses (back a
# step, or reopened after rejected / withdrawn); each move is kept in its history.
APPLICATION_STAGES = ("sourced", "screening", "interviewing", "offer", "hired")
APPLICATION_OUTCOMES = ("rejected", "withdrawn")
APPLICATION_STATUSES = APPLICATION_STAGES + APPLICATION_OUTCOMES

MATCH_DIRECTIONS = ("candidates_for_job", "jobs_for_candidate")


class OrgRecordMixin:
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Job(OrgRecordMixin, Base):
    __tablename__ = "recruiting_jobs"
    __table_args__ = (Index("ix_recruiting_jobs_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    department: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    employment_type: Mapped[str | None] = mapped_column(String(32))
    remote_option: Mapped[str | None] = mapped_column(String(16))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    required_skills: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    nice_to_have_skills: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    min_years: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str | None] = mapped_column(String(32))  # manual, prompt, req upload


class Candidate(OrgRecordMixin, Base):
    __tablename__ = "recruiting_candidates"
    __table_args__ = (
        Index("ix_recruiting_candidates_email_key", "org_id", "email_key"),
        Index("ix_recruiting_candidates_linkedin_key", "org_id", "linkedin_key"),
        Index("ix_recruiting_candidates_github_key", "org_id", "github_key"),
        Index("ix_recruiting_candidates_name_key", "org_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    headline: Mapped[str | None] = mapped_column(String(300))
    current_title: Mapped[str | None] = mapped_column(String(200))
    current_company: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    experience_years: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    resume_text: Mapped[str | None] = mapped_column(Text)
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    github_url: Mapped[str | None] = mapped_column(String(500))
    website_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(32))  # manual, resume, referral, agent
    # Normalized identity keys for the duplicate finder, kept by a flush hook.
    email_key: Mapped[str | None] = mapped_column(String(320))
    linkedin_key: Mapped[str | None] = mapped_column(String(300))
    github_key: Mapped[str | None] = mapped_column(String(300))
    name_key: Mapped[str | None] = mapped_column(String(400))  # name + current company


class Application(OrgRecordMixin, Base):
    __tablename__ = "recruiting_applications"
    __table_args__ = (
        UniqueConstraint("job_id", "candidate_id", name="uq_recruiting_applications_pair"),
        Index("ix_recruiting_applications_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("recruiting_jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("recruiting_candidates.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sourced")
    source: Mapped[str | None] = mapped_column(String(32))
    fit_score: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)


class ApplicationEvent(Base):
    """One change to an application: a status move and/or other fields, by whom, when."""

    __tablename__ = "recruiting_application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruiting_applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)  # principal caller
    changed_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class MatchLog(Base):
    """One matching run: who asked, what, which strategy, and what came back."""

    __tablename__ = "recruiting_match_logs"
    __table_args__ = (Index("ix_recruiting_match_logs_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(64), nullable=False)
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    task_id: Mapped[str | None] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(32), nullable=False)
    # No foreign keys: a log outlives the job or candidate it was about.
    job_id: Mapped[int | None] = mapped_column(Integer)
    candidate_id: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    strategy: Mapped[str] = mapped_column(String(16), nullable=False)
    results: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    considered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class IndexState(Base):
    """The org's index version: bumped in the same transaction as every job/candidate write."""

    __tablename__ = "recruiting_index_state"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IndexChange(Base):
    """Journal of the rows a version touched; workers replay it onto their cached index."""

    __tablename__ = "recruiting_index_changes"
    __table_args__ = (Index("ix_recruiting_index_changes_org_version", "org_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    entity: Mapped[str] = mapped_column(String(16), nullable=False)  # job | candidate
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    op: Mapped[str] = mapped_column(String(8), nullable=False)  # upsert | delete
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Embedding(Base):
    """A stored embedding of a job or candidate text (openai strategy), keyed by model and the
    hash of the text it was computed from, so an edit makes it stale and it is recomputed."""

    __tablename__ = "recruiting_embeddings"
    __table_args__ = (
        UniqueConstraint("org_id", "entity", "entity_id", "model", name="uq_recruiting_embeddings"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    entity: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Conversation(IdMixin, Base):
    """An agent conversation; ``state`` holds what later turns refer to (last listed
    candidates, last job, ...)."""

    __tablename__ = "recruiting_conversations"
    __table_args__ = (Index("ix_recruiting_conversations_org_user", "org_id", "user_id"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[str | None] = mapped_column(String(64))  # principal caller (keys too)
    title: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class ConversationMessage(Base):
    __tablename__ = "recruiting_conversation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("recruiting_conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # user | assistant | tool
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data: Mapped[dict | None] = mapped_column(JSON)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# --- flush hooks: identity keys and the index journal, whoever writes -----------------------

_INDEXED = {Job: "job", Candidate: "candidate"}


def _fill_identity_keys(candidate: Candidate) -> None:
    candidate.email_key = identity.email_key(candidate.email)
    candidate.linkedin_key = identity.profile_key(candidate.linkedin_url)
    candidate.github_key = identity.profile_key(candidate.github_url)
    candidate.name_key = identity.name_key(candidate.full_name, candidate.current_company)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    pending = []
    for obj in session.new:
        if type(obj) in _INDEXED:
            if isinstance(obj, Candidate):
                _fill_identity_keys(obj)
            pending.append((obj, "upsert"))
    for obj in session.dirty:
        if type(obj) in _INDEXED and session.is_modified(obj, include_collections=False):
            if isinstance(obj, Candidate):
                _fill_identity_keys(obj)
            pending.append((obj, "upsert"))
    for obj in session.deleted:
        if type(obj) in _INDEXED:
            pending.append((obj, "delete"))
    if pending:
        session.info.setdefault("recruiting_index_pending", []).extend(pending)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    pending = session.info.pop("recruiting_index_pending", None)
    if not pending:
        return
    by_org: dict[str, dict[tuple[str, int], str]] = {}
    for obj, op in pending:
        by_org.setdefault(obj.org_id, {})[(_INDEXED[type(obj)], obj.id)] = op
    conn = session.connection()
    now = utcnow()
    for org_id, touched in by_org.items():
        version = bump_index_version(conn, org_id)
        conn.execute(
            insert(IndexChange.__table__),
            [
                {"org_id": org_id, "version": version, "entity": e, "entity_id": i, "op": op}
                | {"at": now}
                for (e, i), op in touched.items()
            ],
        )


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("recruiting_index_pending", None)


def bump_index_version(conn, org_id: str) -> int:
    """Next version of the org's index, atomically: the upsert takes the row lock, so versions
    of one org commit in order and a worker that has seen version N has seen every change ≤ N."""
    table = IndexState.__table__
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        dialect_insert(table)
        .values(org_id=org_id, version=1)
        .on_conflict_do_update(index_elements=["org_id"], set_={"version": table.c.version + 1})
        .returning(table.c.version)
    )
    return conn.execute(stmt).scalar_one()
