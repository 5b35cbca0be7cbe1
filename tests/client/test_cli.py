"""`kairos client`: submit and follow live, scripts' JSON, exit codes that say how it ended."""

from __future__ import annotations

import json

import pytest

from app.client.api import Api
from app.client.config import resolve
from app.client.follow import Follower
from tests.factories import PASSWORD, add_member


def test_submit_follow_prints_progress_then_the_result(cli):
    result = cli("submit", "platform.diagnostic", "-p", "steps=4", "-p", "sleep=0.05", "--follow")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("following platform.diagnostic ")
    steps = [line for line in lines if "step:" in line]
    assert steps == [
        "[ 25%] step: step 1 of 4",
        "[ 50%] step: step 2 of 4",
        "[ 75%] step: step 3 of 4",
        "[100%] step: step 4 of 4",
    ]
    assert "[100%] complete" in lines
    assert any(line.startswith("succeeded platform.diagnostic") for line in lines)
    assert '"steps": 4' in result.stdout


def test_json_output_is_one_parseable_document(cli, api):
    result = cli("--json", "submit", "platform.diagnostic", "-p", "steps=2", "--follow")
    assert result.exit_code == 0
    task = result.json()
    assert task["state"] == "succeeded" and task["result"]["steps"] == 2
    listed = cli("tasks", "list", "--json", "--state", "succeeded")
    ids = [t["id"] for t in listed.json()["data"]]
    assert task["id"] in ids and listed.json()["meta"]["total"] >= 1
    shown = cli("tasks", "show", task["id"], "--json").json()
    assert shown == api.get(f"/api/v1/tasks/{task['id']}").json()["data"]


def test_submit_without_follow_returns_at_once_with_the_task(cli, api):
    result = cli("--json", "submit", "platform.diagnostic", "--params", '{"steps": 3}')
    assert result.exit_code == 0
    task = result.json()
    assert task["state"] in ("queued", "running", "succeeded")
    assert api.wait(task["id"])["params"]["steps"] == 3


def test_a_failed_task_exits_1_with_its_error(cli):
    result = cli("submit", "platform.diagnostic", "-p", "steps=3", "-p", "fail_at=2", "--follow")
    assert result.exit_code == 1
    assert "DIAGNOSTIC_FAILURE" in result.stderr and "failed" in result.stderr
    assert "[ 33%] step: step 1 of 3" in result.stdout


def test_cancel_exits_2_and_retry_runs_it_again(cli, api):
    task = api.submit(steps=500, sleep=0.1)
    api.wait(task["id"], states=("running",))
    cancelled = cli("tasks", "cancel", task["id"])
    assert cancelled.exit_code == 2
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["data"]["state"] == "cancelled"
    again = cli("--json", "tasks", "retry", task["id"])
    assert again.exit_code == 0 and again.json()["retried_from"] == task["id"]
    api.delete(f"/api/v1/tasks/{again.json()['id']}")
    # A finished task cannot be cancelled: the API's 409 is exit 3.
    conflict = cli("tasks", "cancel", task["id"])
    assert conflict.exit_code == 3 and "CONFLICT" in conflict.stderr


def test_a_watcher_ends_with_exit_2_when_the_task_is_cancelled(cli, api):
    task = api.submit(steps=500, sleep=0.1)
    watcher = cli.process("tasks", "watch", task["id"])
    try:
        first = watcher.stdout.readline()
        assert first.startswith("following platform.diagnostic")
        progress = watcher.stdout.readline()  # the feed is delivering: cancel now
        assert progress.startswith("[")
        api.delete(f"/api/v1/tasks/{task['id']}")
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 2
    assert "[ end] CANCELLED" in out and "cancelled" in err


def test_watch_of_a_finished_task_prints_it_with_its_exit_code(cli, api):
    task = api.submit(steps=1)
    api.wait(task["id"])
    result = cli("--json", "tasks", "watch", task["id"])
    assert result.exit_code == 0 and result.json()["state"] == "succeeded"


