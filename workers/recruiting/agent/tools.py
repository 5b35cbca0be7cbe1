"""What the agent can do: one function per command, shared by the offline parser and by LLM
tool calling (:mod:`.openai_tools` offers the same functions as OpenAI tools).

Every function reads and writes through the owner's org only (``scoped``/``get_scoped``), so a
record of another org is answered exactly like one that does not exist. There is no delete and
no free query: the agent cannot do what is not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.core.errors import ApiError
from app.core.principal import Principal
from app.core.scoping import scoped
from app.models.recruiting import APPLICATION_STATUSES, JOB_STATUSES, Application, Candidate, Job
from workers.recruiting.agent import replies

LIST_LIMIT = 20
MAX_LIMIT = 50


@dataclass
class Ctx:
    session: object
    owner: Principal
    state: dict
    task_id: str | None = None
    llm: object = None


@dataclass
class Outcome:
    reply: str
    intent: str
    data: dict = field(default_factory=dict)


class Refused(Exception):
    """Arguments the tools do not take (from an LLM): answered, never executed."""


def _get(ctx: Ctx, model, id_) -> object | None:
    if not isinstance(id_, int) or isinstance(id_, bool) or not 0 < id_ < 2**31:
        return None
    return ctx.session.scalar(scoped(select(model).where(model.id == id_), model, ctx.owner))


def _limit(value, default: int) -> int:
    return max(1, min(int(value), MAX_LIMIT)) if isinstance(value, int) else default


def _remember(ctx: Ctx, *, job=None, candidate=None, listed=None) -> None:
    if job is not None:
        ctx.state["last_job_id"] = job
    if candidate is not None:
        ctx.state["last_candidate_id"] = candidate
    if listed is not None:
        ctx.state["last_list"] = listed


# --- the commands --------------------------------------------------------------------------------


def list_jobs(ctx: Ctx, status_filter: str | None = None, limit: int | None = None) -> Outcome:
    if status_filter is not None and status_filter not in JOB_STATUSES:
        raise Refused(f"status_filter must be one of {', '.join(JOB_STATUSES)}")
    stmt = scoped(select(Job), Job, ctx.owner)
    if status_filter:
        stmt = stmt.where(Job.status == status_filter)
    total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery()))
    jobs = ctx.session.scalars(stmt.order_by(Job.id.desc()).limit(_limit(limit, LIST_LIMIT))).all()
    _remember(ctx, listed={"type": "job", "ids": [j.id for j in jobs]})
    data = {
        "jobs": [{"id": j.id, "title": j.title, "status": j.status} for j in jobs],
        "total": total,
    }
    return Outcome(replies.jobs_list(jobs, total, status_filter), "list_jobs", data)


def list_candidates(ctx: Ctx, q: str | None = None, limit: int | None = None) -> Outcome:
    stmt = scoped(select(Candidate), Candidate, ctx.owner)
    for word in (q or "").split()[:5]:
        stmt = stmt.where(
            func.lower(Candidate.full_name).contains(word.lower()[:100], autoescape=True)
        )
    total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = ctx.session.scalars(
        stmt.order_by(Candidate.id.desc()).limit(_limit(limit, LIST_LIMIT))
    ).all()
    _remember(ctx, listed={"type": "candidate", "ids": [c.id for c in rows]})
    data = {"candidates": [{"id": c.id, "full_name": c.full_name} for c in rows], "total": total}
    return Outcome(replies.candidates_list(rows, total), "list_candidates", data)


def summarize_candidate(ctx: Ctx, candidate_id: int) -> Outcome:
    candidate = _get(ctx, Candidate, candidate_id)
    if candidate is None:
        return Outcome(replies.not_found("candidate", candidate_id), "not_found", {"found": False})
    apps = ctx.session.execute(
        select(Job.id, Job.title, Application.status)
        .join(Job, Job.id == Application.job_id)
        .where(Application.candidate_id == candidate.id, Application.org_id == ctx.owner.org_id)
        .order_by(Application.id)
    ).all()
    _remember(ctx, candidate=candidate.id)
    data = {"candidate_id": candidate.id, "full_name": candidate.full_name}
    return Outcome(replies.candidate_summary(candidate, apps), "summarize_candidate", data)


def show_job(ctx: Ctx, job_id: int) -> Outcome:
    job = _get(ctx, Job, job_id)
    if job is None:
        return Outcome(replies.not_found("job", job_id), "not_found", {"found": False})
    counts = dict(
        ctx.session.execute(
            select(Application.status, func.count())
            .where(Application.job_id == job.id)
            .group_by(Application.status)
        ).all()
    )
    _remember(ctx, job=job.id)
    return Outcome(replies.job_summary(job, counts), "show_job", {"job_id": job.id})


def create_job(ctx: Ctx, prompt: str) -> Outcome:
    from workers.recruiting.intake.job_fields import extract_job

    if not isinstance(prompt, str) or not prompt.strip():
        raise Refused("create_job needs the job's description")
    job = new_job(ctx.session, ctx.owner, extract_job(prompt[:20_000]), source="prompt")
    _remember(ctx, job=job.id)
    return Outcome(replies.job_created(job, "your prompt"), "create_job", {"job_id": job.id})


def new_job(session, owner: Principal, fields: dict, source: str) -> Job:
    job = Job(
        org_id=owner.org_id,
        created_by_user_id=owner.user_id,
        status="open",
        is_public=False,
        source=source,
        **fields,
    )
    session.add(job)
    session.flush()
    return job


def match_candidates(ctx: Ctx, job_id: int, limit: int | None = None) -> Outcome:
    job = _get(ctx, Job, job_id)
    if job is None:
        return Outcome(replies.not_found("job", job_id), "not_found", {"found": False})
    result = run_matching(ctx, "candidates_for_job", job.id, _limit(limit, 5))
    matches = result["matches"]
    _remember(
        ctx, job=job.id, listed={"type": "candidate", "ids": [m["candidate_id"] for m in matches]}
    )
    data = {"job_id": job.id, "matches": matches, "strategy": result.get("strategy")}
    return Outcome(replies.candidate_matches(job.id, matches), "match_candidates", data)


def match_jobs(ctx: Ctx, candidate_id: int, limit: int | None = None) -> Outcome:
    candidate = _get(ctx, Candidate, candidate_id)
    if candidate is None:
        return Outcome(replies.not_found("candidate", candidate_id), "not_found", {"found": False})
    result = run_matching(ctx, "jobs_for_candidate", candidate.id, _limit(limit, 5))
    matches = result["matches"]
    _remember(
        ctx, candidate=candidate.id, listed={"type": "job", "ids": [m["job_id"] for m in matches]}
    )
    data = {"candidate_id": candidate.id, "matches": matches, "strategy": result.get("strategy")}
    return Outcome(replies.job_matches(candidate.id, matches), "match_jobs", data)


def list_applications(
    ctx: Ctx, job_id: int | None = None, candidate_id: int | None = None
) -> Outcome:
    stmt = (
        select(Application, Candidate, Job)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .join(Job, Job.id == Application.job_id)
        .where(Application.org_id == ctx.owner.org_id)
    )
    if job_id is not None:
        job = _get(ctx, Job, job_id)
        if job is None:
            return Outcome(replies.not_found("job", job_id), "not_found", {"found": False})
        stmt, subject = stmt.where(Application.job_id == job.id), f"job #{job.id} ({job.title})"
        _remember(ctx, job=job.id)
    elif candidate_id is not None:
        candidate = _get(ctx, Candidate, candidate_id)
        if candidate is None:
            return Outcome(
                replies.not_found("candidate", candidate_id), "not_found", {"found": False}
            )
        stmt = stmt.where(Application.candidate_id == candidate.id)
        subject = f"candidate #{candidate.id} ({candidate.full_name})"
        _remember(ctx, candidate=candidate.id)
    else:
        raise Refused("name a job_id or a candidate_id")
    rows = ctx.session.execute(stmt.order_by(Application.id).limit(MAX_LIMIT)).all()
    _remember(ctx, listed={"type": "candidate", "ids": [c.id for _, c, _ in rows]})
    data = {
        "applications": [
            {"id": a.id, "candidate_id": c.id, "job_id": j.id, "status": a.status}
            for a, c, j in rows
        ]
    }
    return Outcome(replies.applications_list(subject, rows), "list_applications", data)


def move_application(
    ctx: Ctx, candidate_id: int, status: str, job_id: int | None = None
) -> Outcome:
    from app.recruiting.domain.changes import update_application

    if status not in APPLICATION_STATUSES:
        raise Refused(f"status must be one of {', '.join(APPLICATION_STATUSES)}")
    candidate = _get(ctx, Candidate, candidate_id)
    if candidate is None:
        return Outcome(replies.not_found("candidate", candidate_id), "not_found", {"found": False})
    stmt = select(Application).where(
        Application.candidate_id == candidate.id, Application.org_id == ctx.owner.org_id
    )
    apps = ctx.session.scalars(stmt.order_by(Application.id)).all()
    if job_id is not None:
        chosen = [a for a in apps if a.job_id == job_id]
    else:
        recent = ctx.state.get("last_job_id")
        chosen = [a for a in apps if a.job_id == recent] or (apps if len(apps) == 1 else [])
    _remember(ctx, candidate=candidate.id)
    if not chosen:
        where = f" for job #{job_id}" if job_id is not None else ""
        if not apps or job_id is not None:
            text = f"Candidate #{candidate.id} ({candidate.full_name}) has no application{where}."
        else:
            jobs = ", ".join(f"job {a.job_id}" for a in apps)
            text = (
                f"Candidate #{candidate.id} has applications for {jobs}. Which job? "
                f"Say e.g. 'move candidate {candidate.id} to {status} for job {apps[0].job_id}'."
            )
        return Outcome(text, "clarify", {"candidate_id": candidate.id})
    app = chosen[0]
    job = ctx.session.get(Job, app.job_id)
    before = app.status
    try:
        update_application(ctx.session, ctx.owner, app, {"status": status})
    except ApiError as exc:
        allowed = "; ".join((exc.errors or {}).get("status", [])) or exc.message
        text = f"I can't move candidate #{candidate.id} from {before} to {status}: {allowed}"
        return Outcome(text, "clarify", {"application_id": app.id})
    ctx.session.flush()
    _remember(ctx, job=job.id)
    data = {"application_id": app.id, "from": before, "to": app.status}
    return Outcome(replies.moved(app, candidate, job, before), "move_application", data)


def candidate_named(ctx: Ctx, name: str) -> int | Outcome:
    """The one candidate whose name contains every word of ``name``; else a question."""
    stmt = scoped(select(Candidate), Candidate, ctx.owner)
    for word in name.split()[:4]:
        stmt = stmt.where(
            func.lower(Candidate.full_name).contains(word.lower()[:100], autoescape=True)
        )
    found = ctx.session.scalars(stmt.order_by(Candidate.id).limit(6)).all()
    if len(found) == 1:
        return found[0].id
    if not found:
        return Outcome(
            f"I couldn't find a candidate named {name} in your organization.", "not_found"
        )
    _remember(ctx, listed={"type": "candidate", "ids": [c.id for c in found]})
    options = "\n".join(replies.candidate_line(c) for c in found[:5])
    return Outcome(f"Several candidates match {name}; which one?\n\n{options}", "clarify")


# --- matching: the one place that calls the matching engine --------------------------------------


def run_matching(ctx: Ctx, direction: str, subject_id: int, limit: int) -> dict:
    """``{"strategy", "matches": [...]}`` from the recruiting matcher, logged like an API run."""
    from workers.recruiting.agent.matching_bridge import match

    return match(ctx.owner, direction, subject_id, limit, task_id=ctx.task_id)


# --- the commands by name (the offline path, and openai_tools for an LLM) ---------------------

COMMANDS = {
    "list_jobs": list_jobs,
    "list_candidates": list_candidates,
    "summarize_candidate": summarize_candidate,
    "show_job": show_job,
    "create_job": create_job,
    "match_candidates": match_candidates,
    "match_jobs": match_jobs,
    "list_applications": list_applications,
    "move_application": move_application,
}
