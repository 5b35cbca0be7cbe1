"""The platform as users run it: `kairos web` (gunicorn + gevent) and `kairos worker`
(Celery prefork) as separate processes, on a private Redis the platform starts itself, with
the task messages on Redis and, when a RabbitMQ answers, on RabbitMQ."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from tests.e2e.stack import RabbitVhost, Stack, children, rabbitmq_answers
from tests.factories import Feed, is_end_of, register

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_processes")]


@pytest.fixture(scope="module", params=["redis", "rabbitmq"])
def stack(request, tmp_path_factory):
    vhost = None
    if request.param == "rabbitmq":
        if not rabbitmq_answers():
            pytest.skip("RabbitMQ leg skipped: nothing answers on 127.0.0.1:5672")
        vhost = RabbitVhost()
    s = Stack(tmp_path_factory.mktemp("stack"), vhost.url if vhost else "")
    try:
        s.run("db", "upgrade")
        s.start("web", "web")
        s.start("worker", "worker", "-c", "1")
        s.wait_ready()
        yield s
    finally:
        s.stop()
        if vhost:
            vhost.drop()


@pytest.fixture
def client(stack):
    return register(stack)


def test_a_task_submitted_over_rest_is_watched_to_the_end_over_the_websocket(client, stack):
    feed = Feed(stack, client.token)
    assert feed.recv()["of"] == "auth"
    task = client.submit(steps=3, sleep=0.05)
    feed.send({"type": "subscribe", "task_id": task["id"]})
    messages = feed.until(is_end_of(task["id"]))
    assert messages[-1]["type"] == "complete"
    assert client.get(f"/api/v1/tasks/{task['id']}").json()["data"]["state"] == "succeeded"


def test_metrics_are_served_by_the_web_process(client, stack):
    resp = requests.get(stack.base_url + "/metrics", timeout=10)
    assert resp.status_code == 200 and "kairos_http_requests_total" in resp.text


def test_a_worker_killed_mid_task_is_redelivered_and_finishes_exactly_once(client, stack):
    task = client.submit(steps=20, sleep=0.15)
    deadline = time.monotonic() + 30
    while client.get(f"/api/v1/tasks/{task['id']}").json()["data"]["progress"] < 20:
        assert time.monotonic() < deadline, "task never got going"
        time.sleep(0.05)
    pool = children(stack.procs["worker"].pid)
    assert len(pool) == 1, pool  # prefork, concurrency 1: the child runs our task
    os.kill(pool[0], signal.SIGKILL)

    done = client.wait(task["id"], timeout=60)
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 2
    assert done["result"] == {"steps": 20, "payload": ""}
    feed = Feed(stack, client.token)
    feed.recv()
    feed.send({"type": "subscribe", "task_id": task["id"]})
    history = [m for m in feed.until(is_end_of(task["id"])) if m["type"] != "ack"]
    assert [m["type"] for m in history].count("complete") == 1
    assert [m.get("stage") for m in history].count("running") == 2  # one start per delivery


def test_the_web_process_killed_amid_batched_submits_loses_no_accepted_task(client, stack):
    """Submits are committed and sent in batches: SIGKILL the serving process while eight
    clients submit without pause. Every request that got its 202 has its task run; the ones
    cut off got no promise (their rows, if committed, are the janitor's to send)."""
    accepted: list[str] = []
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {client.token}"}

    def submitter():
        session = requests.Session()
        while not stop.is_set():
            try:
                resp = session.post(
                    stack.base_url + "/api/v1/tasks",
                    json={"kind": "platform.diagnostic", "params": {}},
                    headers=headers,
                    timeout=30,
                )
            except requests.RequestException:
                continue  # cut off with the process: no answer, no promise
            if resp.status_code == 202:
                accepted.append(resp.json()["data"]["id"])

    threads = [threading.Thread(target=submitter) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(accepted) < 30:
            assert time.monotonic() < deadline, "submits never got going"
            time.sleep(0.01)
        (serving,) = children(stack.procs["web"].pid)  # one gunicorn worker
        os.kill(serving, signal.SIGKILL)
        before = len(accepted)
        deadline = time.monotonic() + 120  # gunicorn starts a new worker; submits go on
        while len(accepted) < before + 30:
            assert time.monotonic() < deadline, "no submit accepted after the kill"
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    states = {client.wait(task_id, timeout=120)["state"] for task_id in accepted}
    assert states == {"succeeded"}


def test_on_rabbitmq_a_task_whose_connection_drops_is_run_again_and_ends_once(client, stack):
    """RabbitMQ requeues an unacknowledged message the moment its connection drops, so the
    worker cancels its local run and the redelivered copy takes the row over."""
    if "amqp://" not in stack.env["KAIROS_BROKER_URL"]:
        pytest.skip("RabbitMQ only: with Redis a running task keeps running (see restart test)")
    vhost = stack.env["KAIROS_BROKER_URL"].rsplit("/", 1)[1] or "/"
    task = client.submit(steps=100, sleep=0.3)  # 30 s: still running when the link drops
    deadline = time.monotonic() + 60
    while client.get(f"/api/v1/tasks/{task['id']}").json()["data"]["progress"] < 3:
        assert time.monotonic() < deadline, "task never got going"
        time.sleep(0.05)
    subprocess.run(
        ["rabbitmqctl", "close_all_connections", "-p", vhost, "test: connection lost"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    done = client.wait(task["id"], timeout=180)
    assert done["state"] == "succeeded" and done["attempts"] == 2, done
    feed = Feed(stack, client.token)
    feed.recv()
    feed.send({"type": "subscribe", "task_id": task["id"]})
    history = [m for m in feed.until(is_end_of(task["id"])) if m["type"] != "ack"]
    assert [m["type"] for m in history].count("complete") == 1


def test_only_one_of_two_beat_processes_schedules(stack, client):
    import redis

    first = stack.start("beat1", "beat")
    second = stack.start("beat2", "beat")
    r = redis.Redis.from_url(stack.env["KAIROS_REDIS_URL"], decode_responses=True)
    deadline = time.monotonic() + 90  # two processes importing everything on 2 cores
    while not r.get("kairos:beat:lock"):
        assert time.monotonic() < deadline, "no beat took the lock"
        time.sleep(0.2)
    holder = r.get("kairos:beat:lock")
    holder_pid = int(holder.split(":")[1])
    assert holder_pid in (first.pid, second.pid)
    standby = second if holder_pid == first.pid else first
    # A graceful stop releases the lock; the standby takes over.
    os.kill(holder_pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while True:
        token = r.get("kairos:beat:lock")
        if token and int(token.split(":")[1]) == standby.pid:
            break
        assert time.monotonic() < deadline, f"standby never took over (lock: {token})"
        time.sleep(0.2)
