"""Notifications through the real worker: a generic webhook (HMAC-signed, retried with
backoff), a Slack-compatible webhook, e-mail through the platform's mail task, the channel
test, certificates near expiry (once), and the network rules for webhook targets."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.models import Task
from tests.monitoring.conftest import settings
from tests.monitoring.probe_helpers import (
    add_channel,
    add_resource,
    deliveries,
    org_of,
    resource,
    wait_until,
)
from tests.monitoring.servers import TargetServer, WebhookReceiver, self_signed
from workers.monitoring import recorder
from workers.monitoring.probes import Outcome, ProbeResult, ProbeSpec


@pytest.fixture
def receiver():
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def open_network():
    with settings(probe_allow_private=True):
        yield


def _verify(channel, delivery) -> dict:
    expected = (
        "sha256=" + hmac.new(channel.secret.encode(), delivery["body"], hashlib.sha256).hexdigest()
    )
    assert delivery["headers"]["X-Kairos-Signature"] == expected
    return json.loads(delivery["body"])


def _check(rid, status, at=None):
    message = "HTTP 200" if status == "AVAILABLE" else "HTTP 503 Service Unavailable"
    result = ProbeResult(status, message, "200" if status == "AVAILABLE" else "503", 12.0)
    return Outcome(ProbeSpec(rid, "HTTP", "http://svc/"), result, at or datetime.now(UTC), 0.0)


def test_a_status_change_reaches_webhook_slack_and_email(api, receiver, open_network):
    org = org_of(api)
    hook = add_channel(org, "webhook", url=f"{receiver.url}/hook")
    slack = add_channel(org, "slack", url=f"{receiver.url}/slack")
    add_channel(org, "email", to="oncall@example.com")
    rid = add_resource(org, "http://svc/", name="Billing API")
    recorder.record([_check(rid, "AVAILABLE")])  # pending → available: nobody is told
    recorder.record([_check(rid, "NOT_AVAILABLE")])

    [delivery] = receiver.wait_for("/hook")
    body = _verify(hook, delivery)
    assert (body["event"], body["status"], body["previous"]) == (
        "status_change",
        "not_available",
        "available",
    )
    assert body["resource"]["name"] == "Billing API"
    assert body["check"]["errorCode"] == "503"
    assert delivery["headers"]["Content-Type"] == "application/json"

    [message] = receiver.wait_for("/slack")
    assert json.loads(message["body"]) == {
        "text": "[DOWN] Billing API is not available: HTTP 503 Service Unavailable (http://svc/)"
    }

    def mail_task():
        with session_scope() as s:
            return s.scalar(
                select(Task).where(
                    Task.org_id == org,
                    Task.kind == "platform.send_mail",
                    Task.caller == "system:monitoring",
                )
            )

    task = wait_until(mail_task, what="the mail task")
    assert task.params["to"] == "oncall@example.com"
    assert task.params["subject"].startswith("[DOWN] Billing API")
    assert api.wait(task.id)["state"] == "succeeded"

    recorder.record([_check(rid, "AVAILABLE")])
    recovered = receiver.wait_for("/hook", 2)
    assert _verify(hook, recovered[1])["status"] == "available"
    assert [
        d.status for d in wait_until(lambda: deliveries(slack.id)[1:] and deliveries(slack.id))
    ] == [
        "sent",
        "sent",
    ]


def test_no_notification_while_retrying(api, receiver, open_network):
    org = org_of(api)
    add_channel(org, "webhook", url=f"{receiver.url}/hook")
    rid = add_resource(org, "http://svc/", retries=1)
    recorder.record([_check(rid, "AVAILABLE")])
    recorder.record([_check(rid, "NOT_AVAILABLE")])  # pending: retrying
    assert resource(rid).current_status == "pending"
    recorder.record([_check(rid, "NOT_AVAILABLE")])
    [delivery] = receiver.wait_for("/hook")
    assert json.loads(delivery["body"])["previous"] == "pending"


def test_a_failing_webhook_is_retried_with_backoff(api, receiver, open_network):
    org = org_of(api)
    hook = add_channel(org, "webhook", url=f"{receiver.url}/hook")
    rid = add_resource(org, "http://svc/")
    receiver.script.extend([503])
    recorder.record([_check(rid, "NOT_AVAILABLE")])
    attempts = receiver.wait_for("/hook", 2)
    assert [a["status"] for a in attempts] == [503, 200]
    assert attempts[1]["at"] - attempts[0]["at"] >= 1.5  # backoff, not a tight loop
    assert attempts[0]["body"] == attempts[1]["body"]  # the same event, same signature
    log = wait_until(lambda: deliveries(hook.id), what="the delivery log")
    assert (log[0].status, log[0].attempts, log[0].response_code) == ("sent", 2, 200)


def test_channel_test_delivers_and_reports(api, receiver, open_network):
    hook = add_channel(org_of(api), "webhook", url=f"{receiver.url}/hook")
    task = api.wait(api.submit("monitoring.notify_test", channel_id=hook.id)["id"])
    assert task["state"] == "succeeded", task
    assert task["result"]["responseCode"] == 200
    [delivery] = receiver.received["/hook"]
    assert _verify(hook, delivery)["event"] == "test"


def test_channel_test_reports_a_refusing_receiver(api, receiver, open_network):
    hook = add_channel(org_of(api), "webhook", url=f"{receiver.url}/gone")
    receiver.script.extend([404])
    task = api.wait(api.submit("monitoring.notify_test", channel_id=hook.id)["id"])
    assert task["state"] == "failed"
    assert task["error"] == {"code": "NOTIFY_FAILED", "message": "The receiver answered HTTP 404"}
    assert [d.status for d in deliveries(hook.id)] == ["failed"]


def test_webhooks_obey_the_address_rule(api, receiver):
    hook = add_channel(org_of(api), "webhook", url=f"{receiver.url}/hook")
    with settings(probe_allow_private=False):
        task = api.wait(api.submit("monitoring.notify_test", channel_id=hook.id)["id"])
    assert task["state"] == "failed"
    assert "Refused to connect to 127.0.0.1: a loopback address" in task["error"]["message"]
    assert receiver.requests == []


def test_another_orgs_channel_cannot_be_tested(api, other_api, receiver):
    hook = add_channel(org_of(api), "webhook", url=f"{receiver.url}/hook")
    resp = other_api.post(
        "/api/v1/tasks", json={"kind": "monitoring.notify_test", "params": {"channel_id": hook.id}}
    )
    assert resp.status_code == 404
    assert receiver.requests == []


def test_a_certificate_near_expiry_is_announced_once(api, receiver, open_network):
    context, not_after = self_signed(days=10)
    org = org_of(api)
    hook = add_channel(org, "webhook", url=f"{receiver.url}/hook", cert_expiry_days=14)
    far = add_channel(org, "webhook", url=f"{receiver.url}/far", cert_expiry_days=5)
    with TargetServer(tls=context) as site:
        rid = add_resource(
            org, f"{site.url}/ok", skip_tls=True, next_due_at=datetime.now(UTC) + timedelta(hours=1)
        )
        for _ in range(3):
            task = api.wait(api.submit("monitoring.probe", resource_id=rid)["id"])
            assert task["state"] == "succeeded", task
            assert task["result"]["certExpiresAt"].startswith(not_after.isoformat()[:19])
    [delivery] = receiver.wait_for("/hook")
    body = _verify(hook, delivery)
    assert body["event"] == "cert_expiry"
    assert body["certificate"]["daysLeft"] == 9
    assert body["text"].startswith("[CERT] The TLS certificate of")
    assert resource(rid).cert_expires_at == not_after
    wait_until(lambda: deliveries(hook.id), what="the delivery log")
    assert len(receiver.received["/hook"]) == 1
    assert receiver.received["/far"] == [] and deliveries(far.id) == []
