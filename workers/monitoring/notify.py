"""Notifications: a status change (or a certificate near expiry) told to the org's channels.

The recorder sends one ``monitoring.notify`` message per change (queue ``mail``); that task
reads the org's enabled channels and sends one ``monitoring.deliver`` message per channel,
which POSTs and retries with backoff on its own. E-mail goes through the platform's mail task
(``platform.send_mail``). Webhook URLs obey the probes' network rules (resolved once, the
address rule, no redirects followed: a webhook that redirects is a failed delivery).

Generic webhook: the JSON event, signed ``X-Kairos-Signature: sha256=<hex HMAC-SHA256 of the
body with the channel's secret>``. Slack-compatible: ``{"text": …}``. A certificate is
announced once: when its days left cross the channel's ``certExpiryDays`` (the recorder
looks at most once a day per resource).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.models.monitoring import NotificationChannel, NotificationLog
from workers.monitoring.net import BlockedTarget, Policy, ResolveError, blocked_cause, client

log = logging.getLogger("kairos.monitoring.notify")

DELIVERY_TIMEOUT = 10.0
MAX_ATTEMPTS = 5
BACKOFF = (2, 8, 30, 120)  # seconds before attempts 2..5


class DeliveryError(Exception):
    def __init__(self, message: str, response_code: int | None = None, retry: bool = True):
        super().__init__(message)
        self.message, self.response_code, self.retry = message, response_code, retry


def send_change(payload: dict) -> None:
    """Enqueue the fan-out of one change (called by the recorder after its commit)."""
    from workers.celery_app import celery

    celery.send_task("monitoring.notify", kwargs={"change": payload}, queue="mail")


# --- what is said ------------------------------------------------------------------------------


def events_for(change: dict, channel) -> list[str]:
    out = []
    went_down = change["status"] == "not_available" and change["previous"] != "not_available"
    recovered = change["status"] == "available" and change["previous"] == "not_available"
    if went_down or recovered:
        out.append("status_change")
    if change.get("cert_expires_at"):
        now = _days_left(change["cert_expires_at"], change["checked_at"])
        before = change.get("cert_days_before")
        limit = channel.cert_expiry_days
        if now <= limit and (before is None or before > limit):
            out.append("cert_expiry")
    return out


def _days_left(expires: str, at: str) -> float:
    delta = datetime.fromisoformat(expires) - datetime.fromisoformat(at)
    return delta.total_seconds() / 86400


def event_body(event: str, change: dict) -> dict:
    body = {
        "event": event,
        "id": str(uuid.uuid4()),
        "org_id": change["org_id"],
        "resource": {
            "id": change["resource_id"],
            "name": change["name"],
            "type": change["type"],
            "target": change["target"],
        },
        "status": change["status"],
        "previous": change["previous"],
        "check": {
            "status": change["check_status"],
            "message": change["message"],
            "errorCode": change["error_code"],
            "checkedAt": change["checked_at"],
            "latencyMs": change["latency_ms"],
        },
        "ts": datetime.now(UTC).isoformat(),
    }
    if event == "cert_expiry":
        days = _days_left(change["cert_expires_at"], change["checked_at"])
        body["certificate"] = {"expiresAt": change["cert_expires_at"], "daysLeft": int(days)}
    body["text"] = text_of(body)
    return body


def text_of(body: dict) -> str:
    r = body["resource"]
    if body["event"] == "test":
        return f"Kairos test notification for channel {body.get('channel', '')}".strip()
    if body["event"] == "cert_expiry":
        cert = body["certificate"]
        return (
            f"[CERT] The TLS certificate of {r['name']} ({r['target']}) expires in "
            f"{cert['daysLeft']} day(s), on {cert['expiresAt'][:10]}"
        )
    if body["status"] == "available":
        return f"[UP] {r['name']} is available again ({r['target']})"
    message = body["check"]["message"] or "no detail"
    return f"[DOWN] {r['name']} is not available: {message} ({r['target']})"


def sign(secret: str, data: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


# --- delivering --------------------------------------------------------------------------------


def request_for(channel, body: dict) -> tuple[str, bytes, dict]:
    """(url, bytes, headers) of one delivery to a webhook or Slack channel."""
    url = (channel.config or {}).get("url", "")
    headers = {"Content-Type": "application/json", "X-Kairos-Event": body["event"]}
    if channel.type == "slack":
        data = json.dumps({"text": body["text"]}).encode()
    else:
        data = json.dumps(body, separators=(",", ":"), default=str).encode()
        headers["X-Kairos-Signature"] = sign(channel.secret, data)
        headers["X-Kairos-Delivery"] = body["id"]
    return url, data, headers


async def _post(url: str, data: bytes, headers: dict, policy: Policy) -> int:
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        async with client(policy, timeout=DELIVERY_TIMEOUT) as c:
            response = await c.post(url, content=data, headers=headers)
    return response.status_code


def post(url: str, data: bytes, headers: dict) -> int:
    """POST once; returns the status code on 2xx, raises DeliveryError otherwise."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("The channel has no http(s) URL", retry=False)
    policy = Policy(allow_private=get_settings().probe_allow_private)
    try:
        code = asyncio.run(_post(url, data, headers, policy))
    except Exception as exc:
        blocked = blocked_cause(exc)
        if blocked is not None or isinstance(exc, BlockedTarget):
            raise DeliveryError(str(blocked or exc), retry=False) from None
        if isinstance(exc, ResolveError):
            raise DeliveryError(str(exc)) from None
        if isinstance(exc, TimeoutError | httpx.TimeoutException):
            raise DeliveryError(f"Timed out after {DELIVERY_TIMEOUT:g}s") from None
        if isinstance(exc, httpx.HTTPError | OSError):
            raise DeliveryError(f"Could not deliver: {exc or type(exc).__name__}") from None
        raise
    if 200 <= code < 300:
        return code
    # 4xx other than 408/429 will not get better by retrying (a revoked Slack hook is 404).
    retry = code >= 500 or code in (408, 429)
    raise DeliveryError(f"The receiver answered HTTP {code}", code, retry)


