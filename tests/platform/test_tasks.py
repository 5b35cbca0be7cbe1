"""The task pipeline over REST: submit, read, list, cancel, retry, idempotency, failures."""

from __future__ import annotations

import pytest

from app.models import Task
from tests.factories import add_member, count

# Both databases: conditional updates of task rows (claim, cancel, retry), idempotency races.
pytestmark = pytest.mark.both_databases

TASKS = "/api/v1/tasks"


def test_submit_answers_202_with_the_task_and_where_to_find_it(api):
    resp = api.post(TASKS, json={"kind": "platform.diagnostic", "params": {"steps": 2}})
    assert resp.status_code == 202
    assert resp.headers["Location"] == f"{TASKS}/{resp.json()['data']['id']}"
    body = resp.json()
    assert body["status"] == "success" and body["message"] is None
    task = body["data"]
    assert task["kind"] == "platform.diagnostic" and task["queue"] == "default"
    assert task["state"] in ("queued", "running", "succeeded")
    assert task["params"] == {"steps": 2, "sleep": 0.0, "fail_at": None, "payload_bytes": 0}
    assert task["links"]["self"] == f"{TASKS}/{task['id']}"
    assert task["links"]["events"] == f"{TASKS}/{task['id']}/events"
    assert task["created_at"].endswith("+00:00")


def test_a_polled_task_reports_its_result_and_timestamps(api):
    task = api.submit(steps=3, payload_bytes=10)
    done = api.wait(task["id"])
    assert done["state"] == "succeeded"
    assert done["progress"] == 100 and done["attempts"] == 1
    assert done["result"] == {"steps": 3, "payload": "x" * 10}
    assert done["started_at"] <= done["finished_at"]
    assert done["error"] is None


def test_prefer_wait_holds_the_answer_until_the_task_ends(api):
    resp = api.post(
        TASKS,
        json={"kind": "platform.diagnostic", "params": {"steps": 2}},
        headers={"Prefer": "wait=10"},
    )
    assert resp.status_code == 200
    assert resp.headers["Preference-Applied"] == "wait=10"
    assert resp.json()["data"]["state"] == "succeeded"


def test_prefer_wait_gives_up_after_n_seconds_with_202(api):
    resp = api.post(
        TASKS,
        json={"kind": "platform.diagnostic", "params": {"steps": 3, "sleep": 1}},
        headers={"Prefer": "wait=1"},
    )
    assert resp.status_code == 202
    assert resp.json()["data"]["state"] in ("queued", "running")


def test_a_failing_task_ends_failed_with_its_error_code(api):
    task = api.submit(steps=3, fail_at=2)
    done = api.wait(task["id"])
    assert done["state"] == "failed"
    assert done["error"] == {"code": "DIAGNOSTIC_FAILURE", "message": "Failed at step 2 as asked"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "no.such.kind"}, "kind"),
        ({"kind": "platform.send_mail", "params": {}}, "kind"),  # internal kinds are not public
        ({"params": {}}, "kind"),
        ({"kind": "platform.diagnostic", "params": {"steps": "many"}}, "params"),
        ({"kind": "platform.diagnostic", "params": {"steps": 2, "fail_at": 0}}, "params"),
        ({"kind": "platform.diagnostic", "params": {"sleep": -1}}, "params"),
        ({"kind": "platform.diagnostic", "params": {"bogus": 1}}, "params"),
        ({"kind": "platform.diagnostic", "extra": True}, "extra"),
    ],
)
def test_invalid_submissions_are_400_with_field_errors_and_write_nothing(api, body, field):
    before = count(Task)
    resp = api.post(TASKS, json=body)
    assert resp.status_code == 400, resp.text
    err = resp.json()
    assert err["status"] == "error" and err["data"] is None
    assert err["code"] == "VALIDATION_ERROR"
    assert field in err["errors"]
    assert count(Task) == before


