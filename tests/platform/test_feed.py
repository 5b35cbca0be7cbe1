"""The live feed: WebSocket protocol, replay and resume, SSE, and who may see what."""

from __future__ import annotations

import json

import pytest
import requests

from tests.factories import Feed, is_end_of


def _connect(api) -> Feed:
    feed = Feed(api.platform, api.token)
    assert feed.recv() == {"type": "ack", "of": "auth", "org_id": api.user["org_id"]}
    return feed


def _kinds(messages):
    return [(m["type"], m.get("stage")) for m in messages if m["type"] not in ("ack", "pong")]


def test_a_subscriber_sees_progress_then_complete(api):
    feed = _connect(api)
    task = api.submit(steps=3, sleep=0.1)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    messages = feed.until(is_end_of(task["id"]))
    assert messages[0]["type"] == "ack" and messages[0]["task_id"] == task["id"]
    events = [m for m in messages if m["type"] != "ack"]
    assert events[0]["stage"] == "running"
    assert [e["percent"] for e in events if e.get("stage") == "step"] == [33, 66, 100]
    complete = events[-1]
    assert complete["type"] == "complete" and complete["data"] == {"steps": 3, "payload": ""}
    assert complete["kind"] == "platform.diagnostic" and complete["ts"].endswith("Z")
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-")))) and len(set(ids)) == len(
        ids
    )


def test_a_late_subscriber_to_a_finished_task_gets_its_whole_history(api):
    task = api.submit(steps=2)
    api.wait(task["id"])
    feed = _connect(api)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    messages = feed.until(is_end_of(task["id"]))
    assert _kinds(messages) == [
        ("progress", "running"),
        ("progress", "step"),
        ("progress", "step"),
        ("complete", None),
    ]


def test_resuming_with_last_event_id_sends_only_what_came_after(api):
    task = api.submit(steps=4)
    api.wait(task["id"])
    feed = _connect(api)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    history = [m for m in feed.until(is_end_of(task["id"])) if m["type"] != "ack"]
    feed.close()

    resumed = _connect(api)
    resumed.send({"type": "subscribe", "task_id": task["id"], "last_event_id": history[2]["id"]})
    rest = [m for m in resumed.until(is_end_of(task["id"])) if m["type"] != "ack"]
    assert [m["id"] for m in rest] == [m["id"] for m in history[3:]]


def test_subscribing_to_all_follows_every_task_of_the_org_and_no_other(api, other_api):
    feed = _connect(api)
    feed.send({"type": "subscribe", "task_id": "all"})
    assert feed.recv()["of"] == "subscribe"
    theirs = other_api.submit()
    mine = api.submit()
    messages = feed.until(is_end_of(mine["id"]))
    seen = {m["task_id"] for m in messages if m["type"] != "ack"}
    own = {t["id"] for t in api.get("/api/v1/tasks").json()["data"]}  # with the welcome mail
    assert mine["id"] in seen and seen <= own
    assert theirs["id"] not in json.dumps(messages)


def test_another_orgs_task_cannot_be_subscribed(api, other_api):
    task = other_api.submit()
    feed = _connect(api)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    assert feed.recv() == {"type": "error", "code": "TASK_NOT_FOUND", "message": "Task not found"}


def test_submit_over_the_socket_acks_and_streams_the_task(api):
    feed = _connect(api)
    feed.send({"type": "submit", "kind": "platform.diagnostic", "params": {"steps": 2}})
    ack = feed.recv()
    assert ack["type"] == "ack" and ack["of"] == "submit" and ack["task"]["state"] == "queued"
    messages = feed.until(is_end_of(ack["task_id"]))
    assert messages[-1]["type"] == "complete"
    assert api.get(f"/api/v1/tasks/{ack['task_id']}").json()["data"]["state"] == "succeeded"


