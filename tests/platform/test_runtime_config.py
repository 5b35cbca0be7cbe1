"""`PATCH /api/v1/config`: runtime settings, validated like the file, versioned, audited, and
picked up by the API and the worker without a restart."""

from __future__ import annotations

import dataclasses

import pytest
import requests

from app.config import configure, get_settings
from app.models import ConfigVersion
from tests.factories import PASSWORD, Client, add_member, count

CONFIG = "/api/v1/config"


@pytest.fixture
def operator(api):
    """``api``'s org as the installation's operator org, and every runtime change undone."""
    before = get_settings()
    configure(dataclasses.replace(before, operator_org=api.user["org_id"]))
    yield api
    fresh = _signed_in_again(api)  # a new credential: a test may have used up its rate limit
    overrides = fresh.get(CONFIG).json()["data"]["overrides"]
    if overrides:
        resp = fresh.request("PATCH", CONFIG, json=dict.fromkeys(overrides))
        assert resp.status_code == 200, resp.text
    configure(before)


def _signed_in_again(client) -> Client:
    resp = requests.post(
        f"{client.platform.base_url}/api/v1/auth/login",
        json={"email": client.email, "password": PASSWORD},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return Client(client.platform, resp.json()["data"]["access_token"])


def _patch(client, **changes):
    return client.request("PATCH", CONFIG, json=changes)


def test_an_operator_admin_changes_a_setting_and_the_api_uses_it_at_once(operator):
    resp = _patch(operator, llm_model="local-llama", dining_feed_limit=7)
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["settings"]["llm_model"] == "local-llama"
    assert data["overrides"] == {"llm_model": "local-llama", "dining_feed_limit": 7}
    assert operator.get(CONFIG).json()["data"]["settings"]["dining_feed_limit"] == 7


@pytest.mark.both_databases
def test_every_change_is_a_new_version_with_an_audit_entry(operator):
    first = _patch(operator, log_level="DEBUG").json()["data"]["version"]
    second = _patch(operator, log_level="WARNING").json()["data"]["version"]
    assert second == first + 1
    versions = operator.get(f"{CONFIG}/versions").json()["data"]
    assert [v["version"] for v in versions[:2]] == [second, first]
    event = operator.get("/api/v1/audit", params={"action": "config.changed"}).json()["data"][0]
    assert event["before"] == {"log_level": "DEBUG"} and event["after"] == {"log_level": "WARNING"}
    assert event["actor"] == f"user:{operator.user['id']}"


def test_a_secret_can_be_set_but_never_read(operator):
    resp = _patch(operator, llm_api_key="sk-very-secret-value")
    assert resp.status_code == 200
    assert "sk-very-secret-value" not in resp.text
    data = operator.get(CONFIG).json()["data"]
    assert data["secrets"]["llm_api_key"] is True
    assert data["overrides"] == {"llm_api_key": "<set>"}
    assert "sk-very-secret-value" not in operator.get(f"{CONFIG}/versions").text
    audit = operator.get("/api/v1/audit", params={"action": "config.changed"}).text
    assert "sk-very-secret-value" not in audit


def test_null_drops_a_runtime_change_back_to_the_file_and_environment(operator):
    default = operator.get(CONFIG).json()["data"]["settings"]["llm_model"]
    _patch(operator, llm_model="other")
    resp = _patch(operator, llm_model=None)
    assert resp.json()["data"]["settings"]["llm_model"] == default
    assert "llm_model" not in resp.json()["data"]["overrides"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate_limit": "lots"}, "rate_limit"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"monitoring_default_interval": 5}, "monitoring_default_interval"),
        ({"dining_feed_limit": 51}, "dining_feed_limit"),
        ({"llm_base_url": "ftp://models.example"}, "llm_base_url"),
        ({"saved_search_interval": "soon"}, "saved_search_interval"),
        ({"database_url": "sqlite:///elsewhere.db"}, "database_url"),
        ({"secret_key": "x" * 40}, "secret_key"),
    ],
)
def test_bad_changes_are_400_naming_the_setting_and_store_nothing(operator, changes, field):
    before = count(ConfigVersion)
    resp = _patch(operator, **changes)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "VALIDATION_ERROR" and field in resp.json()["errors"]
    assert count(ConfigVersion) == before


def test_an_empty_change_changes_nothing(operator):
    before = count(ConfigVersion)
    resp = _patch(operator)
    assert resp.status_code == 200 and count(ConfigVersion) == before


def test_only_the_operator_orgs_admins_may_change_settings(operator, other_api):
    assert _patch(other_api, log_level="DEBUG").status_code == 403  # an admin elsewhere
    member = add_member(operator, "member")
    assert _patch(member, log_level="DEBUG").status_code == 403
    assert member.get(CONFIG).status_code == 403


def test_a_new_rate_limit_applies_without_a_restart(operator):
    assert _patch(operator, rate_limit="3/minute").status_code == 200
    statuses = [operator.get("/api/v1/tasks").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    # Lifted again (by a fresh credential, since this one used up its window).
    assert _patch(_signed_in_again(operator), rate_limit=None).status_code == 200


def test_the_worker_picks_up_a_change_within_a_few_seconds(operator, platform):
    """A worker thread rebuilds its settings from the newest version on its next task."""
    from app import runtime_config

    resp = _patch(operator, requeue_after=77)
    version = resp.json()["data"]["version"]
    # The worker shares this process in the tests; make its view stale, then run a task.
    runtime_config._state.version = version - 1
    runtime_config._state.checked = 0.0
    task = operator.submit(steps=1)
    assert operator.wait(task["id"])["state"] == "succeeded"
    assert runtime_config._state.version == version
    assert get_settings().requeue_after == 77
