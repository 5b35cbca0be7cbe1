"""Resources over the API: create, read, change, delete; bad input; tenancy; roles."""

from __future__ import annotations

import pytest

from tests.factories import add_member, count
from tests.monitoring.conftest import BASE, create_group, create_resource, data, settings


def count_tasks() -> int:
    from app.models import Task

    return count(Task)


def resources_count() -> int:
    from app.models.monitoring import Resource

    return count(Resource)


def test_an_admin_adds_an_http_resource_and_reads_it_back_with_the_seed_fields(api):
    created = create_resource(
        api, name="GitHub", target="https://140.82.112.3/", skipTLS=True, recursive=False
    )
    assert created["resourceType"] == "HTTP"
    assert created["skipTLS"] is True and created["active"] is True
    assert (created["interval"], created["timeout"], created["retries"]) == (60, 15, 0)
    assert created["currentStatus"] == "pending" and created["latestCheckStatus"] is None
    assert created["groups"] == [] and created["groupId"] is None
    assert created["uptime"] == {"24h": None, "7d": None, "30d": None, "365d": None}

    got = data(api.get(f"{BASE}/resources/{created['id']}"))
    assert got["name"] == "GitHub" and got["target"] == "https://140.82.112.3/"
    listed = data(api.get(f"{BASE}/resources"))
    assert [r["id"] for r in listed] == [created["id"]]


def test_tcp_and_docker_resources_are_accepted_in_their_own_target_forms(api):
    tcp = create_resource(api, name="SSH", resourceType="TCP", target="140.82.112.3:22")
    image = create_resource(api, name="nginx", resourceType="DOCKER", target="nginx:alpine")
    ghcr = create_resource(
        api, name="app", resourceType="DOCKER", target="ghcr.io/owner/app:1.2", interval=10
    )
    assert tcp["target"] == "140.82.112.3:22"
    assert image["target"] == "nginx:alpine"
    assert ghcr["interval"] == 10


