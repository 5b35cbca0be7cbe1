"""A Kairos stack of real processes for end-to-end tests: `kairos web`, `kairos worker`,
`kairos beat`, on a private Redis under the test's directory, optionally with the task
messages on RabbitMQ (a private virtual host of the RabbitMQ on 127.0.0.1:5672)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=0.3):
            return True
    except OSError:
        return False


class RabbitVhost:
    """A virtual host of our own on the local RabbitMQ, so two test runs never share queues
    (made with rabbitmqctl; without it, the default vhost is used and the run says so)."""

    def __init__(self) -> None:
        self.name = f"kairos-test-{uuid.uuid4().hex[:8]}"
        self.ctl = shutil.which("rabbitmqctl")
        ok = self.ctl is not None and self._ctl("add_vhost", self.name) == 0
        ok = ok and self._ctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*") == 0
        if not ok:
            print("RabbitMQ leg: rabbitmqctl unavailable, using the default vhost '/'")
            self.name = ""
        self.url = f"amqp://guest:guest@127.0.0.1:5672/{self.name}"

    def _ctl(self, *args: str) -> int:
        return subprocess.run(
            [self.ctl, *args], capture_output=True, timeout=60, check=False
        ).returncode

    def drop(self) -> None:
        if self.name:
            self._ctl("delete_vhost", self.name)


class Stack:
    def __init__(self, tmp: Path, broker_url: str = ""):
        from app.localredis import ensure_private_redis

        self.var = tmp / "var"
        redis_url, _ = ensure_private_redis(self.var)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.env = {
            **os.environ,
            "KAIROS_VAR_DIR": str(self.var),
            "KAIROS_REDIS_URL": redis_url,
            "KAIROS_DATABASE_URL": f"sqlite:///{self.var / 'kairos.db'}",
            "KAIROS_BIND": f"127.0.0.1:{self.port}",
            "KAIROS_WEB_WORKERS": "1",
            "KAIROS_LOG_LEVEL": "DEBUG",  # every log line of the processes runs
            # Beat and janitor at test speed: a takeover or a re-send is seen in a second or two.
            "KAIROS_JANITOR_INTERVAL": "2",
            "KAIROS_BEAT_STANDBY_INTERVAL": "1",
            "KAIROS_BEAT_LOCK_TTL": "6",
            "KAIROS_BROKER_URL": broker_url,
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

    def start(self, name: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        """Start ``kairos <args>``; ``env`` adds to (or overrides) the stack's environment."""
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            [str(BIN / "kairos"), *args],
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def wait_ready(
        self, timeout: float = 180, base_url: str | None = None, path: str = "/api/v1/ready"
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                url = (base_url or self.base_url) + path
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        logs = {p.name: p.read_text()[-2000:] for p in self.logs.glob("*.log")}
        raise AssertionError(f"stack not ready in {timeout}s: {logs}")

    def stop_redis(self) -> None:
        from app.localredis import stop_private_redis

        stop_private_redis(self.var)

    def start_redis(self) -> None:
        """The same private Redis again (same socket), empty: it keeps nothing on disk."""
        from app.localredis import ensure_private_redis

        ensure_private_redis(self.var)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()

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
