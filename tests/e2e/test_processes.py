"""The platform as users run it: `kairos web` (gunicorn + gevent) and `kairos worker`
(Celery prefork) as separate processes, on a private Redis the platform starts itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.factories import Feed, is_end_of, register

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Stack:
    def __init__(self, tmp: Path):
        from app.localredis import ensure_private_redis

        self.var = tmp / "var"
        redis_url, _ = ensure_private_redis(self.var)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.env = {
            **os.environ,
            "KAIROS_VAR_DIR": str(self.var),
            "KAIROS_REDIS_URL": redis_url,
            "KAIROS_DATABASE_URL": f"sqlite:///{self.var / 'kairos.db'}",
            "KAIROS_BIND": f"127.0.0.1:{self.port}",
            "KAIROS_WEB_WORKERS": "1",
            "KAIROS_LOG_LEVEL": "WARNING",
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = tmp

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "kairos"), *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            [str(BIN / "kairos"), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs[name] = proc
        return proc

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/api/v1/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        logs = {p.name: p.read_text()[-2000:] for p in self.logs.glob("*.log")}
        raise AssertionError(f"stack not ready in {timeout}s: {logs}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        from app.localredis import stop_private_redis

        stop_private_redis(self.var)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.run("db", "upgrade")
        s.start("web", "web")
        s.start("worker", "worker", "-c", "1")
        s.wait_ready()
        yield s
    finally:
        s.stop()


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
    children = _children(stack.procs["worker"].pid)
    assert len(children) == 1, children  # prefork, concurrency 1: the child runs our task
    os.kill(children[0], signal.SIGKILL)

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


def test_only_one_of_two_beat_processes_schedules(stack, client):
    import redis

    first = stack.start("beat1", "beat")
    second = stack.start("beat2", "beat")
    r = redis.Redis.from_url(stack.env["KAIROS_REDIS_URL"], decode_responses=True)
    deadline = time.monotonic() + 30
    while not r.get("kairos:beat:lock"):
        assert time.monotonic() < deadline, "no beat took the lock"
        time.sleep(0.2)
    holder = r.get("kairos:beat:lock")
    holder_pid = int(holder.split(":")[1])
    assert holder_pid in (first.pid, second.pid)
    standby = second if holder_pid == first.pid else first
    # A graceful stop releases the lock; the standby takes over.
    os.kill(holder_pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while True:
        token = r.get("kairos:beat:lock")
        if token and int(token.split(":")[1]) == standby.pid:
            break
        assert time.monotonic() < deadline, f"standby never took over (lock: {token})"
        time.sleep(0.2)
