"""Careers tasks: thin wiring from TrackedTask to the pure algorithms beside this module."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.careers.domain.rules import EXPORT_BLOB
from app.config import get_settings
from app.core.errors import ApiError
from app.core.principal import Principal
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.models.base import new_id
from app.models.careers import (
    Export,
    JobAnalysis,
    JobPosting,
    Profile,
    Resume,
    SavedSearch,
    TailoredResume,
)
from app.platform import blobs
from workers.base import TaskError, TrackedTask
from workers.celery_app import celery

log = logging.getLogger("kairos.careers")

POSTING_FIELDS = (
    "title",
    "company",
    "location",
    "remote",
    "workplace_type",
    "department",
    "employment_type",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_interval",
    "description",
    "posted_at",
    "apply_url",
)
EXTENSIONS = {"pdf": "pdf", "latex": "tex", "markdown": "md"}
EXPORT_TTL = 30 * 24 * 3600  # a download link lives a month; export again after that
EXPORT_MAX_BYTES = 50 * 1024 * 1024


def _owner(task: TrackedTask) -> Principal:
    """The task's owner, for the one scoping helper (tasks run as the user who asked)."""
    attempt = task.attempt
    return Principal.of_user(attempt.owner_id, attempt.org_id)


def _get(s, model, id_: str, what: str, owner: Principal):
    try:
        return get_scoped(s, model, id_, what, owner)
    except ApiError as exc:  # gone since submission (deleted meanwhile)
        raise TaskError(exc.message, code=exc.code) from None


def _profile(s, owner: Principal) -> dict:
    row = s.scalar(scoped(select(Profile), Profile, owner))
    return row.data if row else {}


def _resume_dict(row: Resume) -> dict:
    return {
        "title": row.title,
        "format": row.format,
        "contact": row.contact,
        "summary": row.summary,
        "sections": row.sections,
        "source": row.source,
    }


def _posting_dict(row: JobPosting) -> dict:
    return {field: getattr(row, field) for field in POSTING_FIELDS}


# --- search ------------------------------------------------------------------------------------


def upsert_postings(owner: Principal, postings) -> tuple[list[str], list[str]]:
    """Insert new postings, refresh known ones; returns (all ids, new ids) in input order.

    A posting is known by its (source, source_id), or by its fingerprint when another board
    already brought the same job.
    """
    now = datetime.now(UTC)
    postings = list(postings)
    ids, new = [], []
    with session_scope() as s:
        # Two reads for the whole batch, not two per posting.
        mine = scoped(select(JobPosting), JobPosting, owner)
        known = s.scalars(
            mine.where(
                JobPosting.source_id.in_({p.source_id for p in postings})
                | JobPosting.fingerprint.in_({p.fingerprint for p in postings})
            )
        ).all()
        by_source = {(r.source, r.source_id): r for r in known}
        by_fingerprint = {}
        for r in known:
            by_fingerprint.setdefault(r.fingerprint, r)
        for p in postings:
            row = by_source.get((p.source, p.source_id)) or by_fingerprint.get(p.fingerprint)
            if row is None:
                row = JobPosting(
                    id=new_id(),
                    org_id=owner.org_id,
                    owner_id=owner.user_id,
                    source=p.source,
                    source_id=p.source_id,
                    fingerprint=p.fingerprint,
                )
                s.add(row)
                new.append(row)
                by_source[(p.source, p.source_id)] = by_fingerprint[p.fingerprint] = row
            for field in POSTING_FIELDS:
                value = getattr(p, field)
                if value is not None or getattr(row, field, None) is None:
                    setattr(row, field, value)
            row.description = row.description or ""
            row.last_seen_at = now
            ids.append(row.id)
    return ids, [row.id for row in new]