@pytest.mark.parametrize(
    "body, field",
    [
        ({"resourceType": "TCP", "target": "db.example.com"}, "target"),
        ({"resourceType": "TCP", "target": "db.example.com:99999"}, "target"),
        ({"resourceType": "DOCKER", "target": "Nginx:latest"}, "target"),
        ({"resourceType": "DOCKER", "target": "nginx:bad tag"}, "target"),
        ({"resourceType": "HTTP", "target": "ftp://example.com/"}, "target"),
        ({"resourceType": "SMTP", "target": "example.com:25"}, "resourceType"),
        ({"interval": 5}, "interval"),
        ({"retries": -1}, "retries"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api, body, field):
    before = resources_count()
    full = {"name": "x", "resourceType": "HTTP", "target": "https://93.184.215.14/", **body}
    resp = api.post(f"{BASE}/resources", json=full)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "VALIDATION_ERROR"
    assert field in resp.json()["errors"]
    assert resources_count() == before


@pytest.mark.parametrize(
    "resource_type, target",
    [
        ("HTTP", "http://127.0.0.1:8080/"),
        ("HTTP", "http://localhost/admin"),
        ("HTTP", "http://169.254.169.254/latest/meta-data/"),
        ("HTTP", "http://[::ffff:10.0.0.1]/"),
        ("TCP", "10.1.2.3:5432"),
        ("TCP", "[::1]:22"),
        ("TCP", "224.0.0.1:80"),
        ("DOCKER", "192.168.1.10:5000/team/app:1"),
    ],
)
def test_targets_pointing_inward_are_refused_unless_private_probes_are_allowed(
    api, resource_type, target
):
    body = {"name": "inside", "resourceType": resource_type, "target": target}
    with settings(probe_allow_private=False):
        resp = api.post(f"{BASE}/resources", json=body)
    assert resp.status_code == 400, resp.text
    assert "refused" in resp.json()["errors"]["target"][0]
    with settings(probe_allow_private=True):
        assert api.post(f"{BASE}/resources", json=body).status_code == 200


def _name_for_loopback() -> str:
    """This machine's own name, when it resolves to a loopback address (it usually does)."""
    import ipaddress
    import socket

    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        addresses = set()
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        pytest.skip(f"the host name {name!r} does not resolve to loopback here")
    return name


def test_a_name_that_resolves_to_a_private_address_is_refused_at_create(api):
    name = _name_for_loopback()
    body = {"name": "local", "resourceType": "TCP", "target": f"{name}:6379"}
    with settings(probe_allow_private=False):
        resp = api.post(f"{BASE}/resources", json=body)
    assert resp.status_code == 400
    assert "loopback" in resp.json()["errors"]["target"][0]
    assert resources_count_named("local") == 0


def resources_count_named(name: str) -> int:
    from sqlalchemy import func, select

    from app.db import session_scope
    from app.models.monitoring import Resource

    with session_scope() as s:
        return s.scalar(select(func.count()).where(Resource.name == name))


def test_patch_changes_fields_and_rechecks_a_new_target(api):
    res = create_resource(api)
    patched = data(
        api.request(
            "PATCH",
            f"{BASE}/resources/{res['id']}",
            json={"name": "Renamed", "interval": 30, "retries": 2, "active": False},
        )
    )
    assert (patched["name"], patched["interval"], patched["retries"]) == ("Renamed", 30, 2)
    assert patched["active"] is False

    resp = api.request(
        "PATCH", f"{BASE}/resources/{res['id']}", json={"resourceType": "TCP"}
    )  # the stored HTTP URL is no host:port: the change conflicts with the record
    assert resp.status_code == 409 and "target" in resp.json()["errors"]
    resp = api.request("PATCH", f"{BASE}/resources/{res['id']}", json={"target": "db.example.com"})
    assert resp.status_code == 409 and "target" in resp.json()["errors"]
    resp = api.request(
        "PATCH",
        f"{BASE}/resources/{res['id']}",
        json={"resourceType": "TCP", "target": "https://example.com/"},
    )  # the body alone is wrong: a 400
    assert resp.status_code == 400 and "target" in resp.json()["errors"]
    resp = api.request("PATCH", f"{BASE}/resources/{res['id']}", json={"interval": 9})
    assert resp.status_code == 400 and "interval" in resp.json()["errors"]
    assert data(api.get(f"{BASE}/resources/{res['id']}"))["resourceType"] == "HTTP"


def test_delete_removes_the_resource_with_its_history(api):
    from sqlalchemy import func, select

    from app.db import session_scope
    from app.models.monitoring import Check, Rollup
    from tests.monitoring.conftest import record_checks

    def history_rows(resource_id):
        with session_scope() as s:
            return tuple(
                s.scalar(select(func.count()).where(model.resource_id == resource_id))
                for model in (Check, Rollup)
            )

    res = create_resource(api)
    record_checks(res["id"], ["AVAILABLE", "NOT_AVAILABLE"])
    checks, rollups = history_rows(res["id"])
    assert checks == 2 and rollups >= 1
    assert data(api.delete(f"{BASE}/resources/{res['id']}")) == {"status": "deleted"}
    assert api.get(f"{BASE}/resources/{res['id']}").status_code == 404
    assert history_rows(res["id"]) == (0, 0)


def test_another_orgs_resource_is_a_404_for_every_verb(api, other_api):
    res = create_resource(api)
    path = f"{BASE}/resources/{res['id']}"
    assert other_api.get(path).status_code == 404
    assert other_api.request("PATCH", path, json={"name": "mine"}).status_code == 404
    assert other_api.delete(path).status_code == 404
    assert other_api.post(f"{path}/check").status_code == 404
    assert other_api.get(f"{path}/history").status_code == 404
    assert other_api.request("PUT", f"{path}/groups", json={"groupIds": []}).status_code == 404
    assert data(other_api.get(f"{BASE}/resources")) == []
    assert data(api.get(path))["name"] == "Site"


def test_an_unknown_group_is_not_found_naming_the_field_and_writes_nothing(api):
    before = resources_count()
    resp = api.post(
        f"{BASE}/resources",
        json={
            "name": "x",
            "resourceType": "HTTP",
            "target": "https://93.184.215.14/",
            "groupIds": ["no-such-group"],
        },
    )
    assert resp.status_code == 404 and resp.json()["code"] == "GROUP_NOT_FOUND"
    assert "no-such-group" in resp.json()["errors"]["groupIds"][0]
    assert resources_count() == before


def test_another_orgs_group_cannot_be_assigned(api, other_api):
    theirs = create_group(other_api, "Theirs")
    resp = api.post(
        f"{BASE}/resources",
        json={
            "name": "x",
            "resourceType": "HTTP",
            "target": "https://93.184.215.14/",
            "groupIds": [theirs["id"]],
        },
    )
    assert resp.status_code == 404 and resp.json()["code"] == "GROUP_NOT_FOUND"
    assert "groupIds" in resp.json()["errors"]


def test_members_read_but_only_admins_write(api):
    res = create_resource(api)
    member = add_member(api, "member")
    admin = add_member(api, "admin")
    body = {"name": "x", "resourceType": "HTTP", "target": "https://93.184.215.14/"}
    assert member.post(f"{BASE}/resources", json=body).status_code == 403
    assert member.delete(f"{BASE}/resources/{res['id']}").status_code == 403
    assert member.post(f"{BASE}/resources/{res['id']}/check").status_code == 403
    assert data(member.get(f"{BASE}/resources/{res['id']}"))["id"] == res["id"]
    assert admin.post(f"{BASE}/resources", json=body).status_code == 200


def test_check_now_enqueues_a_tracked_probe_task(api):
    res = create_resource(api)
    resp = api.post(f"{BASE}/resources/{res['id']}/check")
    assert resp.status_code == 202, resp.text
    task = resp.json()["data"]
    assert task["kind"] == "monitoring.probe" and task["queue"] == "probes"
    assert task["params"] == {"resource_id": res["id"]}
    assert resp.headers["Location"] == f"/api/v1/tasks/{task['id']}"


def test_check_now_replays_by_idempotency_key_and_holds_for_prefer_wait(api, other_api):
    res = create_resource(api)
    path = f"{BASE}/resources/{res['id']}/check"
    first = api.post(path, headers={"Idempotency-Key": "check-once"})
    assert first.status_code == 202, first.text
    again = api.post(path, headers={"Idempotency-Key": "check-once", "Prefer": "wait=1"})
    # The earlier task (200), after holding as the caller preferred.
    assert again.status_code == 200, again.text
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Preference-Applied"] == "wait=1"
    # Keys are per caller: another org's same key is its own request (here: not its resource).
    assert other_api.post(path, headers={"Idempotency-Key": "check-once"}).status_code == 404
    before = count_tasks()
    resp = api.post(path, headers={"Idempotency-Key": ""})
    assert resp.status_code == 400 and set(resp.json()["errors"]) == {"Idempotency-Key"}
    assert count_tasks() == before


@pytest.mark.both_databases
def test_list_filters_and_paginates(api):
    for i in range(3):
        create_resource(api, name=f"web-{i}")
    create_resource(api, name="db", resourceType="TCP", target="140.82.112.3:5432")
    page = api.get(f"{BASE}/resources", params={"page_size": 2, "page": 2}).json()
    assert page["meta"] == {"total": 4, "page": 2, "page_size": 2}
    assert [r["name"] for r in page["data"]] == ["web-2", "db"]
    tcp = data(api.get(f"{BASE}/resources", params={"resourceType": "TCP"}))
    assert [r["name"] for r in tcp] == ["db"]
    assert len(data(api.get(f"{BASE}/resources", params={"q": "web"}))) == 3
    resp = api.get(f"{BASE}/resources", params={"page_size": 101})
    assert resp.status_code == 400


@pytest.mark.both_databases
def test_text_the_database_cannot_hold_is_refused_not_crashed_on(api):
    before = resources_count()
    body = {"name": "a\x00b", "resourceType": "HTTP", "target": "https://93.184.215.14/"}
    resp = api.post(f"{BASE}/resources", json=body)
    assert resp.status_code == 400 and "name" in resp.json()["errors"]
    assert api.get(f"{BASE}/resources/a%00b").status_code == 404
    assert api.get(f"{BASE}/resources", params={"q": "a\x00"}).status_code == 400
    res = create_resource(api)
    # Times beyond what databases store are clamped to 1970..9999 (same meaning as a bound).
    resp = api.get(
        f"{BASE}/resources/{res['id']}/history",
        params={"from": "0001-01-01T00:00:00+01:00", "to": "9999-12-31T23:00:00-05:00"},
    )
    assert resp.status_code == 200 and resp.json()["data"] == []
    assert resources_count() == before + 1
