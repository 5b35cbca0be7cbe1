"""Group commit of submits: one INSERT, one commit and one publish for the submits of one
moment; each request still learns its own outcome."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from app.core.errors import ApiError
from app.core.principal import Principal
from app.db import session_scope
from app.models import Task
from app.platform import submit_batch, task_service
from app.platform.kinds import DIAGNOSTIC

# Both databases: a multi-row INSERT isolating a conflicting row, concurrent submits.
pytestmark = pytest.mark.both_databases

TASKS = "/api/v1/tasks"


def _row(api, key: str | None = None) -> dict:
    principal = Principal.of_user(api.user["id"], api.user["org_id"], "owner")
    params = {"steps": 1, "sleep": 0.0, "fail_at": None, "payload_bytes": 0}
    return task_service.new_row(principal, DIAGNOSTIC, params, key)


def _states(ids: list[str]) -> list[str | None]:
    with session_scope() as s:
        return [getattr(s.get(Task, i), "state", None) for i in ids]


def test_a_batch_commits_and_sends_every_row_and_isolates_a_conflicting_one(api, platform):
    from app.taskqueue import producer

    celery = producer()
    taken = _row(api, key="batch-key")
    submit_batch._write([(taken, celery)])
    rows = [_row(api), _row(api, key="batch-key"), _row(api)]  # the middle one conflicts
    outcomes = submit_batch._write([(row, celery) for row in rows])
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], IntegrityError)
    assert _states([rows[1]["id"]]) == [None]  # the conflict wrote nothing
    # The other two were committed and sent: the worker runs them.
    assert [api.wait(r["id"])["state"] for r in (rows[0], rows[2])] == ["succeeded"] * 2


def test_a_broker_failure_fails_every_row_of_the_batch_with_503(api):
    from app.taskqueue import make_celery

    down = make_celery("redis://127.0.0.1:1/0")
    rows = [_row(api) for _ in range(3)]
    outcomes = submit_batch._write([(row, down) for row in rows])
    assert all(isinstance(o, ApiError) and o.status == 503 for o in outcomes)
    assert {o.code for o in outcomes} == {"BROKER_UNAVAILABLE"}
    assert _states([r["id"] for r in rows]) == ["failed"] * 3
    with session_scope() as s:
        assert s.get(Task, rows[0]["id"]).error["code"] == "BROKER_UNAVAILABLE"


def test_concurrent_submits_each_get_their_own_task(api):
    answers: list = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(
                api.post(TASKS, json={"kind": "platform.diagnostic", "params": {"steps": 1}})
            )
        )
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [202] * 16
    ids = {a.json()["data"]["id"] for a in answers}
    assert len(ids) == 16
    assert {api.wait(i)["state"] for i in ids} == {"succeeded"}
