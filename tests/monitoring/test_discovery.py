"""Resource Discovery against a local registry speaking the distribution API: the catalog and
tag lists paged with `n`/`last` and `Link`, bearer tokens from the challenge, monitors
created, updated, deactivated (never deleted) and brought back; the rules' API and org
isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.models.monitoring import Check, DiscoveryRule, Resource
from tests.factories import add_member, count
from tests.monitoring.conftest import BASE, data, settings
from tests.monitoring.oci_registry import Registry
from tests.monitoring.probe_helpers import wait_until
from workers.monitoring import discovery
from workers.monitoring.probes import registry as reg

PATH = f"{BASE}/discovery/rules"


@pytest.fixture
def registry():
    reg._tokens.clear()
    with Registry() as r:
        r.page_cap = 2  # every listing takes several pages
        for name in ("acme/api", "acme/web", "acme/worker"):
            r.push(name, "latest", "1.0")
        r.push("acmecorp/other", "latest")  # shares the prefix's letters, not the namespace
        yield r


@pytest.fixture
def open_network():
    with settings(probe_allow_private=True):
        yield


def create_rule(client, namespace: str, **fields) -> dict:
    body = {"name": "Acme images", "namespace": namespace, **fields}
    return data(client.post(PATH, json=body), 201)


def monitors(client, **filters) -> dict[str, dict]:
    found = data(client.get(f"{BASE}/resources", params={"page_size": 100, **filters}))
    return {r["target"]: r for r in found}


def run_now(client, rule_id: str) -> dict:
    resp = client.post(f"{PATH}/{rule_id}/run")
    assert resp.status_code == 202, resp.text
    return client.wait(resp.json()["data"]["id"])


def test_a_namespace_with_three_repositories_becomes_three_monitors(api, registry, open_network):
    rule = create_rule(api, f"{registry.host}/acme")
    assert (rule["recursive"], rule["activeMonitors"], rule["lastStatus"]) == (False, 0, None)
    task = run_now(api, rule["id"])
    assert task["state"] == "succeeded", task
    assert task["result"]["created"] == 3 and task["result"]["repositories"] == 3

    found = monitors(api)
    assert set(found) == {f"{registry.host}/acme/{n}:latest" for n in ("api", "web", "worker")}
    assert all(m["resourceType"] == "DOCKER" and m["active"] for m in found.values())
    assert all(m["interval"] == 300 and m["recursive"] is False for m in found.values())
    # The catalog came in pages (two names a page, Link to the next) with a catalog token.
    catalog = [r for r in registry.api.requests if r["path"] == "/v2/_catalog"]
    assert len(catalog) >= 3 + 1  # 7 repositories, 2 a page, plus the unauthenticated try
    assert {"scope": "registry:catalog:*", "service": "fake-registry"} in registry.token_requests
    assert registry.violations == []

    rule = data(api.get(f"{PATH}/{rule['id']}"))
    assert (rule["lastStatus"], rule["activeMonitors"], rule["lastRepositories"]) == ("ok", 3, 3)
    assert "3 repositories, 3 images monitored (3 new" in rule["lastMessage"]

    # A second run finds nothing new: no duplicate monitor.
    assert run_now(api, rule["id"])["result"]["created"] == 0
    assert len(monitors(api)) == 3


def test_a_repository_removed_upstream_deactivates_its_monitor_and_keeps_its_history(
    api, registry, open_network
):
    rule = create_rule(api, f"{registry.host}/acme")
    run_now(api, rule["id"])
    gone = monitors(api)[f"{registry.host}/acme/web:latest"]
    with session_scope() as s:
        s.add(Check(resource_id=gone["id"], status="AVAILABLE", message="Pullable"))

    registry.remove("acme/web")
    result = run_now(api, rule["id"])["result"]
    assert (result["deactivated"], result["created"]) == (1, 0)
    after = data(api.get(f"{BASE}/resources/{gone['id']}"))
    assert after["active"] is False  # not deleted
    history = data(api.get(f"{BASE}/resources/{gone['id']}/history"))
    assert [c["message"] for c in history] == ["Pullable"]
    assert data(api.get(f"{PATH}/{rule['id']}"))["inactiveMonitors"] == 1

    # It comes back with its repository; a monitor an admin switched off stays off.
    api.request(
        "PATCH",
        f"{BASE}/resources/{monitors(api)[f'{registry.host}/acme/api:latest']['id']}",
        json={"active": False},
    )
    registry.push("acme/web", "latest")
    result = run_now(api, rule["id"])["result"]
    assert (result["reactivated"], result["deactivated"]) == (1, 0)
    states = {t.rsplit("/", 1)[1]: m["active"] for t, m in monitors(api).items()}
    assert states == {"api:latest": False, "web:latest": True, "worker:latest": True}


def test_recursive_follows_every_tag_and_otherwise_the_latest(api, registry, open_network):
    registry.push("acme/cli", "v1.9", "v1.10", "nightly")  # no `latest`: the highest version
    watched = create_rule(api, f"{registry.host}/acme")
    run_now(api, watched["id"])
    assert f"{registry.host}/acme/cli:v1.10" in monitors(api)

    every = create_rule(api, f"{registry.host}/acme/api", name="All API tags", recursive=True)
    registry.push("acme/api", "2.0")
    result = run_now(api, every["id"])["result"]
    assert result["created"] == 3
    tagged = {t for t, m in monitors(api).items() if m["recursive"]}
    assert tagged == {f"{registry.host}/acme/api:{t}" for t in ("1.0", "2.0", "latest")}
    tag_lists = [r for r in registry.api.requests if r["path"] == "/v2/acme/api/tags/list"]
    assert len(tag_lists) >= 2  # three tags, two a page

    # The watched version moves on: the same monitor, a new target.
    cli = monitors(api)[f"{registry.host}/acme/cli:v1.10"]
    registry.push("acme/cli", "v1.11")
    assert run_now(api, watched["id"])["result"]["updated"] == 1
    assert data(api.get(f"{BASE}/resources/{cli['id']}"))["target"].endswith("acme/cli:v1.11")
    # One tag removed upstream: that tag's monitor only.
    registry.remove("acme/api", "1.0")
    assert run_now(api, every["id"])["result"]["deactivated"] == 1


def test_a_registry_outage_changes_no_monitor_and_the_rule_says_why(api, registry, open_network):
    rule = create_rule(api, f"{registry.host}/acme")
    run_now(api, rule["id"])
    registry.catalog_open = False
    task = run_now(api, rule["id"])
    assert (task["state"], task["error"]["code"]) == ("failed", "DISCOVERY_REFUSED"), task
    rule = data(api.get(f"{PATH}/{rule['id']}"))
    assert (rule["lastStatus"], rule["lastErrorCode"]) == ("failed", "DISCOVERY_REFUSED")
    assert "refused anonymous access to its repository catalog" in rule["lastMessage"]
    assert all(m["active"] for m in monitors(api).values()) and rule["activeMonitors"] == 3

    # A registry whose name does not resolve: the same, with the resolver's answer.
    nowhere = create_rule(api, "registry.nowhere.invalid/acme")
    task = run_now(api, nowhere["id"])
    assert (task["state"], task["error"]["code"]) == ("failed", "CONNECTION_ERROR"), task
    assert "Could not resolve registry.nowhere.invalid" in task["error"]["message"]


@pytest.mark.both_databases  # due rules claimed with a conditional update
def test_the_beat_job_runs_due_rules_through_the_worker(api, registry, open_network):
    from workers.celery_app import celery

    rule = create_rule(api, f"{registry.host}/acme", interval=600)
    celery.send_task(
        "monitoring.discover_due", kwargs={"org_id": api.user["org_id"]}, queue="probes"
    )
    wait_until(lambda: len(monitors(api)) == 3, what="three monitors discovered")
    with session_scope() as s:
        row = s.get(DiscoveryRule, rule["id"])
        assert (row.next_run_at - row.last_run_at).total_seconds() == pytest.approx(600, abs=5)
    # Not due again until then: a second claim takes nothing.
    assert discovery.claim(org_id=api.user["org_id"]) == []


def test_the_address_rule_applies_to_the_registry(api, registry):
    resp = api.post(PATH, json={"name": "Local", "namespace": f"{registry.host}/acme"})
    assert resp.status_code == 400 and "namespace" in resp.json()["errors"], resp.text
    assert "loopback" in resp.json()["errors"]["namespace"][0]
    with settings(probe_allow_private=True):
        rule = create_rule(api, f"{registry.host}/acme")
    # Allowed when created, refused at connect time once the rule is lifted.
    task = run_now(api, rule["id"])
    assert (task["state"], task["error"]["code"]) == ("failed", "BLOCKED_TARGET")
    assert registry.api.requests == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "namespace": "acme"}, "namespace"),  # no registry
        ({"name": "x", "namespace": "ghcr.io/acme:1.0"}, "namespace"),  # an image, not a place
        ({"name": "x", "namespace": "ghcr.io/Acme"}, "namespace"),
        ({"name": "x", "namespace": "ghcr.io/acme", "interval": 10}, "interval"),
        ({"name": "", "namespace": "ghcr.io/acme"}, "name"),
        ({"name": "x", "namespace": "ghcr.io/acme", "bogus": 1}, "bogus"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(api, body, field):
    before = count(DiscoveryRule)
    resp = api.post(PATH, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "VALIDATION_ERROR" and field in resp.json()["errors"]
    assert count(DiscoveryRule) == before


def test_admins_manage_rules_viewers_may_not(api):
    rule = create_rule(api, "ghcr.io/acme", recursive=True)
    assert rule["namespace"] == "ghcr.io/acme" and rule["interval"] == 3600
    changed = data(api.request("PATCH", f"{PATH}/{rule['id']}", json={"enabled": False}))
    assert changed["enabled"] is False
    viewer = add_member(api, "viewer")
    for method, path in (
        ("GET", PATH),
        ("POST", PATH),
        ("GET", f"{PATH}/{rule['id']}"),
        ("POST", f"{PATH}/{rule['id']}/run"),
    ):
        resp = viewer.request(method, path, json={"name": "x", "namespace": "ghcr.io/a"})
        assert resp.status_code == 403, (method, path, resp.text)
    assert data(api.delete(f"{PATH}/{rule['id']}")) == {"status": "deleted"}
    assert api.get(f"{PATH}/{rule['id']}").status_code == 404


def test_another_org_never_sees_the_rules_or_their_monitors(api, other_api, registry, open_network):
    group = data(
        api.post(f"{BASE}/groups", json={"name": "Images", "visibility": "AUTHENTICATED"}), 201
    )
    rule = create_rule(api, f"{registry.host}/acme", groupIds=[group["id"]])
    run_now(api, rule["id"])
    mine = monitors(api)
    assert len(mine) == 3 and all(m["groupName"] == "Images" for m in mine.values())

    for method in ("GET", "PATCH", "DELETE"):
        resp = other_api.request(method, f"{PATH}/{rule['id']}", json={"name": "mine now"})
        assert (resp.status_code, resp.json()["code"]) == (404, "DISCOVERY_RULE_NOT_FOUND")
    assert other_api.post(f"{PATH}/{rule['id']}/run").status_code == 404
    assert data(other_api.get(PATH)) == []
    assert monitors(other_api) == {}
    for m in mine.values():
        assert other_api.get(f"{BASE}/resources/{m['id']}").status_code == 404
    # Their own rule on the same namespace makes their own monitors, in their own org.
    theirs = create_rule(other_api, f"{registry.host}/acme")
    assert run_now(other_api, theirs["id"])["result"]["created"] == 3
    theirs_ids = {m["id"] for m in monitors(other_api).values()}
    assert len(theirs_ids) == 3 and theirs_ids.isdisjoint({m["id"] for m in mine.values()})
    with session_scope() as s:
        orgs = set(
            s.scalars(
                select(Resource.org_id).where(
                    Resource.resource_type == "DOCKER", Resource.target.like(f"{registry.host}/%")
                )
            )
        )
    assert orgs >= {api.user["org_id"], other_api.user["org_id"]}
    assert data(api.get(f"{PATH}/{rule['id']}"))["activeMonitors"] == 3


def test_a_next_page_on_another_host_is_not_followed(api, registry, open_network):
    registry.link_base = registry.cdn.url  # the registry's Link names another origin
    rule = create_rule(api, f"{registry.host}/acme")
    task = run_now(api, rule["id"])
    assert task["state"] == "failed", task
    assert "next page is on another host" in task["error"]["message"]
    assert registry.cdn.requests == []  # neither a request nor a token went there
    assert monitors(api) == {}


def test_the_watched_tag_is_latest_else_the_highest_version():
    from workers.monitoring.catalog import latest_tag

    assert latest_tag(["1.0", "latest", "2.0"]) == "latest"
    assert latest_tag(["v1.9", "v1.10", "nightly"]) == "v1.10"
    assert latest_tag(["2024-01", "2024-03", "main"]) == "2024-03"  # natural order
    assert latest_tag([]) is None