def test_malformed_json_is_a_400(api):
    resp = api.post(TASKS, data="{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["code"] == "VALIDATION_ERROR"


def test_a_body_that_is_not_json_is_415(api):
    resp = api.post(TASKS, data="kind=x", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415
    assert resp.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_an_oversized_body_is_413(api, platform):
    blob = "x" * (platform.settings.max_content_length + 1)
    resp = api.post(TASKS, data=blob, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_a_wrong_method_is_405_in_the_envelope(api):
    resp = api.request("PUT", TASKS, json={})
    assert resp.status_code == 405
    assert resp.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in resp.headers["Allow"]


def test_submitting_needs_authentication(api):
    resp = api.post(TASKS, json={"kind": "platform.diagnostic"}, auth=False)
    assert resp.status_code == 401
    assert resp.json()["code"] == "UNAUTHORIZED"


def test_a_viewer_may_read_but_not_submit(api):
    viewer = add_member(api, "viewer")
    task = api.submit()
    assert viewer.get(f"{TASKS}/{task['id']}").status_code == 200
    resp = viewer.post(TASKS, json={"kind": "platform.diagnostic"})
    assert resp.status_code == 403 and resp.json()["code"] == "FORBIDDEN"


def test_another_orgs_task_is_not_found_for_every_verb(api, other_api):
    task = api.submit()
    api.wait(task["id"])
    for method, path in [
        ("GET", f"{TASKS}/{task['id']}"),
        ("DELETE", f"{TASKS}/{task['id']}"),
        ("POST", f"{TASKS}/{task['id']}/retry"),
        ("GET", f"{TASKS}/{task['id']}/events"),
    ]:
        resp = other_api.request(method, path)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["code"] == "TASK_NOT_FOUND"
    listed = other_api.get(TASKS).json()["data"]
    assert task["id"] not in [t["id"] for t in listed]


def test_listing_filters_by_kind_and_state_and_paginates(api):
    ok = [api.submit()["id"] for _ in range(3)]
    bad = api.submit(fail_at=1)["id"]
    for task_id in [*ok, bad]:
        api.wait(task_id)
    diagnostic = {"kind": "platform.diagnostic"}
    page = api.get(TASKS, params={**diagnostic, "page_size": 2, "page": 1}).json()
    assert page["meta"] == {"total": 4, "page": 1, "page_size": 2}
    assert len(page["data"]) == 2
    second = api.get(TASKS, params={**diagnostic, "page_size": 2, "page": 2}).json()
    assert {t["id"] for t in page["data"] + second["data"]} == {*ok, bad}
    failed = api.get(TASKS, params={**diagnostic, "state": "failed"}).json()
    assert [t["id"] for t in failed["data"]] == [bad]
    assert api.get(TASKS, params={"kind": "nothing.like.this"}).json()["meta"]["total"] == 0
    wrong = api.get(TASKS, params={"state": "sleeping"})
    assert wrong.status_code == 400 and "state" in wrong.json()["errors"]
    too_big = api.get(TASKS, params={"page_size": 1000})
    assert too_big.status_code == 400


def test_the_same_idempotency_key_returns_the_same_task(api):
    body = {"kind": "platform.diagnostic", "params": {"steps": 1}}
    first = api.post(TASKS, json=body, headers={"Idempotency-Key": "order-42"})
    again = api.post(TASKS, json=body, headers={"Idempotency-Key": "order-42"})
    assert first.status_code == 202 and again.status_code == 200
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert api.get(TASKS, params={"kind": "platform.diagnostic"}).json()["meta"]["total"] == 1


def test_reusing_an_idempotency_key_for_other_params_is_a_conflict(api):
    headers = {"Idempotency-Key": "k-1"}
    api.post(TASKS, json={"kind": "platform.diagnostic", "params": {"steps": 1}}, headers=headers)
    resp = api.post(
        TASKS, json={"kind": "platform.diagnostic", "params": {"steps": 2}}, headers=headers
    )
    assert resp.status_code == 409 and resp.json()["code"] == "CONFLICT"


def test_idempotency_keys_belong_to_their_caller(api, other_api):
    body = {"kind": "platform.diagnostic", "params": {}}
    mine = api.post(TASKS, json=body, headers={"Idempotency-Key": "shared"}).json()["data"]
    theirs = other_api.post(TASKS, json=body, headers={"Idempotency-Key": "shared"}).json()["data"]
    assert mine["id"] != theirs["id"]


def test_cancel_stops_a_running_task(api):
    task = api.submit(steps=100, sleep=0.05)
    api.wait(task["id"], states=("running",))
    resp = api.delete(f"{TASKS}/{task['id']}")
    assert resp.status_code == 200
    assert resp.json()["data"]["state"] == "cancelled"
    assert resp.json()["data"]["error"]["code"] == "CANCELLED"
    import time

    time.sleep(1.0)  # the body notices at its next progress write and stops
    after = api.get(f"{TASKS}/{task['id']}").json()["data"]
    assert after["state"] == "cancelled" and after["progress"] < 100
    again = api.delete(f"{TASKS}/{task['id']}")
    assert again.status_code == 409


def test_retry_runs_a_cancelled_task_again_as_a_new_linked_task(api):
    task = api.submit(steps=100, sleep=0.05)
    api.delete(f"{TASKS}/{task['id']}")
    resp = api.post(f"{TASKS}/{task['id']}/retry")
    assert resp.status_code == 202
    retried = resp.json()["data"]
    assert retried["id"] != task["id"] and retried["retried_from"] == task["id"]
    assert retried["params"] == task["params"]
    assert api.wait(retried["id"], states=("running",))["state"] == "running"
    api.delete(f"{TASKS}/{retried['id']}")


def test_only_failed_or_cancelled_tasks_can_be_retried(api):
    task = api.submit()
    api.wait(task["id"])
    resp = api.post(f"{TASKS}/{task['id']}/retry")
    assert resp.status_code == 409


def test_broker_down_is_503_and_the_row_is_marked_failed(api, platform):
    from app.taskqueue import make_celery, use_producer

    real = use_producer(make_celery("redis://127.0.0.1:1/0"))
    try:
        before = count(Task)
        resp = api.post(TASKS, json={"kind": "platform.diagnostic"})
    finally:
        use_producer(real)
    assert resp.status_code == 503
    assert resp.json()["code"] == "BROKER_UNAVAILABLE"
    assert count(Task) == before + 1
    failed = api.get(TASKS, params={"state": "failed"}).json()["data"]
    assert failed[0]["error"]["code"] == "BROKER_UNAVAILABLE"


def test_task_kinds_lists_what_a_client_may_submit(api):
    kinds = {k["name"]: k for k in api.get("/api/v1/task-kinds").json()["data"]}
    assert "platform.diagnostic" in kinds and "platform.send_mail" not in kinds
    assert kinds["platform.diagnostic"]["queue"] == "default"
    assert set(kinds["platform.diagnostic"]["params"]) == {
        "steps",
        "sleep",
        "fail_at",
        "payload_bytes",
    }
