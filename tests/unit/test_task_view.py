"""A task has one JSON form: ``task_json`` writes it, ``TaskSchema`` documents it. The schema's
own fields, serialized by marshmallow, must give exactly what the function writes, field by
field, for a task in every shape (queued with its empty fields, running, finished with a
result, failed with an error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import marshmallow as ma
import pytest

from app.models import Task
from app.platform.task_view import TaskSchema, task_json

NOW = datetime(2026, 12, 7, 16, 30, 15, 123456, tzinfo=UTC)


def _task(**fields) -> Task:
    row = {
        "id": "0b0c7a52-6a0f-4e0b-9b8e-3f1c2d4e5f60",
        "org_id": "org-1",
        "owner_id": "user-1",
        "caller": "user:user-1",
        "kind": "platform.diagnostic",
        "queue": "default",
        "params": {"steps": 2, "sleep": 0.0},
        "state": "queued",
        "progress": 0,
        "stage": None,
        "message": None,
        "result": None,
        "error": None,
        "attempts": 0,
        "retries": 0,
        "retried_from": None,
        "created_at": NOW,
        "started_at": None,
        "finished_at": None,
        "updated_at": NOW,
    }
    return Task(**{**row, **fields})


SHAPES = {
    "queued": _task(),
    "running": _task(
        state="running",
        progress=40,
        stage="step",
        message="2 of 5",
        attempts=1,
        started_at=NOW + timedelta(seconds=1),
        updated_at=NOW + timedelta(seconds=2),
    ),
    "succeeded": _task(
        state="succeeded",
        progress=100,
        result={"steps": 2, "nested": [1, {"a": None}]},
        attempts=1,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=3),
    ),
    "failed": _task(
        state="failed",
        attempts=2,
        retries=1,
        retried_from="a-previous-task",
        error={"code": "TASK_ERROR", "message": "boom", "traceback": "not for clients"},
        finished_at=NOW,
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_schema_fields_and_the_function_agree_on_every_field(shape):
    task = SHAPES[shape]
    by_fields = ma.Schema.dump(TaskSchema(), task)  # marshmallow, field by declared field
    written = task_json(task)
    assert list(written) == list(TaskSchema().fields)
    for name in TaskSchema().fields:
        assert written[name] == by_fields[name], name


def test_the_schema_dumps_through_the_function_one_task_or_many():
    tasks = list(SHAPES.values())
    assert TaskSchema().dump(tasks[2]) == task_json(tasks[2])
    assert TaskSchema(many=True).dump(tasks) == [task_json(t) for t in tasks]
    assert TaskSchema().dump(tasks, many=True) == [task_json(t) for t in tasks]


def test_an_error_shows_its_code_and_message_only():
    assert task_json(SHAPES["failed"])["error"] == {"code": "TASK_ERROR", "message": "boom"}
