"""The platform's own tasks: the diagnostic kind, mail delivery and the janitor."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import delete, select, update

from app import events
from app.config import get_settings
from app.db import session_scope
from app.models import RevokedToken
from app.models import Task as TaskRow
from app.platform.kinds import QUEUES, REGISTRY
from app.redis_conn import get_redis
from app.taskqueue import send_task_message
from workers.base import TaskError, TrackedTask, utcnow
from workers.celery_app import celery

log = logging.getLogger("kairos.task")

JANITOR_GRACE = 60  # seconds past a kind's hard limit before its row is declared dead


@celery.task(base=TrackedTask, bind=True, name="platform.diagnostic")
def diagnostic(self, steps=1, sleep=0.0, fail_at=None, payload_bytes=0):
    for step in range(1, steps + 1):
        if sleep:
            time.sleep(sleep)
        if step == fail_at:
            raise TaskError(f"Failed at step {step} as asked", code="DIAGNOSTIC_FAILURE")
        if steps > 1:
            self.progress(100 * step / steps, stage="step", message=f"step {step} of {steps}")
    return {"steps": steps, "payload": "x" * payload_bytes}


@celery.task(base=TrackedTask, bind=True, name="platform.send_mail")
def send_mail(self, to, subject, body):
    settings = get_settings()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.mail_from, to, subject
    msg.set_content(body)
    # Development delivery: one .eml file per message, readable by any mail client.
    outbox = settings.var_path / "mail"
    outbox.mkdir(parents=True, exist_ok=True)
    path = Path(outbox, f"{utcnow():%Y%m%dT%H%M%S}-{self.request.id}.eml")
    path.write_bytes(bytes(msg))
    return {"delivered_to": to, "file": str(path)}


@celery.task(name="platform.janitor", ignore_result=True)
def janitor():
    """Re-send queued rows the broker lost; fail running rows past their hard limit."""
    settings = get_settings()
    now = utcnow()
    resent = failed = 0
    # A queue that still holds messages may simply be behind: its old rows are waiting in
    # line, not lost. Only rows of drained queues are re-sent.
    pipe = get_redis().pipeline(transaction=False)
    for queue in QUEUES:
        pipe.llen(queue)
    drained = [q for q, depth in zip(QUEUES, pipe.execute(), strict=True) if depth == 0]
    with session_scope() as s:
        lost = s.scalars(
            select(TaskRow)
            .where(
                TaskRow.state.in_(("queued", "retrying")),
                TaskRow.queue.in_(drained),
                TaskRow.sent_at < now - timedelta(seconds=settings.requeue_after),
            )
            .limit(500)
        ).all()
        for row in lost:
            try:
                send_task_message(celery, row)
            except Exception as exc:
                log.warning("janitor_resend_failed", extra={"task_id": row.id, "error": str(exc)})
                break
            row.sent_at = now
            resent += 1
    for kind in REGISTRY.values():
        cutoff = now - timedelta(seconds=kind.time_limit + JANITOR_GRACE)
        error = {
            "code": "TIME_LIMIT_EXCEEDED",
            "message": f"No worker finished the task within {kind.time_limit}s",
        }
        finished = []
        with session_scope() as s:
            dead = s.execute(
                select(TaskRow.id, TaskRow.org_id).where(
                    TaskRow.kind == kind.name,
                    TaskRow.state == "running",
                    TaskRow.started_at < cutoff,
                )
            ).all()
            for task_id, org_id in dead:
                changed = s.execute(
                    update(TaskRow)
                    .where(TaskRow.id == task_id, TaskRow.state == "running")
                    .values(state="failed", error=error, finished_at=now, updated_at=now)
                ).rowcount
                if changed:
                    finished.append((task_id, org_id))
        for task_id, org_id in finished:  # after the commit, so a reader sees the failed row
            events.publish(org_id, events.make_event("error", task_id, kind.name, **error))
        failed += len(finished)
    with session_scope() as s:  # signed-out tokens that would have expired by now anyway
        pruned = s.execute(delete(RevokedToken).where(RevokedToken.expires_at < now)).rowcount
    if resent or failed or pruned:
        log.info("janitor_sweep", extra={"resent": resent, "failed": failed, "pruned": pruned})
    return {"resent": resent, "failed": failed, "revoked_tokens_pruned": pruned}
