"""The streaming chat: five thinking steps as they happen, then one GenerativeUIPayload."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models import Task
from app.models.dining import ChatMessage, DiningUser
from tests.dining.conftest import new_uid
from tests.dining.test_feed import BASE, PEANUTS, catalog, diner

STEPS = ["context_loaded", "decomposed", "search_complete", "evaluated", "guard_complete"]


def post_chat(client, uid, message, history=(), **kw):
    headers = {"X-User-ID": uid, **kw.pop("headers", {})}
    body = {"message": message, "conversation_history": list(history), **kw}
    return client.post(f"{BASE}/chat", json=body, headers=headers, stream=True, timeout=60)


def frames(resp) -> list[dict]:
    """The seed's frames: each `data:` line is {"event": …, "data": …}."""
    out = []
    for line in resp.iter_lines(decode_unicode=True):
        if line and line.startswith("data: "):
            out.append(json.loads(line[len("data: ") :]))
    return out


def chat(client, uid, message, history=()) -> tuple[list[dict], dict]:
    resp = post_chat(client, uid, message, history)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    events = frames(resp)
    assert events[-1]["event"] == "result", events
    return events, events[-1]["data"]


@pytest.fixture
def llm(platform, llm_server):
    from app.config import configure, get_settings

    settings = get_settings()
    configure(dataclasses.replace(settings, llm_base_url=llm_server.url, llm_api_key="test-key"))
    yield llm_server
    configure(settings)


def test_the_five_steps_stream_in_order_then_the_result(service):
    ids = catalog(service.org_id)
    uid = diner(service)
    events, result = chat(service, uid, "romantic Italian dinner under 1500, no peanuts")
    thinking = [e["data"] for e in events if e["event"] == "thinking"]
    assert [t["step"] for t in thinking] == STEPS
    assert thinking[2]["message"] == "Found 2 restaurants"
    assert thinking[4]["message"] == "AllergyGuard: 0 warnings flagged, 1 excluded"
    assert result["ui_type"] == "restaurant_list" and result["clarification_needed"] is False
    # "no peanuts" excludes Nonna (it declares groundnut) though the profile lists no allergy.
    assert [r["id"] for r in result["restaurants"]] == [ids["toscano"]]
    toscano = result["restaurants"][0]
    assert {"Matches cuisine preference", "Great for couples"} <= set(toscano["fit_tags"])
    assert set(toscano["radar_scores"]) == {"ambiance", "service", "food", "value", "location"}
    assert toscano["ai_summary"].startswith("Toscano is an Italian place")
    assert toscano["allergy_warning"] is None and result["has_allergy_warnings"] is False
    assert "peanuts are left out" in result["text_response"]
    assert result["query"]["exclude_allergens"] == ["peanuts"]
    assert result["query"]["budget_tier"] == 2 and result["strategy"] == "naive"
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == uid))
        roles = s.scalars(select(ChatMessage.role).where(ChatMessage.user_id == user.id)).all()
        assert sorted(roles) == ["assistant", "user"]


def test_the_profile_s_allergies_are_guarded_and_warnings_flagged(service):
    catalog(service.org_id)
    uid = diner(service, PEANUTS)
    _, result = chat(service, uid, "any good Thai or Mexican food?")
    names = [r["name"] for r in result["restaurants"]]
    assert names == ["Cantina"]  # Satay House holds peanuts: never suggested
    assert result["has_allergy_warnings"] is True
    [warning] = result["allergy_warnings"]
    assert warning["restaurant_name"] == "Cantina" and warning["source"] == "no_data"


def test_a_message_without_intent_asks_for_more(service):
    catalog(service.org_id)
    uid = diner(service)
    events, result = chat(service, uid, "hello there")
    assert [e["data"]["step"] for e in events if e["event"] == "thinking"] == STEPS
    assert result["clarification_needed"] is True and result["ui_type"] == "text"
    assert result["restaurants"] == [] and "What are you in the mood for" in result["text_response"]


def test_the_last_turns_fill_what_the_message_leaves_out(service):
    ids = catalog(service.org_id)
    uid = diner(service)
    history = [
        {"role": "user", "content": "I am craving Mexican food"},
        {"role": "assistant", "content": "Great, any area?"},
    ]
    _, result = chat(service, uid, "somewhere for dinner tonight", history)
    assert result["query"]["cuisines"] == ["mexican"]
    assert [r["id"] for r in result["restaurants"]] == [ids["cantina"]]


def test_a_map_request_answers_a_map_view(service):
    catalog(service.org_id)
    uid = diner(service)
    _, result = chat(service, uid, "show me Italian places on a map")
    assert result["ui_type"] == "map_view" and len(result["restaurants"]) == 2