def test_following_resumes_after_a_dropped_connection_without_gaps_or_repeats(cli, api):
    cfg = resolve(api.platform.base_url, api.token, None, str(cli.config))
    seen: list[dict] = []

    def on_event(event):
        seen.append(event)
        if len(seen) == 3:
            follower.ws.close()  # the network drops mid-task

    follower = Follower(Api(cfg), on_event)
    task = api.submit(steps=6, sleep=0.15)
    final = follower.follow(task["id"])
    assert final["state"] == "succeeded" and follower.reconnects == 1
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids))
    percents = [e["percent"] for e in seen if e.get("stage") == "step"]
    assert percents == [16, 33, 50, 66, 83, 100]
    assert seen[-1]["type"] == "complete"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("submit", "platform.diagnostic", "-p", "steps=0"), "steps"),
        (("submit", "platform.diagnostic", "-p", "nonsense=1"), "nonsense"),
    ],
)
def test_bad_params_exit_3_naming_the_field_and_nothing_is_written(cli, api, args, fragment):
    before = api.get("/api/v1/tasks").json()["meta"]["total"]
    result = cli(*args)
    assert result.exit_code == 3
    assert "VALIDATION_ERROR" in result.stderr and fragment in result.stderr
    assert api.get("/api/v1/tasks").json()["meta"]["total"] == before
    as_json = cli("--json", *args)
    assert as_json.exit_code == 3 and as_json.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "args",
    [
        ("tasks", "lst"),
        ("tasks", "list", "--page-size", "1000"),
        ("submit", "no.such.kind"),
        ("submit", "platform.diagnostic", "-p", "steps"),
        ("--bogus",),
    ],
)
def test_usage_errors_exit_64(cli, args):
    assert cli(*args).exit_code == 64


def test_another_orgs_task_is_not_found(cli, other_api):
    theirs = other_api.submit(steps=1)
    for args in (("tasks", "show", theirs["id"]), ("tasks", "cancel", theirs["id"])):
        result = cli(*args)
        assert result.exit_code == 3 and "TASK_NOT_FOUND" in result.stderr
    watched = cli("tasks", "watch", theirs["id"])
    assert watched.exit_code == 3
    assert other_api.get(f"/api/v1/tasks/{theirs['id']}").json()["data"]["state"] != "cancelled"


def test_no_credential_or_a_bad_one_exits_4(anonymous_cli):
    result = anonymous_cli("tasks", "list")
    assert result.exit_code == 4 and "kairos client login" in result.stderr
    bad = anonymous_cli("--token", "not-a-token", "tasks", "list")
    assert bad.exit_code == 4 and "UNAUTHORIZED" in bad.stderr


def test_a_viewer_may_not_submit(api, tmp_path):
    from tests.client.conftest import Cli

    viewer = add_member(api, "viewer")
    result = Cli(api.platform, viewer.token, tmp_path / "c.toml")("submit", "platform.diagnostic")
    assert result.exit_code == 4 and "FORBIDDEN" in result.stderr


def test_an_unreachable_server_exits_5(cli):
    result = cli("--url", "http://127.0.0.1:9", "tasks", "list")
    assert result.exit_code == 5 and "cannot reach" in result.stderr


def test_login_saves_the_session_and_refreshes_an_expired_token(anonymous_cli, api):
    result = anonymous_cli("login", "--email", api.email, "--password", PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert api.email in result.stdout
    config = anonymous_cli.config
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    saved = config.read_text()
    assert "access_token" in saved and "refresh_token" in saved
    assert anonymous_cli("whoami").exit_code == 0
    # An access token the server no longer accepts is refreshed with the saved refresh token.
    config.write_text(saved.replace(_value(saved, "access_token"), "expired.token.value"))
    whoami = anonymous_cli("--json", "whoami")
    assert whoami.exit_code == 0 and whoami.json()["email"] == api.email
    assert "expired.token.value" not in config.read_text()
    assert anonymous_cli("logout").exit_code == 0
    assert "access_token" not in config.read_text()
    assert anonymous_cli("tasks", "list").exit_code == 4


def test_login_with_a_wrong_password_exits_4(anonymous_cli, api):
    result = anonymous_cli("login", "--email", api.email, "--password", "wrong password!")
    assert result.exit_code == 4 and not anonymous_cli.config.exists()


def test_an_api_key_from_the_environment_works(cli, api):
    key = api.post("/api/v1/api-keys", json={"name": "ci", "role": "member"}).json()["data"]["key"]
    result = cli(
        "--json",
        "submit",
        "platform.diagnostic",
        "--follow",
        env={
            "KAIROS_TOKEN": "",
            "KAIROS_API_KEY": key,
        },
    )
    assert result.exit_code == 0 and result.json()["state"] == "succeeded"


def test_kinds_lists_parameters_from_their_schema(cli):
    kinds = {k["name"]: k for k in cli("--json", "kinds").json()}
    schema = kinds["platform.diagnostic"]["params_schema"]
    assert schema["properties"]["steps"] == {
        "type": "integer",
        "default": 1,
        "minimum": 1,
        "maximum": 100000,
    }
    assert schema["additionalProperties"] is False
    text = cli("kinds").stdout
    assert "platform.diagnostic" in text and "steps:integer" in text


def _value(text: str, key: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith(key))
    return json.loads(line.split("=", 1)[1])
