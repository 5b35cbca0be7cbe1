"""The platform's own tasks: the diagnostic kind, mail delivery and the janitor."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import delete, select, update

from app import events, mail
from app.config import get_settings
from app.db import session_scope
from app.models import RevokedToken
from app.models import Task as TaskRow
from app.platform import blobs
from app.platform.kinds import REGISTRY
from app.taskqueue import send_task_message
from workers.base import TaskError, TrackedTask, TransientError, utcnow
from workers.broker_state import broker_view
from workers.celery_app import celery

log = logging.getLogger("kairos.task")

JANITOR_GRACE = 60  # seconds past a kind's hard limit before its row is declared dead
SEND_GRACE = 10  # seconds a just-recorded row's message may still be on its way
RESEND_BATCH = 500


def _lost_rows(now, requeue_after: int) -> list[TaskRow]:
    """Accepted rows whose message the broker no longer has.

    Where the broker can be listed (Redis), a row is lost when no message carries its id:
    found at once, e.g. right after Redis restarted empty. Elsewhere (RabbitMQ, whose durable
    queues keep what they confirmed), only rows of drained queues older than
    ``requeue_after`` are re-sent: a queue that still holds messages is behind, not lossy.
    """
    view = broker_view(celery)
    pending = TaskRow.state.in_(("queued", "retrying"))
    with session_scope() as s:
        if view.task_ids is not None:
            rows = s.scalars(
                select(TaskRow)
                .where(pending, TaskRow.sent_at < now - timedelta(seconds=SEND_GRACE))
                .order_by(TaskRow.sent_at)
                .limit(RESEND_BATCH * 10)
            ).all()
            return [r for r in rows if r.id not in view.task_ids][:RESEND_BATCH]
        drained = [q for q, depth in view.depths.items() if depth == 0]
        return s.scalars(
            select(TaskRow)
            .where(
                pending,
                TaskRow.queue.in_(drained),
                TaskRow.sent_at < now - timedelta(seconds=requeue_after),
            )
            .limit(RESEND_BATCH)
        ).all()


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
    """One message, over SMTP when it is configured, else into the var/mail file sink. A
    temporary failure (4xx, the server unreachable) is retried with backoff; a permanent one
    (5xx) fails the task with MAIL_REJECTED."""
    settings = get_settings()
    try:
        msg = mail.build_message(settings.mail_from, to, subject, body)
    except ValueError as exc:  # a header the message refuses (a line break in an address)
        raise TaskError(f"The message cannot be built: {exc}", code="MAIL_INVALID") from None
    config = mail.smtp_config(settings)
    if config is None:
        path = mail.write_to_sink(msg, self.request.id, settings)
        return {"delivered_to": to, "transport": "file", "file": str(path)}
    try:
        mail.send_smtp(msg, config)
    except mail.MailError as exc:
        fields = {"code": exc.code, "temporary": exc.temporary, "error": exc.message}
        log.warning("mail_failed", extra={"task_id": self.request.id, **fields})
        if exc.temporary:
            raise TransientError(exc.message, code=exc.code) from None
        raise TaskError(exc.message, code=exc.code) from None
    return {"delivered_to": to, "transport": "smtp", "message_id": msg["Message-ID"]}


@celery.task(name="platform.janitor", ignore_result=True)
def janitor():
    """Re-send accepted rows whose message the broker lost; fail running rows past their
    hard limit; prune expired revoked tokens."""
    settings = get_settings()
    now = utcnow()
    resent = failed = 0
    for row in _lost_rows(now, settings.requeue_after):
        try:
            send_task_message(celery, row)
        except Exception as exc:
            log.warning("janitor_resend_failed", extra={"task_id": row.id, "error": str(exc)})
            break
        with session_scope() as s:
            s.execute(update(TaskRow).where(TaskRow.id == row.id).values(sent_at=now))
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
    try:  # uploads whose task never ran or died with its process
        blobs_purged = blobs.purge_expired()
    except Exception as exc:
        log.warning("blob_purge_failed", extra={"error": str(exc)})
        blobs_purged = 0
    if resent or failed or pruned:
        log.info("janitor_sweep", extra={"resent": resent, "failed": failed, "pruned": pruned})
    return {
        "resent": resent,
        "failed": failed,
        "revoked_tokens_pruned": pruned,
        "blobs_purged": blobs_purged,
    }
