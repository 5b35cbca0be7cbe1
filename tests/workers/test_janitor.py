"""The janitor: re-sends queued tasks the broker lost, fails running tasks nobody finishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.db import session_scope
from app.models import Task
from app.taskqueue import send_task_message
from tests.factories import add_task_row

# Both databases: the janitor's conditional re-sends and deletes.
pytestmark = pytest.mark.both_databases


def test_a_queued_task_whose_message_was_lost_is_resent_and_runs(api):
    from workers.platform import janitor

    long_ago = datetime.now(UTC) - timedelta(hours=1)
    task_id = add_task_row(api, state="queued", sent_at=long_ago)  # recorded, never sent
    result = janitor.apply().get()
    assert result["resent"] >= 1
    done = api.wait(task_id)
    assert done["state"] == "succeeded" and done["attempts"] == 1


def test_a_recent_queued_task_is_left_alone(api):
    from workers.platform import janitor

    task_id = add_task_row(api, state="queued", sent_at=datetime.now(UTC))
    janitor.apply().get()
    with session_scope() as s:
        assert s.get(Task, task_id).state == "queued"
        s.execute(update(Task).where(Task.id == task_id).values(state="cancelled"))


def test_a_running_task_past_its_hard_limit_is_failed_with_an_error_event(api):
    from app import events
    from workers.platform import janitor

    started = datetime.now(UTC) - timedelta(hours=2)
    task_id = add_task_row(api, state="running", attempts=1, started_at=started, sent_at=started)
    janitor.apply().get()
    task = api.get(f"/api/v1/tasks/{task_id}").json()["data"]
    assert task["state"] == "failed" and task["error"]["code"] == "TIME_LIMIT_EXCEEDED"
    assert events.replay(task_id)[-1]["code"] == "TIME_LIMIT_EXCEEDED"


def test_a_lost_message_is_resent_at_once_without_waiting_out_requeue_after(api):
    """Redis restarted empty a moment ago: the row is recent, its message is gone."""
    import dataclasses

    from app.config import configure, get_settings
    from workers.platform import janitor

    before = get_settings()
    configure(dataclasses.replace(before, requeue_after=3600))
    try:
        sent = datetime.now(UTC) - timedelta(seconds=30)
        task_id = add_task_row(api, state="queued", sent_at=sent)
        assert janitor.apply().get()["resent"] >= 1
    finally:
        configure(before)
    assert api.wait(task_id)["state"] == "succeeded"


def test_a_row_whose_message_waits_in_the_queue_is_not_resent(api):
    from workers.celery_app import celery
    from workers.platform import janitor

    long_ago = datetime.now(UTC) - timedelta(hours=1)
    task_id = add_task_row(api, state="queued", sent_at=long_ago)
    celery.control.cancel_consumer("default", reply=True)  # the backlog must stay put
    try:
        with session_scope() as s:
            send_task_message(celery, s.get(Task, task_id))
        janitor.apply().get()
        with session_scope() as s:
            assert s.get(Task, task_id).sent_at == long_ago  # waiting in line, not lost
    finally:
        celery.control.add_consumer("default", reply=True)
    assert api.wait(task_id)["state"] == "succeeded"
