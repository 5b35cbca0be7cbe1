"""A worker started on a RabbitMQ virtual host nobody has used yet starts clean: it declares
every queue of the platform (not only those it consumes), so Celery's delayed-delivery step
finds them all and logs no error, and delayed retries work on every queue."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from app.platform.kinds import QUEUES
from tests.e2e.stack import RabbitVhost, Stack, rabbitmq_answers

pytestmark = pytest.mark.e2e


def _levels(log: str) -> list[tuple[str, str]]:
    found = []
    for line in log.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        found.append((record.get("level", ""), record.get("event", "")))
    return found


def test_a_worker_on_a_fresh_vhost_starts_without_an_error_line(tmp_path):
    if not rabbitmq_answers():
        pytest.skip("RabbitMQ absent: nothing answers on 127.0.0.1:5672")
    vhost = RabbitVhost()
    if not vhost.name:
        pytest.skip("rabbitmqctl unavailable: cannot make a fresh virtual host")
    stack = Stack(tmp_path, vhost.url)
    stack.env["KAIROS_LOG_LEVEL"] = "INFO"  # so "ready." and our own lines are in the log
    try:
        stack.run("db", "upgrade")
        stack.start("worker", "worker", "-Q", "default", "-c", "1")
        deadline = time.monotonic() + 120
        while not any(event.endswith(" ready.") for _, event in _levels(stack.log("worker"))):
            assert stack.procs["worker"].poll() is None, stack.log("worker")[-3000:]
            assert time.monotonic() < deadline, stack.log("worker")[-3000:]
            time.sleep(0.2)
        records = _levels(stack.log("worker"))
        bad = [r for r in records if r[0] in ("error", "critical")]
        assert bad == [], bad
        assert ("info", "broker_topology_declared") in records
        listed = subprocess.run(
            [vhost.ctl, "list_queues", "-p", vhost.name, "name", "--quiet"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout.split()  # fmt: skip
        assert set(QUEUES) <= set(listed)
    finally:
        stack.stop()
        vhost.drop()