@celery.task(base=TrackedTask, bind=True, name="careers.search")
def search(self, query="", location=None, remote=None, sources=(), saved_search_id=None):
    from workers.careers import boards

    owner = _owner(self)
    if not sources:
        with session_scope() as s:
            sources = _profile(s, owner).get("sources") or []
    if not sources:
        raise TaskError("No job boards to search", code="VALIDATION_ERROR")
    self.progress(5, stage="searching", message=f"{len(sources)} board(s)")
    outcome = boards.search(
        [boards.Source(src["platform"], src.get("board")) for src in sources],
        boards.Query(text=query or "", location=location, remote=remote),
    )
    self.progress(80, stage="saving", message=f"{len(outcome.postings)} posting(s)")
    ids, new = upsert_postings(owner, outcome.postings)
    if saved_search_id:
        with session_scope() as s:
            saved = s.get(SavedSearch, saved_search_id)
            if saved is not None:
                saved.last_run_at = datetime.now(UTC)
    return {
        "postings": ids,
        "new": len(new),
        "new_postings": new,
        "platforms": outcome.platforms,
        "saved_search_id": saved_search_id,
    }


@celery.task(name="careers.rerun_saved_searches", ignore_result=True)
def rerun_saved_searches():
    """Beat: enqueue every saved search whose interval has passed, as its owner."""
    from app.platform.kinds import REGISTRY
    from app.platform.task_service import enqueue_internal

    interval = timedelta(seconds=get_settings().saved_search_interval)
    due_before = datetime.now(UTC) - interval + timedelta(seconds=30)
    with session_scope() as s:
        due = s.scalars(
            select(SavedSearch).where(
                (SavedSearch.last_run_at.is_(None)) | (SavedSearch.last_run_at < due_before)
            )
        ).all()
    for saved in due:
        owner = Principal.of_user(saved.owner_id, saved.org_id)
        params = {
            "query": saved.query,
            "location": saved.location,
            "remote": saved.remote,
            "sources": saved.sources,
            "saved_search_id": saved.id,
        }
        enqueue_internal(owner, REGISTRY["careers.search"], params)
    return {"enqueued": len(due)}


# --- resumes -----------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="careers.import_resume")
def import_resume(self, format, upload_id=None, title=None, content=None):
    from workers.careers.resumes import ResumeParseError, parse_resume

    owner = _owner(self)
    if content is None:  # (a message sent before resumes went to the blob store holds it)
        raw = self.read_upload(upload_id)
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TaskError("The resume is not UTF-8 text", code="VALIDATION_ERROR") from None
    self.progress(10, stage="parsing")
    try:
        parsed = parse_resume(content, format, title)
    except ResumeParseError as exc:
        raise TaskError(str(exc), code="VALIDATION_ERROR") from None
    with session_scope() as s:
        first = s.scalar(scoped(select(Resume.id), Resume, owner).limit(1)) is None
        row = Resume(
            org_id=owner.org_id,
            owner_id=owner.user_id,
            is_primary=first,
            title=parsed.get("title") or title or "Resume",
            format=format,
            contact=parsed.get("contact") or {},
            summary=parsed.get("summary"),
            sections=parsed.get("sections") or [],
            source=content,
        )
        s.add(row)
    sections = [
        {"kind": sec["kind"], "title": sec["title"], "entries": len(sec["entries"])}
        for sec in row.sections
    ]
    return {"resume_id": row.id, "title": row.title, "sections": sections}


# --- analysis and tailoring --------------------------------------------------------------------


def _llm():
    from workers.llm import from_settings

    return from_settings()


@celery.task(base=TrackedTask, bind=True, name="careers.analyze")
def analyze(self, job_id, resume_id=None):
    from workers.careers.analysis import analyze as run_analysis

    owner = _owner(self)
    with session_scope() as s:
        job = _get(s, JobPosting, job_id, "job", owner)
        resume = _primary_or(s, owner, resume_id)
        posting, profile = _posting_dict(job), _profile(s, owner)
    outcome = run_analysis(
        posting,
        profile,
        _resume_dict(resume) if resume else None,
        llm=_llm(),
        on_stage=lambda stage, percent: self.progress(percent, stage=stage),
        on_token=self.token,
    )
    match = outcome["match"]
    with session_scope() as s:
        row = s.scalar(select(JobAnalysis).where(JobAnalysis.job_id == job_id))
        if row is None:
            row = JobAnalysis(org_id=owner.org_id, owner_id=owner.user_id, job_id=job_id)
            s.add(row)
        row.resume_id = resume.id if resume else None
        row.score, row.requirements, row.match = match["score"], outcome["requirements"], match
        row.strategy, row.task_id = outcome["strategy"], self.attempt.task_id
    analysis = {
        "requirements": outcome["requirements"],
        "strengths": match["strengths"],
        "gaps": match["gaps"],
        "breakdown": match.get("breakdown"),
        "strategy": outcome["strategy"],
    }
    return {"score": match["score"], "analysis": analysis}


