"""Groups and the visibility policy: most permissive wins, ungrouped always listed, and the
same answer from the list, one resource, its history, the status page and the badges."""

from __future__ import annotations

import pytest

from tests.factories import add_member
from tests.monitoring.conftest import BASE, create_group, create_resource, data, slug_of


@pytest.fixture
def org(api):
    """One resource of each effective visibility, plus an ungrouped one."""
    public = create_group(api, "Public", "PUBLIC")
    members = create_group(api, "Members", "AUTHENTICATED")
    hidden = create_group(api, "Hidden", "HIDDEN")
    hidden2 = create_group(api, "Hidden too", "HIDDEN")
    made = {
        "ungrouped": create_resource(api, name="ungrouped"),
        "public": create_resource(api, name="public", groupIds=[hidden["id"], public["id"]]),
        "members": create_resource(api, name="members", groupIds=[members["id"], hidden["id"]]),
        "hidden": create_resource(api, name="hidden", groupIds=[hidden["id"], hidden2["id"]]),
    }
    return {"slug": slug_of(api), "resources": made, "groups": [public, members, hidden]}


def names(rows):
    return sorted(r["name"] for r in rows)


def test_anonymous_callers_see_public_and_ungrouped_resources_only(anon, org):
    listed = data(anon.get(f"{BASE}/resources", params={"org": org["slug"]}))
    assert names(listed) == ["public", "ungrouped"]
    for name in ("members", "hidden"):
        rid = org["resources"][name]["id"]
        assert anon.get(f"{BASE}/resources/{rid}").status_code == 404
        assert anon.get(f"{BASE}/resources/{rid}/badge/status.svg").status_code == 404
    rid = org["resources"]["public"]["id"]
    assert data(anon.get(f"{BASE}/resources/{rid}"))["visibility"] == "PUBLIC"


def test_members_also_see_authenticated_resources_but_never_hidden_ones(api, org):
    viewer = add_member(api, "viewer")
    assert names(data(viewer.get(f"{BASE}/resources"))) == ["members", "public", "ungrouped"]
    hidden = org["resources"]["hidden"]["id"]
    assert viewer.get(f"{BASE}/resources/{hidden}").status_code == 404
    assert viewer.get(f"{BASE}/resources/{hidden}/history").status_code == 404
    resp = viewer.get(f"{BASE}/resources", params={"include_hidden": "true"})
    assert resp.status_code == 403


def test_admins_ask_explicitly_for_hidden_resources(api, org):
    assert "hidden" not in names(data(api.get(f"{BASE}/resources")))
    every = data(api.get(f"{BASE}/resources", params={"include_hidden": "true"}))
    assert names(every) == ["hidden", "members", "public", "ungrouped"]
    hidden = org["resources"]["hidden"]["id"]
    got = data(api.get(f"{BASE}/resources/{hidden}", params={"include_hidden": "true"}))
    assert got["visibility"] == "HIDDEN"


def test_members_of_another_org_read_it_like_anonymous_callers(other_api, org):
    listed = data(other_api.get(f"{BASE}/resources", params={"org": org["slug"]}))
    assert names(listed) == ["public", "ungrouped"]


def test_group_id_and_name_are_the_first_group_by_id_beside_the_groups_list(api, org):
    res = data(api.get(f"{BASE}/resources/{org['resources']['public']['id']}"))
    ids = [g["id"] for g in res["groups"]]
    assert ids == sorted(ids) and len(ids) == 2
    assert res["groupId"] == ids[0]
    assert res["groupName"] == res["groups"][0]["name"]


def test_anonymous_list_without_an_org_asks_for_one(anon):
    resp = anon.get(f"{BASE}/resources")
    assert resp.status_code == 400 and "org" in resp.json()["errors"]
    assert anon.get(f"{BASE}/resources", params={"org": "no-such-org"}).status_code == 404


def test_the_status_page_follows_the_policy(anon, org):
    page = data(anon.get(f"{BASE}/status/{org['slug']}"))
    assert names(page["resources"]) == ["public", "ungrouped"]
    html = anon.get(f"/status/{org['slug']}").text
    assert "ungrouped" in html and ">members<" not in html and ">hidden<" not in html


def test_changing_a_groups_visibility_changes_what_is_listed(api, anon, org):
    members_group = org["groups"][1]
    api.request(
        "PATCH", f"{BASE}/groups/{members_group['id']}", json={"visibility": "PUBLIC"}
    ).raise_for_status()
    listed = data(anon.get(f"{BASE}/resources", params={"org": org["slug"]}))
    assert names(listed) == ["members", "public", "ungrouped"]


@pytest.mark.both_databases
def test_groups_crud_and_assignment(api, other_api):
    a = create_resource(api, name="a")
    b = create_resource(api, name="b")
    group = create_group(api, "Edge", "AUTHENTICATED", resourceIds=[a["id"]])
    assert group["resourceIds"] == [a["id"]]
    resp = api.post(f"{BASE}/groups", json={"name": "Edge"})
    assert resp.status_code == 409
    resp = api.post(f"{BASE}/groups", json={"name": "x", "visibility": "SECRET"})
    assert resp.status_code == 400 and "visibility" in resp.json()["errors"]
    resp = api.post(f"{BASE}/groups", json={"name": "y", "resourceIds": ["nope"]})
    assert resp.status_code == 404 and resp.json()["code"] == "RESOURCE_NOT_FOUND"
    assert "resourceIds" in resp.json()["errors"]

    changed = data(
        api.request("PATCH", f"{BASE}/groups/{group['id']}", json={"resourceIds": [b["id"]]})
    )
    assert changed["resourceIds"] == [b["id"]]
    assigned = data(
        api.request("PUT", f"{BASE}/resources/{a['id']}/groups", json={"groupIds": [group["id"]]})
    )
    assert [g["id"] for g in assigned["groups"]] == [group["id"]]
    assert sorted(data(api.get(f"{BASE}/groups/{group['id']}"))["resourceIds"]) == sorted(
        [a["id"], b["id"]]
    )

    assert other_api.get(f"{BASE}/groups/{group['id']}").status_code == 404
    assert other_api.delete(f"{BASE}/groups/{group['id']}").status_code == 404
    assert data(api.delete(f"{BASE}/groups/{group['id']}")) == {"status": "deleted"}
    assert data(api.get(f"{BASE}/resources/{a['id']}"))["groups"] == []
    member = add_member(api, "member")
    assert member.post(f"{BASE}/groups", json={"name": "z"}).status_code == 403
