"""The published contract: what the OpenAPI document promises is what the server does."""

from __future__ import annotations

import pytest

from app.models import Task
from tests.factories import count

TASKS = "/api/v1/tasks"


@pytest.fixture(scope="module")
def spec(platform):
    import requests

    return requests.get(platform.base_url + "/api/openapi.json", timeout=30).json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def test_every_operation_lists_its_error_statuses_and_its_auth(spec):
    for path, method, op in _operations(spec):
        codes = set(op["responses"])
        where = f"{method.upper()} {path}"
        assert "default" not in codes, where  # no catch-all: each status is stated
        assert {"429", "503"} <= codes, where
        if "{" in path:
            assert "404" in codes, where
        if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "400" in codes, where
        if "requestBody" in op:
            assert {"413", "415"} <= codes, where
        assert "security" in op, where
        if op["security"]:
            assert {"401", "403"} <= codes, where


def test_routes_behind_require_state_their_role_and_public_ones_state_no_security(spec):
    submit = spec["paths"][TASKS]["post"]
    assert submit["x-kairos-role"] == "member"
    assert {"bearer": []} in submit["security"]
    assert spec["paths"]["/api/v1/health"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/auth/register"]["post"]["security"] == []
    stream = spec["paths"][f"{TASKS}/{{task_id}}/events"]["get"]
    assert {"tokenQuery": []} in stream["security"] and "401" in stream["responses"]


def test_pages_are_bounded_in_the_document_and_a_huge_page_is_a_400(api, spec):
    params = {p["name"]: p for p in spec["paths"][TASKS]["get"]["parameters"]}
    assert params["page"]["schema"]["maximum"] == 10_000
    assert params["page_size"]["schema"]["maximum"] == 100
    resp = api.get(TASKS, params={"page": 10**18})
    assert resp.status_code == 400, resp.text
    assert "page" in resp.json()["errors"]
    assert api.get(TASKS, params={"page": 10_000}).json()["data"] == []


def test_submit_documents_each_public_kind_with_its_own_params(spec):
    body = spec["paths"][TASKS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    resolved = [schemas[v["$ref"].rsplit("/", 1)[1]] for v in body["oneOf"]]
    variants = {v["properties"]["kind"]["enum"][0]: v for v in resolved}
    assert body["discriminator"]["propertyName"] == "kind"
    assert set(body["discriminator"]["mapping"]) == set(variants)
    assert "platform.diagnostic" in variants and "platform.send_mail" not in variants
    diagnostic = variants["platform.diagnostic"]
    assert diagnostic["additionalProperties"] is False
    ref = diagnostic["properties"]["params"]["$ref"].rsplit("/", 1)[1]
    params = schemas[ref]
    assert params["additionalProperties"] is False
    assert params["properties"]["steps"]["maximum"] == 100_000
    headers = {p["name"]: p for p in spec["paths"][TASKS]["post"]["parameters"]}
    assert headers["Idempotency-Key"]["schema"]["maxLength"] == 200


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "platform.diagnostic", "surprise": 1},
        {"kind": "platform.diagnostic", "params": {"steps": 1, "surprise": 1}},
        {"kind": "x" * 65},
    ],
)
def test_unknown_fields_and_overlong_strings_are_refused_and_nothing_is_written(api, body):
    before = count(Task)
    resp = api.post(TASKS, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "VALIDATION_ERROR"
    assert count(Task) == before


def test_options_and_405_list_only_the_methods_of_that_path(api):
    # /careers/jobs/search also matches /careers/jobs/<job_id> (GET, DELETE): not its methods.
    resp = api.request("OPTIONS", "/api/v1/careers/jobs/search")
    assert set(resp.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    resp = api.request("PUT", "/api/v1/careers/jobs/search", json={})
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    resp = api.request("OPTIONS", f"{TASKS}/some-id")
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_the_fast_task_answer_is_exactly_what_the_documented_schema_dumps(api, platform):
    import marshmallow as ma

    from app.db import session_scope
    from app.platform.task_view import TaskSchema, task_json

    done = api.wait(api.submit(steps=2)["id"])
    failed = api.wait(api.submit(steps=2, fail_at=1)["id"])
    queued = api.post(TASKS, json={"kind": "platform.diagnostic"}).json()["data"]
    for task in (done, failed, queued):
        with session_scope() as s:
            row = s.get(Task, task["id"])
            # Rows as the database gives them back (its own types for times and JSON).
            assert task_json(row) == ma.Schema.dump(TaskSchema(), row)

        assert set(task) == set(TaskSchema().fields)


def test_a_finished_task_shows_its_final_stage_and_message(api):
    done = api.wait(api.submit(steps=3)["id"])
    assert done["state"] == "succeeded"
    assert (done["stage"], done["message"]) == ("step", "step 3 of 3")
    failed = api.wait(api.submit(steps=3, fail_at=3)["id"])
    assert (failed["stage"], failed["message"]) == ("step", "step 2 of 3")


def test_an_undocumented_query_parameter_is_refused_by_name(api):
    resp = api.get(TASKS, params={"state": "queued", "sate": "failed"})
    assert resp.status_code == 400
    assert resp.json()["errors"] == {"sate": ["Unknown field."]}
    assert api.get(TASKS, params={"state": "queued", "page": 2}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [({"steps": True}, "steps"), ({"steps": 2.5}, "steps"), ({"sleep": "0.1"}, "sleep")],
)
def test_json_values_must_have_the_documented_types(api, params, field):
    resp = api.post(TASKS, json={"kind": "platform.diagnostic", "params": params})
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]["params"]


def test_the_event_stream_refuses_out_of_range_ids_and_an_empty_token(api):
    task = api.wait(api.submit()["id"])
    events = f"{TASKS}/{task['id']}/events"
    resp = api.get(events, headers={"Last-Event-ID": "99999999999999999999"})
    assert resp.status_code == 400 and resp.json()["code"] == "VALIDATION_ERROR"
    resp = api.get(events, params={"last_event_id": "\u0661"})  # an Arabic-Indic digit one
    assert resp.status_code == 400
    assert api.get(events, params={"token": ""}).status_code == 401  # never falls back


def _task_routes(spec):
    """Every operation that starts a task: its 202 is the task envelope (retry re-runs a
    task it names, with no key and no wait, so it is not one of them)."""
    for path, method, op in _operations(spec):
        accepted = op["responses"].get("202", {})
        ref = accepted.get("content", {}).get("application/json", {}).get("schema", {})
        if ref.get("$ref", "").endswith("/TaskEnvelope") and not path.endswith("/retry"):
            yield path, method, op


def test_every_route_that_starts_a_task_documents_the_same_headers_and_answers(spec):
    from app.platform.accept import IDEMPOTENCY_KEY_HEADER, PREFER_HEADER

    routes = list(_task_routes(spec))
    # POST /tasks, careers ×5, recruiting agent ×4 and matching ×2, monitoring ×3, dining ×4
    assert len(routes) >= 19
    for path, method, op in routes:
        where = f"{method.upper()} {path}"
        declared = [*spec["paths"][path].get("parameters", []), *op.get("parameters", [])]
        headers = {p["name"]: p for p in declared if p["in"] == "header"}
        assert headers.get("Prefer") == PREFER_HEADER, where
        if method == "post":
            assert headers.get("Idempotency-Key") == IDEMPOTENCY_KEY_HEADER, where
            assert "409" in op["responses"], where
            assert op["responses"]["200"]["content"] == op["responses"]["202"]["content"], where
