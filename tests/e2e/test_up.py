"""`kairos up` (what `make run` runs): migrate, then web, worker, beat and Flower together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.stack import free_port

pytestmark = pytest.mark.e2e


def test_kairos_up_starts_a_ready_platform_with_flower_behind_basic_auth(tmp_path):
    from app.localredis import ensure_private_redis, stop_private_redis

    var = tmp_path / "var"
    redis_url, _ = ensure_private_redis(var)
    api, flower = free_port(), free_port()
    env = {
        **os.environ,
        "KAIROS_VAR_DIR": str(var),
        "KAIROS_REDIS_URL": redis_url,
        "KAIROS_DATABASE_URL": f"sqlite:///{var / 'kairos.db'}",
        "KAIROS_BIND": f"127.0.0.1:{api}",
        "KAIROS_FLOWER_BIND": f"127.0.0.1:{flower}",
        "KAIROS_WEB_WORKERS": "1",
        "KAIROS_WORKER_CONCURRENCY": "1",
    }
    env.pop("KAIROS_FLOWER_BASIC_AUTH", None)
    log = open(tmp_path / "up.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "kairos"), "up"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    try:
        ready = None
        while time.monotonic() - started < 90 and proc.poll() is None:
            try:
                ready = requests.get(f"http://127.0.0.1:{api}/api/v1/ready", timeout=2)
                if ready.status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, (tmp_path / "up.log").read_text()

        user, password = (var / "flower_auth").read_text().strip().split(":", 1)
        assert requests.get(f"http://127.0.0.1:{flower}/", timeout=5).status_code == 401
        deadline = time.monotonic() + 30
        while True:
            resp = requests.get(
                f"http://127.0.0.1:{flower}/api/workers?refresh=1", auth=(user, password), timeout=5
            )
            if resp.status_code == 200 and resp.json():
                break
            assert time.monotonic() < deadline, resp.text
            time.sleep(0.5)
        output = (tmp_path / "up.log").read_text()
        assert "kairos: database ready (sqlite)" in output
        # No SMTP configured: the start-up says mail only goes to the file sink.
        assert "kairos: mail     file sink" in output and "nothing is delivered" in output
        for name in ("web", "worker", "beat", "flower"):
            assert f"{name} started" in output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        stop_private_redis(var)