def test_a_failing_task_ends_with_an_error_event(api):
    feed = _connect(api)
    feed.send({"type": "submit", "kind": "platform.diagnostic", "params": {"fail_at": 1}})
    ack = feed.recv()
    end = feed.until(is_end_of(ack["task_id"]))[-1]
    assert end["type"] == "error" and end["code"] == "DIAGNOSTIC_FAILURE"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "submit", "kind": "no.such.kind"}, "VALIDATION_ERROR"),
        (
            {"type": "submit", "kind": "platform.diagnostic", "params": {"steps": 0}},
            "VALIDATION_ERROR",
        ),
        # The REST header's rule: 1 to 200 visible ASCII characters.
        (
            {"type": "submit", "kind": "platform.diagnostic", "idempotency_key": {"a": 1}},
            "VALIDATION_ERROR",
        ),
        (
            {"type": "submit", "kind": "platform.diagnostic", "idempotency_key": "two words"},
            "VALIDATION_ERROR",
        ),
        ({"type": "subscribe"}, "VALIDATION_ERROR"),
        ({"type": "subscribe", "task_id": "x", "last_event_id": "yesterday"}, "VALIDATION_ERROR"),
        ({"type": "teleport"}, "VALIDATION_ERROR"),
        ({"type": "analyze", "job_id": "no-such-job"}, "JOB_NOT_FOUND"),
    ],
)
def test_bad_messages_get_an_error_and_the_socket_stays_open(api, message, code):
    feed = _connect(api)
    feed.send(message)
    reply = feed.recv()
    assert reply["type"] == "error" and reply["code"] == code
    feed.send({"type": "ping"})
    assert feed.recv()["type"] == "pong"


def test_text_that_is_not_json_gets_an_error(api):
    feed = _connect(api)
    feed.ws.send("hello?")
    assert feed.recv()["code"] == "VALIDATION_ERROR"


def test_auth_may_come_as_the_first_message(api):
    feed = Feed(api.platform)
    feed.send({"type": "auth", "token": api.token})
    assert feed.recv()["of"] == "auth"
    feed.send({"type": "ping"})
    assert feed.recv()["type"] == "pong"


@pytest.mark.parametrize("token", ["garbage", None])
def test_bad_or_missing_auth_closes_with_4401(api, token):
    feed = Feed(api.platform, token)
    if token is None:
        feed.send({"type": "subscribe", "task_id": "all"})
    assert feed.close_code() == 4401


def test_a_revoked_token_closes_with_4401(api):
    api.post("/api/v1/auth/logout", json={})
    assert Feed(api.platform, api.token).close_code() == 4401


def test_an_api_key_opens_the_feed(api):
    key = api.post("/api/v1/api-keys", json={"name": "feed"}).json()["data"]["key"]
    feed = Feed(api.platform, key)
    assert feed.recv()["of"] == "auth"


# --- Server-Sent Events ----------------------------------------------------------------------


def _sse(resp) -> list[dict]:
    events = []
    for block in resp.text.strip().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if fields:
            event = json.loads(fields["data"])
            assert fields["id"] == event["id"] and fields["event"] == event["type"]
            events.append(event)
    return events


def test_sse_streams_the_same_events_until_the_task_ends(api):
    task = api.submit(steps=3, sleep=0.05)
    resp = api.get(f"/api/v1/tasks/{task['id']}/events", stream=False)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    events = _sse(resp)
    assert events[0]["stage"] == "running" and events[-1]["type"] == "complete"
    resumed = api.get(
        f"/api/v1/tasks/{task['id']}/events", headers={"Last-Event-ID": events[1]["id"]}
    )
    assert [e["id"] for e in _sse(resumed)] == [e["id"] for e in events[2:]]


def test_sse_takes_a_token_in_the_query_for_eventsource(api):
    task = api.submit()
    url = f"{api.platform.base_url}/api/v1/tasks/{task['id']}/events?token={api.token}"
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200 and _sse(resp)[-1]["type"] == "complete"


def test_sse_needs_auth(api):
    task = api.submit()
    resp = api.get(f"/api/v1/tasks/{task['id']}/events", auth=False)
    assert resp.status_code == 401 and resp.json()["code"] == "UNAUTHORIZED"


def test_a_task_whose_stored_events_were_lost_still_ends_from_its_row(api):
    """Redis restarted empty after the task finished: the row is the truth."""
    from app import events
    from app.redis_conn import get_redis

    task = api.submit(steps=2)
    assert api.wait(task["id"])["state"] == "succeeded"
    get_redis().delete(events.stream_key(task["id"]))
    feed = Feed(api.platform, api.token)
    feed.recv()
    feed.send({"type": "subscribe", "task_id": task["id"]})
    end = feed.until(is_end_of(task["id"]))[-1]
    assert end["type"] == "complete" and end["data"] == {"steps": 2, "payload": ""}
    sse = api.get(f"/api/v1/tasks/{task['id']}/events", stream=True)
    assert "event: complete" in sse.text
