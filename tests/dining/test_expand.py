"""Expand: one restaurant in detail for one user, judged by the guard as it is now."""

from __future__ import annotations

import dataclasses

import pytest

from tests.dining.conftest import add_restaurant, new_uid
from tests.dining.test_feed import BASE, PEANUTS, WAIT, catalog, diner


def expand(client, uid, rid, headers=None):
    headers = dict(WAIT if headers is None else headers)
    return client.get(f"{BASE}/recommendations/{uid}/{rid}/expand", headers=headers)


@pytest.fixture
def llm(platform, llm_server):
    from app.config import configure, get_settings

    settings = get_settings()
    configure(dataclasses.replace(settings, llm_base_url=llm_server.url, llm_api_key="test-key"))
    yield llm_server
    configure(settings)


def test_a_restaurant_expanded_for_the_user(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    resp = expand(service, uid, ids["toscano"])
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    restaurant = data["restaurant"]
    assert restaurant["name"] == "Toscano" and restaurant["recommended"] is True
    assert restaurant["fit_score"] > 50 and "Matches cuisine preference" in restaurant["fit_tags"]
    assert set(data["radar_scores"]) == {"ambiance", "service", "food", "value", "location"}
    assert all(0 <= v <= 100 for v in data["radar_scores"].values())
    assert data["radar_scores"]["food"] == 92  # rating 4.6 × 20
    assert set(data["radar_method"]) == set(data["radar_scores"])
    assert "Rated 4.6 / 5" in data["highlights"]
    assert "On the menu: Cacio e pepe" in data["highlights"]
    assert data["ai_summary"].startswith("Toscano is an Italian place in Koramangala")
    analysis = data["allergen_analysis"]
    assert analysis["safe_for_user"] is True and analysis["confidence"] == "high"
    assert analysis["allergens_present"] == ["gluten", "milk", "wheat"]
    assert data["strategy"] == "naive" and data["from_cache"] is False
    again = expand(service, uid, ids["toscano"]).json()["data"]
    assert again["from_cache"] is True and again["radar_scores"] == data["radar_scores"]


def test_a_blocked_restaurant_is_described_but_never_suggested(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    data = expand(service, uid, ids["satay"]).json()["data"]
    assert data["restaurant"]["recommended"] is False and data["restaurant"]["fit_score"] == 0
    assert data["restaurant"]["fit_tags"] == ["Contains peanuts: your allergy"]
    analysis = data["allergen_analysis"]
    assert analysis["safe_for_user"] is False and analysis["blocked_by"] == ["peanuts"]
    assert "Not recommended for you" in data["ai_summary"]


def test_without_allergen_data_the_analysis_says_so(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    analysis = expand(service, uid, ids["cantina"]).json()["data"]["allergen_analysis"]
    assert analysis["safe_for_user"] is False and analysis["status"] == "warning"
    assert analysis["has_allergen_data"] is False and analysis["confidence"] == "low"


def test_an_allergy_added_since_is_reflected_not_served_from_cache(service):
    ids = catalog(service.org_id)
    uid = diner(service)
    assert expand(service, uid, ids["toscano"]).json()["data"]["restaurant"]["recommended"]
    wheat = {"confirmed": ["wheat"], "severity": {"wheat": "severe"}}
    assert service.request("PATCH", f"{BASE}/users/{uid}/allergies", json=wheat).ok
    data = expand(service, uid, ids["toscano"]).json()["data"]
    assert data["from_cache"] is False and data["restaurant"]["recommended"] is False


def test_with_an_llm_the_summary_is_written_by_it_and_the_guard_s_words_are_kept(service, llm):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    llm.reply("A candlelit trattoria with hand-made pasta.")
    data = expand(service, uid, ids["toscano"]).json()["data"]
    assert data["strategy"] == "openai"
    assert data["ai_summary"] == "A candlelit trattoria with hand-made pasta."
    prompt = llm.requests[-1]["body"]["messages"][1]["content"]
    assert "name: Toscano" in prompt and "allergen status for this user: safe" in prompt
    llm.reply("Great Mexican food.")
    cantina = expand(service, uid, ids["cantina"]).json()["data"]
    assert cantina["ai_summary"].startswith("Great Mexican food.")
    assert "No allergen data" in cantina["ai_summary"]


def test_unknown_or_foreign_restaurants_and_users_are_not_found(service, other_service):
    ids = catalog(service.org_id)
    foreign = add_restaurant(other_service.org_id, name="Elsewhere")
    uid = diner(service)
    for rid in (foreign, new_uid(), "x" * 37):
        resp = expand(service, uid, rid)
        assert resp.status_code == 404 and resp.json()["code"] == "RESTAURANT_NOT_FOUND"
    assert expand(other_service, uid, ids["toscano"]).status_code == 404
    assert expand(service, new_uid(), ids["toscano"]).status_code == 404
    resp = expand(service, "not-a-uuid", ids["toscano"])
    assert resp.status_code == 400 and resp.json()["code"] == "VALIDATION_ERROR"


def test_not_ready_in_time_is_a_202_with_the_task(service):
    ids = catalog(service.org_id)
    uid = diner(service)
    resp = expand(service, uid, ids["nonna"], headers={"Prefer": "wait=0"})
    assert resp.status_code == 202 and resp.json()["data"]["kind"] == "dining.expand"
    task = service.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded" and task["result"]["restaurant"]["name"] == "Nonna"


def test_when_the_llm_fails_the_summary_is_written_from_data(service, llm):
    ids = catalog(service.org_id)
    uid = diner(service)
    llm.reply("bad request", status=400)
    data = expand(service, uid, ids["toscano"]).json()["data"]
    assert data["strategy"] == "naive" and data["ai_summary"].startswith("Toscano is an Italian")
