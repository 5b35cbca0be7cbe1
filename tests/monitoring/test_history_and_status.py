"""History, rollups and uptime reads; the status page (JSON and HTML), its live stream and
the badges."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.monitoring.conftest import (
    BASE,
    create_group,
    create_resource,
    data,
    record_checks,
    slug_of,
)

# Both databases: rollup upserts (ON CONFLICT), time bounds, a unique slug.
pytestmark = pytest.mark.both_databases


def test_history_is_newest_first_paginated_and_bounded_by_time(api):
    res = create_resource(api)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    record_checks(res["id"], ["AVAILABLE"] * 3 + ["NOT_AVAILABLE"] * 2, start=start)
    path = f"{BASE}/resources/{res['id']}/history"
    body = api.get(path, params={"page_size": 2}).json()
    assert body["meta"]["total"] == 5
    first = body["data"]
    assert [c["status"] for c in first] == ["NOT_AVAILABLE", "NOT_AVAILABLE"]
    assert first[0]["checkedAt"] > first[1]["checkedAt"]
    assert set(first[0]) >= {"id", "status", "message", "errorCode", "checkedAt", "latencyMs"}
    assert first[0]["errorCode"] == "503"
    window = data(
        api.get(
            path,
            params={
                "from": (start + timedelta(minutes=1)).isoformat(),
                "to": (start + timedelta(minutes=3)).isoformat(),
            },
        )
    )
    assert [c["status"] for c in window] == ["AVAILABLE", "AVAILABLE"]
    assert api.get(path, params={"from": "yesterday"}).status_code == 400


def test_history_needs_authentication(api, anon):
    res = create_resource(api)
    resp = anon.get(f"{BASE}/resources/{res['id']}/history")
    assert resp.status_code == 401


def test_uptime_ratios_come_from_the_rollups(api):
    res = create_resource(api)
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # 20 days ago: 1 up, 3 down (counts in 30d and 365d only); today: 3 up, 1 down. Each
    # run of checks stays inside one UTC day, whatever the time of the test.
    old, recent = today - timedelta(days=20, hours=-1), max(today, now - timedelta(minutes=30))
    record_checks(
        res["id"], ["AVAILABLE", "NOT_AVAILABLE", "NOT_AVAILABLE", "NOT_AVAILABLE"], start=old
    )
    record_checks(res["id"], ["AVAILABLE", "AVAILABLE", "NOT_AVAILABLE", "AVAILABLE"], start=recent)
    ratios = data(api.get(f"{BASE}/resources/{res['id']}"))["uptime"]
    assert ratios["24h"] == ratios["7d"] == 0.75
    assert ratios["30d"] == ratios["365d"] == 0.5

    hours = data(api.get(f"{BASE}/resources/{res['id']}/rollups", params={"period": "day"}))
    assert [b["checks"] for b in hours] == [4, 4]
    newest = hours[0]
    assert newest["ups"] == 3 and newest["downs"] == 1 and newest["uptime"] == 0.75
    assert newest["latencyMinMs"] == 10.0 and newest["latencyMaxMs"] == 13.0
    assert newest["latencyAvgMs"] == 11.5


def test_the_status_page_shows_resources_problems_first_with_90_daily_bars(api, anon):
    ok = create_resource(api, name="Website")
    down = create_resource(api, name="API")
    create_resource(api, name="Paused", active=False)
    record_checks(ok["id"], ["AVAILABLE"] * 4)
    record_checks(down["id"], ["AVAILABLE", "NOT_AVAILABLE"])
    slug = slug_of(api)
    page = data(anon.get(f"{BASE}/status/{slug}"))
    assert page["summary"] == {
        "total": 2,
        "available": 1,
        "not_available": 1,
        "pending": 0,
        "overall": "degraded",
    }
    assert [r["name"] for r in page["resources"]] == ["API", "Website"]
    assert len(page["days"]) == 90 and len(page["resources"][0]["days"]) == 90
    assert page["resources"][1]["days"][-1] == 1.0 and page["resources"][1]["days"][0] is None
    assert page["resources"][0]["uptime90d"] == 0.5

    html = anon.get(f"/status/{slug}")
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert "Some systems are not available" in html.text
    assert html.text.index(">API<") < html.text.index(">Website<")
    assert html.text.count('<i class="') == 180
    assert "Paused" not in html.text
    missing = anon.get("/status/no-such-org")
    assert missing.status_code == 404 and "Status page not found" in missing.text


def test_page_text_is_escaped_and_announcements_keep_their_sanitized_html(api, anon):
    create_resource(api, name="<b>Evil</b> & co")
    api.post(
        f"{BASE}/announcements",
        json={"kind": "PROBLEM", "content": "<p><strong>Outage</strong></p>", "active": True},
    ).raise_for_status()
    html = anon.get(f"/status/{slug_of(api)}").text
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; co" in html
    assert "<p><strong>Outage</strong></p>" in html


def test_the_org_slug_can_be_chosen_and_must_be_unique(api, other_api):
    assert data(api.get(f"{BASE}/org"))["slug"]
    chosen = data(api.request("PATCH", f"{BASE}/org", json={"slug": "acme-status"}))
    assert chosen == {**chosen, "slug": "acme-status", "statusPage": "/status/acme-status"}
    resp = other_api.request("PATCH", f"{BASE}/org", json={"slug": "acme-status"})
    assert resp.status_code == 409
    resp = other_api.request("PATCH", f"{BASE}/org", json={"slug": "Not A Slug"})
    assert resp.status_code == 400 and "slug" in resp.json()["errors"]
    api.request("PATCH", f"{BASE}/org", json={"slug": f"acme-{api.user['org_id'][:8]}"})


def read_events(client, path: str, want: int, out: list, ready: threading.Event):
    with client.get(path, stream=True, timeout=30) as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        event = {}
        for raw in resp.iter_lines(decode_unicode=True):
            if raw.startswith(": connected"):
                ready.set()
            elif raw.startswith("event:"):
                event["event"] = raw.split(":", 1)[1].strip()
            elif raw.startswith("data:"):
                event["data"] = json.loads(raw.split(":", 1)[1])
            elif raw == "" and event:
                out.append(event)
                event = {}
                if len(out) >= want:
                    return


def test_the_live_stream_carries_visible_status_changes_only(api, anon):
    from app.monitoring.live import publish_status_change

    hidden_group = create_group(api, "Internal", "AUTHENTICATED")
    public = create_resource(api, name="Public API")
    internal = create_resource(api, name="Internal DB", groupIds=[hidden_group["id"]])
    org_id = api.user["org_id"]
    slug = slug_of(api)
    received: list = []
    ready = threading.Event()
    reader = threading.Thread(
        target=read_events,
        args=(anon, f"{BASE}/status/{slug}/events", 1, received, ready),
        daemon=True,
    )
    reader.start()
    assert ready.wait(10)
    publish_status_change(org_id, internal["id"], "Internal DB", "not_available", "available")
    publish_status_change(
        org_id, public["id"], "Public API", "not_available", "available",
        check_status="NOT_AVAILABLE", message="HTTP 503", error_code="503",
    )  # fmt: skip
    reader.join(20)
    assert [e["data"]["resource_id"] for e in received] == [public["id"]]
    change = received[0]
    assert change["event"] == "status"
    assert change["data"]["status"] == "not_available" and change["data"]["errorCode"] == "503"
    assert "org_id" not in change["data"]


def test_badges_are_svg_under_the_same_visibility(api, anon):
    res = create_resource(api, name="Docs")
    record_checks(res["id"], ["AVAILABLE"] * 9 + ["NOT_AVAILABLE"])
    status = anon.get(f"{BASE}/resources/{res['id']}/badge/status.svg")
    assert status.status_code == 200 and status.headers["Content-Type"].startswith("image/svg+xml")
    assert "not available" in status.text and "Docs" in status.text
    up = anon.get(f"{BASE}/resources/{res['id']}/badge/uptime.svg", params={"period": "24h"})
    assert "90%" in up.text and "uptime 24h" in up.text
    resp = anon.get(f"{BASE}/resources/{res['id']}/badge/uptime.svg", params={"period": "1y"})
    assert resp.status_code == 400 and "period" in resp.json()["errors"]
    # A README's image survives a cache buster or a shields.io style: unknown ones are ignored.
    for path in ("status.svg", "uptime.svg"):
        busted = anon.get(
            f"{BASE}/resources/{res['id']}/badge/{path}", params={"v": "2", "style": "flat"}
        )
        assert busted.status_code == 200, busted.text
        assert busted.headers["Content-Type"].startswith("image/svg+xml")
    labelled = anon.get(
        f"{BASE}/resources/{res['id']}/badge/status.svg", params={"label": "API", "v": "3"}
    )
    assert "API" in labelled.text
    # Elsewhere an unknown query parameter is still refused.
    listed = anon.get(f"{BASE}/resources", params={"v": "2"})
    assert listed.status_code == 400 and "v" in listed.json()["errors"]
    group = create_group(api, "Private", "AUTHENTICATED")
    api.request(
        "PUT", f"{BASE}/resources/{res['id']}/groups", json={"groupIds": [group["id"]]}
    ).raise_for_status()
    assert anon.get(f"{BASE}/resources/{res['id']}/badge/status.svg").status_code == 404
    assert api.get(f"{BASE}/resources/{res['id']}/badge/status.svg").status_code == 200


def test_check_now_end_to_end_history_status_uptime_and_badge(api, anon):
    """The API's manual check runs the real probe on the worker against a local server; what
    it records is what the reads show."""
    from tests.monitoring.conftest import settings
    from tests.monitoring.servers import TargetServer

    with settings(probe_allow_private=True), TargetServer() as server:
        res = create_resource(api, name="Local", target=f"{server.url}/status/503")
        task = api.post(f"{BASE}/resources/{res['id']}/check").json()["data"]
        assert api.wait(task["id"])["state"] == "succeeded"
        assert server.hits["/status/503"] == 1
    got = data(api.get(f"{BASE}/resources/{res['id']}"))
    assert got["currentStatus"] == "not_available"
    assert (got["latestCheckStatus"], got["latestErrorCode"]) == ("NOT_AVAILABLE", "503")
    assert got["uptime"]["24h"] == 0.0
    history = data(api.get(f"{BASE}/resources/{res['id']}/history"))
    assert [(c["status"], c["errorCode"]) for c in history] == [("NOT_AVAILABLE", "503")]
    assert history[0]["latencyMs"] is not None
    page = data(anon.get(f"{BASE}/status/{slug_of(api)}"))
    assert page["summary"]["overall"] == "down"
    assert page["resources"][0]["days"][-1] == 0.0
    badge = anon.get(f"{BASE}/resources/{res['id']}/badge/uptime.svg", params={"period": "24h"})
    assert ">0%<" in badge.text


def test_a_lazily_made_slug_steps_around_one_chosen_by_hand(api, other_api):
    from app.db import session_scope
    from app.models import Org
    from app.monitoring.access import slugify

    with session_scope() as s:
        theirs = s.get(Org, other_api.user["org_id"])
        assert theirs.slug is None  # registration does not set one
        would_be = f"{slugify(theirs.name)}-{theirs.id.replace('-', '')[:8]}"
    data(api.request("PATCH", f"{BASE}/org", json={"slug": would_be}))
    got = data(other_api.get(f"{BASE}/org"))["slug"]
    assert got != would_be and got.endswith(other_api.user["org_id"].replace("-", ""))
