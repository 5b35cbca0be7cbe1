"""The event wire format: what workers publish is what every client receives."""

from __future__ import annotations

import json

from app import events


def test_a_live_event_carries_its_stream_id_in_the_same_json_clients_get():
    event = events.make_event(
        "progress",
        "t-1",
        "platform.diagnostic",
        stage="step",
        percent=40,
        message='quotes " and \\ and ünïcode',
    )
    published = f"org-9\n1764000000000-3\n{events.as_json(event)}"
    org_id, parsed, raw = events.parse_live(published)
    assert org_id == "org-9"
    assert parsed == {**event, "id": "1764000000000-3"}
    assert json.loads(raw) == parsed


def test_stream_ids_order_by_time_then_sequence():
    assert events.id_key("1764000000000-10") > events.id_key("1764000000000-9")
    assert events.id_key("1764000000001-0") > events.id_key("1764000000000-99")
