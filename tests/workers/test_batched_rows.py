"""Tasks of one worker process that start or end together share one write and one pipeline."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from app import events
from app.db import session_scope
from app.models import Task
from tests.factories import add_task_row
from workers import rows
from workers.base import Attempt

# Both databases: batched conditional updates with UPDATE ... RETURNING.
pytestmark = pytest.mark.both_databases


def _row(api, **values) -> str:
    return add_task_row(api, **{"sent_at": datetime.now(UTC), **values})


def _attempt(api, task_id: str) -> Attempt:
    return Attempt(task_id, api.user["org_id"], api.user["id"], "platform.diagnostic", 1, 0.0)


def test_ends_written_together_change_only_the_attempts_still_running(api):
    ids = [_row(api, state="running", attempts=1) for _ in range(3)]
    with session_scope() as s:  # the middle one was cancelled meanwhile
        s.get(Task, ids[1]).state = "cancelled"
    items = [
        (
            _attempt(api, task_id),
            {"state": "succeeded", "result": {"n": n}, "finished_at": datetime.now(UTC)},
            [events.make_event("complete", task_id, "platform.diagnostic", data={"n": n})],
        )
        for n, task_id in enumerate(ids)
    ]
    for _item, values, _batch in items:
        values["updated_at"] = datetime.now(UTC)
    assert rows._write_ends(items) == [True, False, True]
    with session_scope() as s:
        states = [s.get(Task, task_id).state for task_id in ids]
        results = [s.get(Task, task_id).result for task_id in ids]
    assert states == ["succeeded", "cancelled", "succeeded"]
    assert results == [{"n": 0}, None, {"n": 2}]
    # Only the rows that ended publish their end, each once.
    assert [e["type"] for e in events.replay(ids[0])] == ["complete"]
    assert events.replay(ids[1]) == []
    assert [e["data"] for e in events.replay(ids[2])] == [{"n": 2}]


def test_a_held_running_event_goes_out_before_the_end_in_the_same_batch(api):
    task_id = _row(api, state="running", attempts=1)
    attempt = _attempt(api, task_id)
    attempt.held = events.make_event("progress", task_id, attempt.kind, stage="running")
    end = events.make_event("complete", task_id, attempt.kind, data=None)
    item = (attempt, {"state": "succeeded", "updated_at": datetime.now(UTC)}, [end])
    assert rows._write_ends([item]) == [True]
    assert [e.get("stage") for e in events.replay(task_id)] == ["running", None]
    assert attempt.held is None


def test_starts_together_run_each_row_once_and_skip_a_duplicate(api):
    queued = [_row(api, state="queued") for _ in range(2)]
    done = _row(api, state="succeeded")
    items = [(queued[0], False, "w1"), (queued[1], False, "w1"), (queued[0], False, "w1")]
    items.append((done, False, "w1"))
    outcomes = rows._write_starts(items)
    assert [o is not None for o in outcomes] == [True, True, False, False]
    assert outcomes[0][2:] == ("platform.diagnostic", 1)
    with session_scope() as s:
        assert [s.get(Task, t).state for t in queued] == ["running", "running"]
        assert s.get(Task, done).state == "succeeded"


def test_many_tasks_finishing_at_once_each_end_once(api):
    """The test worker is a pool of 4 threads: their ends meet in the batcher."""
    tasks = []
    threads = [
        threading.Thread(target=lambda: tasks.append(api.submit(steps=1, sleep=0.05)))
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = [api.wait(task["id"]) for task in tasks]
    assert [t["state"] for t in finished] == ["succeeded"] * 12
    for task in tasks:
        history = events.replay(task["id"])
        assert [e["type"] for e in history].count("complete") == 1
        assert history[0]["stage"] == "running" and history[-1]["type"] == "complete"