def test_with_an_llm_the_query_is_decomposed_by_it_and_offline_exclusions_still_hold(service, llm):
    ids = catalog(service.org_id)
    uid = diner(service)
    llm.reply(
        json.dumps(
            {
                "cuisines": ["Italian"],
                "area": None,
                "budget_tier": None,
                "vibes": [],
                "party_size": 2,
                "exclude_allergens": [],
                "ui_type": "restaurant_list",
                "clarification_needed": False,
            }
        )
    )
    _, result = chat(service, uid, "pasta night for two, no peanuts please")
    assert result["strategy"] == "openai" and result["query"]["party_size"] == 2
    assert result["query"]["exclude_allergens"] == ["peanuts"]
    assert [r["id"] for r in result["restaurants"]] == [ids["toscano"]]
    sent = llm.requests[-1]["body"]
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["messages"][-1]["content"].endswith("user: pasta night for two, no peanuts please")


def test_a_client_that_goes_away_stops_nothing(service):
    catalog(service.org_id)
    uid = diner(service)
    resp = post_chat(service, uid, "Italian dinner")
    task_id = resp.headers["X-Task-ID"]
    resp.close()
    assert service.wait(task_id)["state"] == "succeeded"


def test_bad_input_is_a_400_and_starts_nothing(service):
    uid = diner(service)
    bad = [
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 2001},
        {"message": "hi", "conversation_history": [{"role": "system", "content": "x"}]},
        {"message": "hi", "conversation_history": "nope"},
        {"message": "hi", "mood": "hungry"},
    ]
    for body in bad:
        resp = service.post(f"{BASE}/chat", json=body, headers={"X-User-ID": uid})
        assert resp.status_code == 400, (body, resp.text)
        assert resp.json()["code"] == "VALIDATION_ERROR"
    resp = service.post(f"{BASE}/chat", json={"message": "hi"}, headers={"X-User-ID": "nope"})
    assert resp.status_code == 400
    with session_scope() as s:
        count = select(func.count()).where(
            Task.org_id == service.org_id, Task.kind == "dining.chat"
        )
        assert s.scalar(count) == 0


def test_every_caller_names_the_user_in_x_user_id_as_the_document_says(api, service):
    own = api.user["id"]
    assert api.post(f"{BASE}/users/{own}", json={}).status_code == 201
    for client in (service, api):  # a user token too: the header is required on /chat
        resp = client.post(f"{BASE}/chat", json={"message": "pizza"})
        assert resp.status_code == 400, resp.text
        assert "X-User-ID" in resp.json()["errors"]
    resp = api.post(f"{BASE}/chat", json={"message": "pizza"}, headers={"X-User-ID": new_uid()})
    assert resp.status_code == 403  # a user token names only its own id
    resp = post_chat(api, own, "pizza")
    assert resp.status_code == 200 and resp.headers["X-Task-ID"]
    resp.close()
    spec = api.get("/api/openapi.json").json()
    (header,) = spec["paths"]["/api/v1/dining/chat"]["post"]["parameters"]
    assert header["name"] == "X-User-ID" and header["required"] is True


def test_another_org_s_user_is_not_found(service, other_service):
    uid = diner(service)
    resp = other_service.post(f"{BASE}/chat", json={"message": "pizza"}, headers={"X-User-ID": uid})
    assert resp.status_code == 404 and resp.json()["code"] == "USER_NOT_FOUND"
    resp = service.post(f"{BASE}/chat", json={"message": "pizza"}, headers={"X-User-ID": new_uid()})
    assert resp.status_code == 404


def test_when_the_llm_fails_the_offline_reading_answers_and_says_so(service, llm):
    ids = catalog(service.org_id)
    uid = diner(service)
    llm.reply("overloaded", status=400)
    events, result = chat(service, uid, "Italian dinner, no peanuts")
    decomposed = next(e["data"] for e in events if e["data"].get("step") == "decomposed")
    assert "read offline" in decomposed["message"] and "read offline" in result["notice"]
    assert result["strategy"] == "naive"
    assert [r["id"] for r in result["restaurants"]] == [ids["toscano"]]


def test_a_comparison_answers_the_named_restaurants_as_a_chart(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    _, result = chat(service, uid, "compare Toscano vs Cantina vs Satay House")
    assert result["ui_type"] == "comparison_chart"
    # Satay House is named but holds peanuts: it is not presented.
    assert {r["id"] for r in result["restaurants"]} == {ids["toscano"], ids["cantina"]}
