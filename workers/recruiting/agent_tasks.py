"""Recruiter agent and intake tasks: thin wiring from TrackedTask to ``agent/`` and
``intake/``."""

from __future__ import annotations

import logging

from sqlalchemy import String

from app import metrics
from app.core.principal import Principal
from app.db import session_scope
from app.models.recruiting import Candidate, Job
from workers.base import TaskError, TrackedTask
from workers.celery_app import celery

log = logging.getLogger("kairos.recruiting.agent")

MAX_RESUME_TEXT = 100_000


def _owner(task: TrackedTask) -> Principal:
    attempt = task.attempt
    return Principal.of_user(attempt.owner_id, attempt.org_id)


def _llm():
    from workers.llm import from_settings

    return from_settings()


def fit(model, fields: dict) -> dict:
    """Only the model's columns, strings clipped to their column's length."""
    columns = model.__table__.columns
    out = {}
    for key, value in fields.items():
        if key not in columns:
            continue
        length = getattr(columns[key].type, "length", None)
        if isinstance(value, str) and isinstance(columns[key].type, String) and length:
            value = value[:length]
        out[key] = value
    return out


def _job_json(job: Job) -> dict:
    from app.recruiting.schemas import JobOutSchema

    return JobOutSchema().dump(job)


def _candidate_json(candidate: Candidate) -> dict:
    from app.recruiting.schemas import CandidateSchema

    return CandidateSchema().dump(candidate)


# --- chat ----------------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="recruiting.agent_chat")
def agent_chat(self, message, conversation_id=None, mode="recruiter_assistant"):
    from workers.recruiting.agent.chat import run_turn
    from workers.recruiting.agent.conversation import ConversationNotFound

    self.progress(5, stage="thinking")
    try:
        return run_turn(
            _owner(self),
            message,
            conversation_id,
            llm=_llm(),
            on_token=self.token,
            task_id=self.attempt.task_id,
        )
    except ConversationNotFound:
        raise TaskError("Conversation not found", code="CONVERSATION_NOT_FOUND") from None


# --- intake --------------------------------------------------------------------------------------


def _structured(task: TrackedTask, text: str, offline: dict) -> tuple[dict, str]:
    """The model's reading of a job when an LLM is configured, else (or if it fails) the
    offline one: intake never fails for want of a model."""
    from workers.llm import LLMError
    from workers.recruiting.intake.job_fields import structure_with_llm

    llm = _llm()
    if llm is None:
        return offline, "naive"
    task.progress(30, stage="structuring")
    try:
        return structure_with_llm(llm, text, offline, on_token=task.token), "openai"
    except LLMError as exc:
        log.warning("intake_llm_failed", extra={"error": exc.message})
        return offline, "naive"


def _structured_candidate(task: TrackedTask, text: str, offline: dict) -> tuple[dict, str]:
    from workers.llm import LLMError
    from workers.recruiting.intake.candidate_fields import structure_with_llm

    llm = _llm()
    if llm is None:
        return offline, "naive"
    task.progress(60, stage="structuring")
    try:
        return structure_with_llm(llm, text, offline, on_token=task.token), "openai"
    except LLMError as exc:
        log.warning("intake_llm_failed", extra={"error": exc.message})
        return offline, "naive"


def _create_job(owner: Principal, fields: dict, source: str) -> tuple[dict, Job]:
    from workers.recruiting.agent.tools import new_job

    with session_scope() as s:
        job = new_job(s, owner, fit(Job, fields), source=source)
        return _job_json(job), job


@celery.task(base=TrackedTask, bind=True, name="recruiting.job_from_prompt")
def job_from_prompt(self, prompt):
    from workers.recruiting.agent import replies
    from workers.recruiting.intake.job_fields import extract_job

    self.progress(20, stage="extracting")
    fields, strategy = _structured(self, prompt, extract_job(prompt))
    job_json, job = _create_job(_owner(self), fields, "prompt")
    return {
        "raw_prompt": prompt,
        "job": job_json,
        "summary": replies.job_created(job, "your prompt"),
        "strategy": strategy,
    }


def _read_upload(task: TrackedTask, upload_id: str, fmt: str) -> str:
    from workers.recruiting.intake.extract import ExtractionError
    from workers.recruiting.intake.sandbox import extract_isolated

    data = task.read_upload(upload_id)
    task.progress(10, stage="reading", message=f"{len(data)} bytes of {fmt}")
    try:
        text = extract_isolated(data, fmt)
    except ExtractionError as exc:
        metrics.RECRUITING_UPLOADS_READ.labels(fmt, exc.code).inc()
        raise TaskError(exc.message, code=exc.code) from None
    metrics.RECRUITING_UPLOADS_READ.labels(fmt, "ok").inc()
    task.progress(50, stage="extracting")
    return text


@celery.task(base=TrackedTask, bind=True, name="recruiting.job_from_req")
def job_from_req(self, upload_id, filename, format, notes=None):
    from workers.recruiting.agent import replies
    from workers.recruiting.intake.job_fields import extract_job

    text = _read_upload(self, upload_id, format)
    if format == "latex":
        from workers.recruiting.intake.common import latex_lines

        text = latex_lines(text)
    both = f"{text}\n\nRecruiter notes: {notes}" if notes else text
    fields, strategy = _structured(self, both, extract_job(text, notes))
    job_json, job = _create_job(_owner(self), fields, "req_upload")
    return {
        "filename": filename,
        "job": job_json,
        "summary": replies.job_created(job, f"the uploaded file '{filename}'"),
        "strategy": strategy,
    }


@celery.task(base=TrackedTask, bind=True, name="recruiting.candidate_from_resume")
def candidate_from_resume(self, upload_id, filename, format, notes=None):
    from app.recruiting.domain.duplicates import duplicates_of
    from workers.recruiting.agent import replies
    from workers.recruiting.intake.candidate_fields import extract_candidate

    text = _read_upload(self, upload_id, format)
    fields, strategy = _structured_candidate(self, text, extract_candidate(text, format, notes))
    owner = _owner(self)
    with session_scope() as s:
        candidate = Candidate(
            org_id=owner.org_id,
            created_by_user_id=owner.user_id,
            source="resume",
            resume_text=text[:MAX_RESUME_TEXT],
            **fit(Candidate, {k: v for k, v in fields.items() if k != "roles"}),
        )
        s.add(candidate)
        s.flush()
        duplicates = duplicates_of(s, candidate)
        candidate_json = _candidate_json(candidate)
        summary = replies.candidate_created(candidate, duplicates)
    return {
        "filename": filename,
        "candidate": candidate_json,
        "summary": summary,
        "possible_duplicates": duplicates,
        "roles": fields["roles"],
        "strategy": strategy,
    }
