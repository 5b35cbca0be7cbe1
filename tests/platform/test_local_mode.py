"""Seed 000's local mode: `auth = "none"` makes a single-user install where every request (and
the WebSocket's first `analyze` message) acts as the installation's local owner; it refuses to
start on a non-loopback bind; the seed's static `api_key` works as X-Kairos-Key."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app.config import configure, get_settings
from tests.factories import Feed, is_end_of

C = "/api/v1/careers"
STATIC_KEY = "seed-000-static-key-" + "k" * 24
JOB = {
    "title": "Backend Engineer",
    "company": "Northwind",
    "url": "https://northwind.example/jobs/1",
    "description": "Requirements: Python, PostgreSQL and Docker.",
}


@contextlib.contextmanager
def settings(**changes):
    before = get_settings()
    configure(dataclasses.replace(before, **changes))
    try:
        yield
    finally:
        configure(before)


def test_every_request_acts_as_the_local_owner_without_a_credential(platform, api):
    url = platform.base_url
    assert requests.get(f"{url}/api/v1/users/me", timeout=30).status_code == 401
    with settings(auth="none"):
        me = requests.get(f"{url}/api/v1/users/me", timeout=30)
        assert me.status_code == 200, me.text
        local = me.json()["data"]
        assert local["role"] == "owner"
        again = requests.get(f"{url}/api/v1/users/me", timeout=30).json()["data"]
        assert (again["id"], again["org_id"]) == (local["id"], local["org_id"])  # one owner
        # A credential still names its own user: a token is not overridden by local mode.
        assert api.get("/api/v1/users/me").json()["data"]["id"] == api.user["id"]
        assert api.get("/api/v1/users/me").json()["data"]["id"] != local["id"]


def test_the_websocket_takes_the_seeds_first_analyze_message_without_a_token(platform):
    with settings(auth="none"):
        created = requests.post(
            f"{platform.base_url}{C}/applications", json={"job": JOB}, timeout=30
        )
        assert created.status_code == 201, created.text
        job_id = created.json()["data"]["job_id"]

        feed = Feed(platform)  # no ?token=
        feed.send({"type": "analyze", "job_id": job_id})  # the seed's very first message
        assert feed.recv()["of"] == "auth"
        ack = feed.recv()
        assert ack["of"] == "submit" and ack["task"]["kind"] == "careers.analyze"
        messages = feed.until(is_end_of(ack["task_id"]))
        feed.close()
    stages = [m["stage"] for m in messages if m["type"] == "progress"]
    assert stages == ["extracting_requirements", "scoring_match"]
    assert messages[-1]["type"] == "complete" and 0 <= messages[-1]["data"]["score"] <= 1


def test_without_local_mode_the_websocket_still_needs_a_credential(platform):
    feed = Feed(platform)
    feed.send({"type": "analyze", "job_id": "x"})
    assert feed.close_code() == 4401


def test_the_static_api_key_acts_as_the_local_owner_as_x_kairos_key(platform, api):
    url = f"{platform.base_url}/api/v1/users/me"
    with settings(auth="api_key", api_key=STATIC_KEY):
        assert requests.get(url, timeout=30).status_code == 401
        assert (
            requests.get(url, headers={"X-Kairos-Key": "wrong" * 8}, timeout=30).status_code == 401
        )
        me = requests.get(url, headers={"X-Kairos-Key": STATIC_KEY}, timeout=30)
        assert me.status_code == 200 and me.json()["data"]["role"] == "owner"
        bearer = requests.get(url, headers={"Authorization": f"Bearer {STATIC_KEY}"}, timeout=30)
        assert bearer.json()["data"]["id"] == me.json()["data"]["id"]
        # api_key mode: a JWT is refused, the org's own API keys still work.
        assert api.get("/api/v1/users/me").status_code == 401
        feed = Feed(platform, STATIC_KEY)
        assert feed.recv()["of"] == "auth"
        feed.close()


def _kairos_web(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "kairos"), "web"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("bind", ["0.0.0.0:39517", "192.0.2.10:39517"])
def test_local_mode_refuses_to_start_on_a_non_loopback_bind(tmp_path, bind):
    done = _kairos_web(
        {"KAIROS_AUTH": "none", "KAIROS_BIND": bind, "KAIROS_VAR_DIR": str(tmp_path)}
    )
    assert done.returncode != 0
    message = (done.stderr + done.stdout).strip().splitlines()[-1]
    assert message.startswith("kairos: configuration error: auth:")
    assert "loopback" in message and bind in message


def test_local_mode_in_the_seeds_config_file_refuses_a_public_bind(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[api]\nbind = "0.0.0.0:39518"\nauth = "none"\napi_key = ""\n')
    done = _kairos_web({"KAIROS_CONFIG": str(config), "KAIROS_VAR_DIR": str(tmp_path)})
    assert done.returncode != 0 and "loopback" in done.stderr
