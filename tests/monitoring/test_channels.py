"""Notification channels: admin CRUD, the probes' network rule for URLs, the test task."""

from __future__ import annotations

import pytest

from tests.factories import add_member, count
from tests.monitoring.conftest import BASE, data, settings

PATH = f"{BASE}/channels"
PUBLIC_URL = "https://93.184.215.14/hooks/kairos"


def create(client, **fields):
    body = {"name": "Ops", "type": "webhook", "url": PUBLIC_URL, **fields}
    return data(client.post(PATH, json=body), 201)


def test_admins_manage_webhook_slack_and_email_channels(api):
    hook = create(api)
    assert hook["type"] == "webhook" and hook["url"] == PUBLIC_URL
    assert len(hook["secret"]) == 64 and hook["certExpiryDays"] == 14 and hook["enabled"]
    slack = create(api, name="Slack", type="slack", url="https://93.184.215.14/services/T/B/x")
    mail = data(
        api.post(PATH, json={"name": "Mail", "type": "email", "to": "ops@example.com"}), 201
    )
    assert mail["to"] == "ops@example.com" and mail["url"] is None
    assert {c["id"] for c in data(api.get(PATH))} == {hook["id"], slack["id"], mail["id"]}

    changed = data(
        api.request(
            "PATCH",
            f"{PATH}/{hook['id']}",
            json={"enabled": False, "certExpiryDays": 7, "rotateSecret": True},
        )
    )
    assert changed["enabled"] is False and changed["certExpiryDays"] == 7
    assert changed["secret"] != hook["secret"]
    assert data(api.delete(f"{PATH}/{slack['id']}")) == {"status": "deleted"}
    assert api.get(f"{PATH}/{slack['id']}").status_code == 404


def test_a_change_that_does_not_fit_the_channels_type_conflicts_naming_the_field(api):
    hook = create(api)
    mail = data(
        api.post(PATH, json={"name": "Mail", "type": "email", "to": "ops@example.com"}), 201
    )
    for channel, body, field in (
        (mail, {"url": PUBLIC_URL}, "url"),
        (hook, {"to": "a@b.co"}, "to"),
    ):
        resp = api.request("PATCH", f"{PATH}/{channel['id']}", json=body)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "CONFLICT" and field in resp.json()["errors"]
    assert data(api.get(f"{PATH}/{mail['id']}"))["url"] is None
    assert data(api.get(f"{PATH}/{hook['id']}"))["to"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "pager"}, "type"),
        ({"url": "not a url"}, "url"),
        ({"url": None}, "url"),
        ({"type": "email", "url": None, "to": "not-an-address"}, "to"),
        ({"type": "email", "url": PUBLIC_URL, "to": "a@example.com"}, "url"),
        ({"certExpiryDays": 0}, "certExpiryDays"),
        ({"secret": "mine"}, "secret"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api, body, field):
    from app.models.monitoring import NotificationChannel

    full = {"name": "Ops", "type": "webhook", "url": PUBLIC_URL, **body}
    full = {k: v for k, v in full.items() if v is not None}
    before = count(NotificationChannel)
    resp = api.post(PATH, json=full)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]
    assert count(NotificationChannel) == before


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/hook", "http://10.0.0.8/hook", "http://[fe80::1]/hook"]
)
def test_webhook_urls_obey_the_probes_network_rule(api, url):
    with settings(probe_allow_private=False):
        resp = api.post(PATH, json={"name": "x", "type": "webhook", "url": url})
    assert resp.status_code == 400
    assert "refused" in resp.json()["errors"]["url"][0]


def test_channels_are_for_admins_of_their_own_org(api, other_api):
    hook = create(api)
    member = add_member(api, "member")
    assert member.get(PATH).status_code == 403
    assert (
        member.post(PATH, json={"name": "x", "type": "webhook", "url": PUBLIC_URL}).status_code
        == 403
    )
    for method, path in (
        ("GET", f"{PATH}/{hook['id']}"),
        ("PATCH", f"{PATH}/{hook['id']}"),
        ("DELETE", f"{PATH}/{hook['id']}"),
        ("POST", f"{PATH}/{hook['id']}/test"),
        ("GET", f"{PATH}/{hook['id']}/deliveries"),
    ):
        kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
        assert other_api.request(method, path, **kwargs).status_code == 404, (method, path)


def test_a_test_notification_is_a_tracked_task_delivered_to_the_webhook(api):
    from tests.monitoring.servers import WebhookReceiver

    with settings(probe_allow_private=True), WebhookReceiver() as receiver:
        hook = create(api, url=f"{receiver.url}/hook")
        resp = api.post(f"{PATH}/{hook['id']}/test")
        assert resp.status_code == 202, resp.text
        task = resp.json()["data"]
        assert task["kind"] == "monitoring.notify_test" and task["queue"] == "probes"
        finished = api.wait(task["id"])
        assert finished["state"] == "succeeded", finished
        assert len(receiver.wait_for("/hook")) == 1
    deliveries = data(api.get(f"{PATH}/{hook['id']}/deliveries"))
    assert deliveries and deliveries[0]["event"] == "test"
