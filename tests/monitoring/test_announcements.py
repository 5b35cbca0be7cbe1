"""Announcements: public reads, admin writes, sanitized HTML, activeUntil honoured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import add_member, count
from tests.monitoring.conftest import BASE, data, slug_of

PATH = f"{BASE}/announcements"


def post(client, **fields):
    body = {"kind": "INFORMATION", "content": "<p>Hello.</p>", "active": True, **fields}
    return client.post(PATH, json=body)


def test_an_admin_posts_and_anyone_reads_with_the_org_slug(api, anon):
    made = data(post(api, kind="WARNING", content="<p>Maintenance on <b>Saturday</b>.</p>"))
    assert made["kind"] == "WARNING" and made["createdBy"] == api.email
    assert made["content"] == "<p>Maintenance on <b>Saturday</b>.</p>"
    assert made["activeUntil"] is None and made["createdAt"] and made["updatedAt"]

    slug = slug_of(api)
    listed = data(anon.get(PATH, params={"org": slug}))
    assert [a["id"] for a in listed] == [made["id"]]
    assert data(anon.get(f"{PATH}/{made['id']}"))["kind"] == "WARNING"


def test_scripts_event_handlers_and_javascript_urls_are_removed(api):
    dirty = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a>'
        '<script>alert(1)</script><img src=x onerror="alert(1)">'
        '<a href="https://status.example.com/">details</a></p>'
    )
    content = data(post(api, content=dirty))["content"]
    for bad in ("<script", "onclick", "onerror", "javascript:", "alert(1)"):
        assert bad not in content
    assert 'href="https://status.example.com/"' in content
    resp = post(api, content="<script>alert(1)</script>")
    assert resp.status_code == 400 and "content" in resp.json()["errors"]


def test_put_replaces_everything_but_the_author_and_creation_time(api):
    made = data(post(api))
    admin = add_member(api, "admin")
    until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    replaced = data(
        admin.request(
            "PUT",
            f"{PATH}/{made['id']}",
            json={
                "kind": "PROBLEM",
                "content": "<p>Updated.</p>",
                "active": False,
                "activeUntil": until.isoformat(),
            },
        )
    )
    assert (replaced["kind"], replaced["content"], replaced["active"]) == (
        "PROBLEM",
        "<p>Updated.</p>",
        False,
    )
    assert datetime.fromisoformat(replaced["activeUntil"]) == until
    assert replaced["createdBy"] == made["createdBy"] == api.email
    assert replaced["createdAt"] == made["createdAt"]
    assert replaced["updatedAt"] >= made["updatedAt"]


def test_active_until_in_the_past_takes_an_announcement_off_display(api):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    expired = data(post(api, content="<p>old</p>", activeUntil=past))
    current = data(post(api, content="<p>now</p>", activeUntil=future))
    off = data(post(api, content="<p>off</p>", active=False))
    shown = data(api.get(PATH, params={"active": "true"}))
    assert [a["id"] for a in shown] == [current["id"]]
    every = data(api.get(PATH))
    assert {a["id"] for a in every} == {expired["id"], current["id"], off["id"]}
    page = data(api.get(f"{BASE}/status/{slug_of(api)}"))
    assert [a["id"] for a in page["announcements"]] == [current["id"]]


def test_delete_answers_the_seeds_status_inside_the_envelope(api):
    made = data(post(api))
    resp = api.delete(f"{PATH}/{made['id']}")
    assert resp.json() == {
        "status": "success",
        "data": {"status": "deleted"},
        "message": None,
        "meta": None,
    }
    assert api.get(f"{PATH}/{made['id']}").status_code == 404


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "NOTICE"}, "kind"),
        ({"content": ""}, "content"),
        ({"active": None}, "active"),
        ({"activeUntil": "next tuesday"}, "activeUntil"),
        ({"createdBy": "someone@else"}, "createdBy"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_written(api, fields, field):
    from app.models.monitoring import Announcement

    before = count(Announcement)
    resp = post(api, **fields)
    assert resp.status_code == 400 and field in resp.json()["errors"]
    assert count(Announcement) == before


def test_writes_need_an_admin_and_another_orgs_announcement_is_a_404(api, other_api, anon):
    made = data(post(api))
    member = add_member(api, "member")
    assert post(member).status_code == 403
    assert member.delete(f"{PATH}/{made['id']}").status_code == 403
    assert post(anon).status_code == 401
    body = {"kind": "INFORMATION", "content": "<p>x</p>", "active": True}
    assert other_api.request("PUT", f"{PATH}/{made['id']}", json=body).status_code == 404
    assert other_api.delete(f"{PATH}/{made['id']}").status_code == 404
    assert other_api.get(f"{PATH}/{made['id']}").status_code == 404
    assert data(other_api.get(PATH)) == []