def _primary_or(s, owner: Principal, resume_id: str | None) -> Resume | None:
    if resume_id:
        return _get(s, Resume, resume_id, "resume", owner)
    stmt = scoped(select(Resume), Resume, owner).order_by(
        Resume.is_primary.desc(), Resume.created_at.desc()
    )
    return s.scalar(stmt.limit(1))


@celery.task(base=TrackedTask, bind=True, name="careers.tailor")
def tailor(self, resume_id, job_id):
    from workers.careers.analysis import extract_requirements
    from workers.careers.tailor import diff
    from workers.careers.tailor import tailor as run_tailor

    owner = _owner(self)
    with session_scope() as s:
        resume = _get(s, Resume, resume_id, "resume", owner)
        job = _get(s, JobPosting, job_id, "job", owner)
        analysis = s.scalar(select(JobAnalysis).where(JobAnalysis.job_id == job.id))
        original, posting = _resume_dict(resume), _posting_dict(job)
        requirements = analysis.requirements if analysis else None
    self.progress(20, stage="extracting_requirements")
    requirements = requirements or extract_requirements(posting)
    self.progress(50, stage="tailoring")
    outcome = run_tailor(original, requirements, llm=_llm(), on_token=self.token)
    changes = diff(original, outcome["resume"])
    with session_scope() as s:
        last = (
            s.scalar(
                select(TailoredResume.version)
                .where(
                    TailoredResume.resume_id == resume_id,
                    TailoredResume.job_id == job_id,
                )
                .order_by(TailoredResume.version.desc())
                .limit(1)
            )
            or 0
        )
        row = TailoredResume(
            org_id=owner.org_id,
            owner_id=owner.user_id,
            resume_id=resume_id,
            job_id=job_id,
            version=last + 1,
            content=outcome["resume"],
            changes=outcome["changes"],
            diff=changes,
            strategy=outcome["strategy"],
        )
        s.add(row)
    return {
        "tailored_id": row.id,
        "version": row.version,
        "changes": len(row.changes),
        "strategy": row.strategy,
    }


# --- export ------------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="careers.export")
def export(self, resume_id, format, job_id=None, version=None):
    from workers.careers.resumes import export as render

    owner = _owner(self)
    with session_scope() as s:
        resume = _get(s, Resume, resume_id, "resume", owner)
        content, tailored_id = _resume_dict(resume), None
        if job_id is not None:
            stmt = select(TailoredResume).where(
                TailoredResume.resume_id == resume_id, TailoredResume.job_id == job_id
            )
            if version is not None:
                stmt = stmt.where(TailoredResume.version == version)
            tailored = s.scalar(stmt.order_by(TailoredResume.version.desc()).limit(1))
            if tailored is None:
                raise TaskError(
                    "No tailored version for this job", code="TAILORED_RESUME_NOT_FOUND"
                )
            content, tailored_id = tailored.content, tailored.id
    self.progress(30, stage="rendering", message=format)
    renderers = {"pdf": render.to_pdf, "latex": render.to_latex, "markdown": render.to_markdown}
    body = renderers[format](content)
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    # The file goes to the blob store, not this host's disk: the web process that serves the
    # download may run anywhere.
    key = blobs.put(data, org_id=owner.org_id, kind="careers.export", ttl=EXPORT_TTL,
                    max_bytes=EXPORT_MAX_BYTES)  # fmt: skip
    row = Export(
        id=new_id(),
        org_id=owner.org_id,
        owner_id=owner.user_id,
        resume_id=resume_id,
        tailored_id=tailored_id,
        format=format,
        path="",
        size=len(data),
        filename="",
    )
    stem = "".join(c if c.isalnum() else "-" for c in (content.get("title") or "resume"))
    row.path = f"{EXPORT_BLOB}{key}"
    row.filename = f"{stem.strip('-') or 'resume'}.{EXTENSIONS[format]}"
    with session_scope() as s:
        s.add(row)
    return {
        "export_id": row.id,
        "url": f"/api/v1/careers/exports/{row.id}",
        "format": format,
        "size": len(data),
        "filename": row.filename,
    }