def log_delivery(channel, resource_id, event, status, attempts, code=None, error=None, detail=None):
    with session_scope() as s:
        s.add(
            NotificationLog(
                org_id=channel.org_id,
                channel_id=channel.id,
                resource_id=resource_id,
                event=event,
                status=status,
                attempts=attempts,
                response_code=code,
                error=error,
                detail=detail or {},
            )
        )


def channels_of(org_id: str) -> list:
    with session_scope() as s:
        return list(
            s.scalars(
                select(NotificationChannel).where(
                    NotificationChannel.org_id == org_id, NotificationChannel.enabled.is_(True)
                )
            )
        )


def mail(channel, body: dict, resource_id: str | None) -> str:
    """Hand an e-mail to the platform's mail task; returns its task id."""
    from app.core.principal import Principal
    from app.platform.kinds import SEND_MAIL
    from app.platform.task_service import enqueue_internal

    to = (channel.config or {}).get("to")
    if not to:
        raise DeliveryError("The channel has no address", retry=False)
    system = Principal("system", "monitoring", channel.org_id, "owner")
    subject = body["text"][:300]
    text = body["text"] + "\n\n" + json.dumps(body, indent=2, default=str) + "\n"
    task = enqueue_internal(system, SEND_MAIL, {"to": to, "subject": subject, "body": text})
    log_delivery(channel, resource_id, body["event"], "sent", 1, detail={"mail_task": task.id})
    return task.id


def fan_out(change: dict, send_delivery) -> int:
    """One delivery per channel and event; e-mail directly to the mail task."""
    count = 0
    for channel in channels_of(change["org_id"]):
        for event in events_for(change, channel):
            body = event_body(event, change)
            try:
                if channel.type == "email":
                    mail(channel, body, change["resource_id"])
                else:
                    send_delivery(channel.id, body, change["resource_id"])
                count += 1
            except Exception as exc:
                log.warning(
                    "notify_channel_failed",
                    extra={"channel_id": channel.id, "event": event, "error": str(exc)[:300]},
                )
    return count


def deliver_once(channel_id: str, body: dict, resource_id: str | None, attempt: int):
    """One attempt at one webhook/Slack delivery. Returns (done, delay before the next try)."""
    with session_scope() as s:
        channel = s.get(NotificationChannel, channel_id)
    if channel is None or not channel.enabled:
        return True, None
    url, data, headers = request_for(channel, body)
    try:
        code = post(url, data, headers)
    except DeliveryError as exc:
        if exc.retry and attempt < MAX_ATTEMPTS:
            delay = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
            log.info(
                "notify_retry",
                extra={"channel_id": channel_id, "attempt": attempt, "error": exc.message},
            )
            return False, delay
        log_delivery(
            channel, resource_id, body["event"], "failed", attempt, exc.response_code, exc.message
        )
        return True, None
    log_delivery(channel, resource_id, body["event"], "sent", attempt, code)
    return True, None


def test_channel(channel_id: str, org_id: str) -> dict:
    """The body of ``monitoring.notify_test``: one delivery now, reported, no retries."""
    with session_scope() as s:
        channel = s.get(NotificationChannel, channel_id)
    if channel is None or channel.org_id != org_id:
        raise DeliveryError("Channel not found", retry=False)
    body = {
        "event": "test",
        "id": str(uuid.uuid4()),
        "org_id": org_id,
        "channel": channel.name,
        "resource": {"id": None, "name": "test", "type": None, "target": None},
        "ts": datetime.now(UTC).isoformat(),
    }
    body["text"] = text_of(body)
    if channel.type == "email":
        task_id = mail(channel, body, None)
        return {
            "channel_id": channel.id,
            "type": channel.type,
            "status": "sent",
            "mailTask": task_id,
        }
    url, data, headers = request_for(channel, body)
    try:
        code = post(url, data, headers)
    except DeliveryError as exc:
        log_delivery(channel, None, "test", "failed", 1, exc.response_code, exc.message)
        raise
    log_delivery(channel, None, "test", "sent", 1, code)
    return {"channel_id": channel.id, "type": channel.type, "status": "sent", "responseCode": code}
