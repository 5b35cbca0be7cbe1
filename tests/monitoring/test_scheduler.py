"""Scheduled probes through the real worker on both databases: claiming with a lease,
batches, the recorder's writes (checks, status with retries, rollups, next due time),
database errors retried and never recorded as downs, retention."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from app.db import get_engine, session_scope
from app.models.monitoring import Check, Rollup
from tests.monitoring.conftest import settings
from tests.monitoring.probe_helpers import (
    add_resource,
    checked_count,
    checks_of,
    org_of,
    resource,
    wait_until,
)
from tests.monitoring.servers import TargetServer, TcpListener
from workers.monitoring import recorder, scheduler
from workers.monitoring.probes import Outcome, ProbeResult, ProbeSpec

# Both databases: probe leases claimed with UPDATE ... RETURNING.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def site():
    with TargetServer() as s:
        yield s


@pytest.fixture
def open_network():
    with settings(probe_allow_private=True, probe_batch_size=4):
        yield


def _dispatch(org_id):
    from workers.celery_app import celery

    celery.send_task("monitoring.dispatch", kwargs={"org_id": org_id}, queue="probes")


def test_due_resources_are_probed_in_batches_and_recorded(api, site, open_network):
    org = org_of(api)
    with TcpListener() as listener:
        ups = [add_resource(org, f"{site.url}/ok") for _ in range(8)]
        downs = [add_resource(org, f"{site.url}/status/503") for _ in range(3)]
        tcp = [add_resource(org, f"127.0.0.1:{listener.port}", "TCP") for _ in range(2)]
        ids = ups + downs + tcp
        before = datetime.now(UTC)
        _dispatch(org)
        wait_until(lambda: checked_count(ids) == len(ids), what="every resource checked")
    now = datetime.now(UTC)
    for rid in ups + tcp:
        row = resource(rid)
        assert (row.current_status, row.latest_check_status) == ("available", "AVAILABLE")
    for rid in downs:
        row = resource(rid)
        assert (row.current_status, row.latest_error_code) == ("not_available", "503")
        assert row.latest_message == "HTTP 503 Service Unavailable"
    for rid in ids:
        row = resource(rid)
        assert row.locked_until is None
        # The next slot of its phase after the check: within one interval of it.
        assert before < row.next_due_at <= now + timedelta(seconds=61)
        assert len(checks_of(rid)) == 1
    # Each resource keeps its own phase in the minute: due times are spread, not one instant.
    assert len({resource(rid).next_due_at for rid in ids}) > len(ids) // 2
    with session_scope() as s:
        rollups = s.scalars(select(Rollup).where(Rollup.resource_id == downs[0])).all()
    # The recorder writes the minute; hours and days are folded later by compaction.
    assert [(r.period, r.checks, r.ups, r.downs) for r in rollups] == [("minute", 1, 0, 1)]


def test_a_leased_resource_is_claimed_once(api, site, open_network):
    org = org_of(api)
    ids = {add_resource(org, f"{site.url}/ok") for _ in range(12)}
    results: list[list[dict]] = []
    start = threading.Barrier(4)

    def grab():
        start.wait()
        results.append(scheduler.claim(org_id=org))

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [item["id"] for batch in results for item in batch]
    assert sorted(claimed) == sorted(ids)  # every one, and none twice
    assert scheduler.claim(org_id=org) == []
    assert all(resource(rid).locked_until is not None for rid in ids)


def test_a_stale_batch_is_dropped_not_probed_twice(api, site, open_network):
    org = org_of(api)
    rid = add_resource(org, f"{site.url}/ok")
    [item] = scheduler.claim(org_id=org)
    # As if it sat in the queue until its lease was almost over.
    stale = dict(item, timeout=10_000)
    assert scheduler.run([stale]) == {"probed": 0, "dropped": 1}
    assert site.hits["/ok"] == 0 and checks_of(rid) == []
    # The lease was given back: the next tick claims it again, no waiting for it to run out.
    assert [again["id"] for again in scheduler.claim(org_id=org)] == [rid]


def _outcome(rid, status="AVAILABLE", latency=10.0, at=None):
    result = ProbeResult(
        status, "HTTP 200" if status == "AVAILABLE" else "HTTP 503", "200", latency
    )
    at = at or datetime.now(UTC)
    return Outcome(ProbeSpec(rid, "HTTP", "http://x/"), result, at, 0.1, 0.01)


def test_retries_keep_a_failing_resource_pending(api, site, open_network):
    rid = add_resource(org_of(api), f"{site.url}/status/503", retries=2)
    seen = []
    for _ in range(3):
        recorder.record([_outcome(rid, "NOT_AVAILABLE")])
        seen.append(resource(rid).current_status)
    assert seen == ["pending", "pending", "not_available"]
    assert resource(rid).consecutive_failures == 3
    recorder.record([_outcome(rid, "AVAILABLE")])
    row = resource(rid)
    assert (row.current_status, row.consecutive_failures) == ("available", 0)


def test_rollups_add_up_within_a_bucket(api, site):
    rid = add_resource(org_of(api), f"{site.url}/ok")
    at = datetime.now(UTC).replace(second=5, microsecond=0)
    recorder.record([_outcome(rid, "AVAILABLE", 20.0, at)])
    recorder.record([_outcome(rid, "NOT_AVAILABLE", 5.0, at + timedelta(seconds=10))])
    recorder.record([_outcome(rid, "AVAILABLE", None, at + timedelta(seconds=20))])
    with session_scope() as s:
        minute = s.scalar(
            select(Rollup).where(Rollup.resource_id == rid, Rollup.period == "minute")
        )
    assert (minute.checks, minute.ups, minute.downs) == (3, 2, 1)
    assert (minute.latency_count, minute.latency_sum) == (2, 25.0)
    assert (minute.latency_min, minute.latency_max) == (5.0, 20.0)


@pytest.fixture
def flaky_inserts():
    """Make the database refuse the next N inserts of checks, as a locked or lost database
    would (OperationalError from the driver boundary)."""
    failures = {"left": 0}

    def before(conn, cursor, statement, params, context, executemany):
        if failures["left"] and statement.lstrip().upper().startswith(
            "INSERT INTO MONITORING_CHECKS"
        ):
            failures["left"] -= 1
            raise OperationalError(statement, params, Exception("database is locked"))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    yield failures
    event.remove(engine, "before_cursor_execute", before)


def test_a_database_error_while_recording_is_retried(api, site, flaky_inserts):
    rid = add_resource(org_of(api), f"{site.url}/ok")
    flaky_inserts["left"] = 2
    recorder.record([_outcome(rid, "NOT_AVAILABLE")])
    assert [c.status for c in checks_of(rid)] == ["NOT_AVAILABLE"]
    assert resource(rid).current_status == "not_available"


def test_a_lasting_database_error_is_never_recorded_as_down(api, site, flaky_inserts):
    rid = add_resource(org_of(api), f"{site.url}/ok")
    recorder.record([_outcome(rid, "AVAILABLE")])
    flaky_inserts["left"] = recorder.RECORD_ATTEMPTS
    with pytest.raises(OperationalError):
        recorder.record([_outcome(rid, "AVAILABLE")])
    row = resource(rid)
    assert row.current_status == "available" and row.consecutive_failures == 0
    assert len(checks_of(rid)) == 1


def test_retention_prunes_old_checks_and_rollups_once_folded(api, site, compaction_marks):
    from workers.celery_app import celery

    rid = add_resource(org_of(api), f"{site.url}/ok")
    old = datetime.now(UTC) - timedelta(days=100)  # past raw, minute and hour retention
    recorder.record([_outcome(rid, at=old)], reschedule=False)
    recorder.record([_outcome(rid)], reschedule=False)
    # Pruning first deletes nothing of the history: nothing is folded yet.
    celery.send_task("monitoring.prune", queue="default")
    wait_until(lambda: len(checks_of(rid)) == 1, what="the old raw check pruned")
    assert sorted(_periods(rid)) == ["minute", "minute"]
    celery.send_task("monitoring.compact", queue="default")
    wait_until(_compacted, what="hours and days folded up to the present")
    assert len(_periods(rid)) == 4  # the old minute, its hour and day, the current minute
    celery.send_task("monitoring.prune", queue="default")
    # The old minute and hour go (folded into the old day, kept 400 days); the current
    # minute is not folded yet (its hour is not over) and stays.
    wait_until(lambda: sorted(_periods(rid)) == ["day", "minute"], what="folded rows pruned")
    with session_scope() as s:
        kept = s.scalars(select(Check.checked_at).where(Check.resource_id == rid)).all()
    assert kept[0] > old + timedelta(days=1)


def _compacted() -> bool:
    """The task's last step is done: the day mark has reached the hour mark's day."""
    from app.models.monitoring import Compaction
    from app.monitoring.uptime import floor

    with session_scope() as s:
        marks = dict(s.execute(select(Compaction.grain, Compaction.done_until)).all())
    return len(marks) == 2 and marks["day"] == floor(marks["hour"], "day")


def _periods(rid: str) -> list[str]:
    with session_scope() as s:
        return list(s.scalars(select(Rollup.period).where(Rollup.resource_id == rid)))


def test_a_manual_check_records_like_a_scheduled_one(api, site, open_network):
    rid = add_resource(
        org_of(api), f"{site.url}/status/503", next_due_at=datetime.now(UTC) + timedelta(hours=1)
    )
    due_before = resource(rid).next_due_at
    task = api.wait(api.submit("monitoring.probe", resource_id=rid)["id"])
    assert task["state"] == "succeeded", task
    assert task["result"]["status"] == "NOT_AVAILABLE"
    assert task["result"]["errorCode"] == "503"
    row = resource(rid)
    assert row.current_status == "not_available"
    assert row.next_due_at == due_before  # its schedule is its own
    assert len(checks_of(rid)) == 1


def test_another_orgs_resource_cannot_be_checked(api, other_api, site):
    rid = add_resource(org_of(api), f"{site.url}/ok")
    resp = other_api.post(
        "/api/v1/tasks", json={"kind": "monitoring.probe", "params": {"resource_id": rid}}
    )
    assert resp.status_code == 404
    assert checks_of(rid) == []


def test_metrics_count_checks_and_show_resources_up(api, site, platform):
    import requests

    rid = add_resource(org_of(api), f"{site.url}/ok")
    recorder.record([_outcome(rid, "AVAILABLE")])
    with settings(monitoring_metrics_resources=1_000_000):  # no cap: every resource shows
        text = requests.get(platform.base_url + "/metrics", timeout=10).text
    assert 'kairos_probe_checks_total{status="AVAILABLE",type="HTTP"}' in text
    assert "kairos_probe_lag_seconds_bucket" in text
    assert f'kairos_monitoring_resource_up{{resource_id="{rid}",type="HTTP"}} 1.0' in text
    with settings(monitoring_metrics_resources=0):
        text = requests.get(platform.base_url + "/metrics", timeout=10).text
    assert "kairos_monitoring_resource_up{" not in text


def test_a_lease_that_ran_out_is_claimed_again(api, site, open_network):
    rid = add_resource(org_of(api), f"{site.url}/ok", timeout=5)
    [first] = scheduler.claim(org_id=org_of(api))
    assert scheduler.claim(org_id=org_of(api)) == []
    # The worker holding it died: once the lease (timeout + queueing allowance) is over,
    # the resource is claimed again.
    later = datetime.now(UTC) + recorder.lease_for(5) + timedelta(seconds=1)
    [again] = scheduler.claim(now=later, org_id=org_of(api))
    assert again["id"] == first["id"] == rid
    assert again["lease_until"] > first["lease_until"]
