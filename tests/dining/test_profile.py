"""Preferences (deep merge), allergies (normalized, safety-critical), interactions, summary."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models.dining import DiningAllergy, DiningUser, Feed
from tests.dining.conftest import add_restaurant

BASE = "/api/v1/dining/users"


def patch(client, path, body, method="PATCH"):
    return client.request(method, path, json=body)


def _profile(client, uid) -> dict:
    return client.get(f"{BASE}/{uid}").json()["data"]


def _add_feed(uid: str) -> str:
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == uid))
        s.add(Feed(user_id=user.id, feed_date=date.today(), items=[{"id": "x"}], meta={},
                   generated_at=datetime.now(UTC)))  # fmt: skip
        return user.id


def _feeds(user_id: str) -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(Feed).where(Feed.user_id == user_id))


# --- preferences ---------------------------------------------------------------------------------


def test_preferences_deep_merge_unions_arrays_and_replaces_scalars(service, profile):
    path = f"{BASE}/{profile}/preferences"
    first = {
        "dietary": ["vegetarian"],
        "vibes": ["romantic", "quiet"],
        "cuisine_affinity": ["Italian", "Japanese"],
        "price_comfort": ["$$", "$$$"],
        "location": {"lat": 12.97, "lon": 77.59},
        "max_distance_km": 5,
        "spice": {"level": "mild", "avoid": ["ghost pepper"]},
    }
    assert patch(service, path, first).status_code == 200
    resp = patch(
        service,
        path,
        {
            "dietary": ["Vegan"],
            "vibes": ["lively", "Quiet"],
            "cuisine_affinity": ["Thai", "italian"],
            "max_distance_km": 8,
            "spice": {"avoid": ["carolina reaper"]},
        },
    )
    assert resp.status_code == 200
    prefs = resp.json()["data"]["preferences"]
    assert prefs["dietary"] == ["vegetarian", "vegan"]
    assert prefs["vibes"] == ["romantic", "quiet", "lively"]
    assert prefs["cuisine_affinity"] == ["Italian", "Japanese", "Thai"]
    assert prefs["price_comfort"] == ["$$", "$$$"]
    assert prefs["max_distance_km"] == 8
    assert prefs["location"] == {"lat": 12.97, "lon": 77.59}
    assert prefs["spice"] == {"level": "mild", "avoid": ["ghost pepper", "carolina reaper"]}
    profile_data = _profile(service, profile)
    assert profile_data["preferences"] == prefs
    assert profile_data["dietary_flags"] == ["vegetarian", "vegan"]


def test_null_removes_a_preference_and_put_replaces_them_all(service, profile):
    path = f"{BASE}/{profile}/preferences"
    patch(service, path, {"vibes": ["quiet"], "cuisine_affinity": ["Thai"]})
    prefs = patch(service, path, {"vibes": None}).json()["data"]["preferences"]
    assert prefs == {"cuisine_affinity": ["Thai"]}
    prefs = patch(service, path, {"price_comfort": ["$"]}, "PUT").json()["data"]["preferences"]
    assert prefs == {"price_comfort": ["$"]}


def test_a_user_may_list_every_cuisine_of_a_real_vocabulary(service, profile):
    # UCI's restaurant data names 103 cuisines among its users' favourites; one lists them all.
    path = f"{BASE}/{profile}/preferences"
    cuisines = [f"Cuisine {n}" for n in range(103)]
    resp = patch(service, path, {"cuisine_affinity": cuisines, "cuisine_aversion": cuisines[:3]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["preferences"]["cuisine_affinity"] == cuisines
    doc = service.get("/api/openapi.json").json()["components"]["schemas"]
    prefs = next(v for k, v in doc.items() if "cuisine_affinity" in v.get("properties", {}))
    assert prefs["properties"]["cuisine_affinity"]["maxItems"] >= 103


def test_a_union_that_outgrows_the_bound_is_400_and_keeps_the_old_list(service, profile):
    path = f"{BASE}/{profile}/preferences"
    assert patch(service, path, {"cuisine_affinity": [f"A{n}" for n in range(150)]}).ok
    resp = patch(service, path, {"cuisine_affinity": [f"B{n}" for n in range(150)]})
    assert resp.status_code == 400 and "cuisine_affinity" in resp.json()["errors"]
    assert len(_profile(service, profile)["preferences"]["cuisine_affinity"]) == 150


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price_comfort": ["$$$$$"]}, "price_comfort"),
        ({"dietary": ["carnivore"]}, "dietary"),
        ({"location": {"lat": 123, "lon": 0}}, "location"),
        ({"max_distance_km": -1}, "max_distance_km"),
        ({"vibes": "quiet"}, "vibes"),
        ({f"k{i}": i for i in range(31)}, "_schema"),
        ({"notes": "n" * 9000}, "_schema"),
    ],
)
def test_bad_preferences_name_the_field_and_write_nothing(service, profile, body, field):
    path = f"{BASE}/{profile}/preferences"
    patch(service, path, {"vibes": ["quiet"]})
    resp = patch(service, path, body)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]
    assert _profile(service, profile)["preferences"] == {"vibes": ["quiet"]}


def test_changing_preferences_drops_the_cached_feed(service, profile):
    user_id = _add_feed(profile)
    patch(service, f"{BASE}/{profile}/preferences", {"vibes": ["lively"]})
    assert _feeds(user_id) == 0


# --- allergies -----------------------------------------------------------------------------------


def test_allergies_are_normalized_to_canonical_names_with_severity(service, profile):
    resp = patch(
        service,
        f"{BASE}/{profile}/allergies",
        {"confirmed": ["Peanuts", "prawns"], "severity": {"groundnut": "anaphylactic"}},
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["updated"] is True
    assert data["allergy_flags"] == ["peanuts", "crustacean shellfish"]  # worst first
    assert data["allergies"]["severity"] == {
        "peanuts": "anaphylactic",
        "crustacean shellfish": "severe",  # not given: recorded as severe
    }
    details = {d["allergen"]: d["source"] for d in data["allergies"]["details"]}
    assert details["crustacean shellfish"] == "prawns"
    assert _profile(service, profile)["allergies"]["severity"] == data["allergies"]["severity"]


def test_patch_adds_and_updates_while_put_replaces(service, profile):
    path = f"{BASE}/{profile}/allergies"
    patch(service, path, {"confirmed": ["milk"], "severity": {"milk": "mild"}})
    data = patch(service, path, {"confirmed": ["sesame", "milk"]}).json()["data"]
    assert data["allergies"]["severity"] == {"sesame": "severe", "milk": "mild"}
    data = patch(service, path, {"confirmed": [], "severity": {"dairy": "moderate"}})
    data = data.json()["data"]
    assert data["allergies"]["severity"]["milk"] == "moderate"
    data = patch(service, path, {"confirmed": ["eggs"], "severity": {"eggs": "mild"}}, "PUT")
    assert data.json()["data"]["allergies"]["severity"] == {"eggs": "mild"}
    data = patch(service, path, {"confirmed": []}, "PUT").json()["data"]
    assert data["allergy_flags"] == []


def test_an_unknown_allergen_is_a_400_listing_the_accepted_names_and_writes_nothing(
    service, profile
):
    path = f"{BASE}/{profile}/allergies"
    patch(service, path, {"confirmed": ["milk"]})
    resp = patch(service, path, {"confirmed": ["peanuts", "kryptonite"]})
    assert resp.status_code == 400
    errors = resp.json()["errors"]
    message = errors["confirmed"]["1"][0]
    assert "kryptonite" in message and "tree nuts" in message and "sulphites" in message
    resp = patch(service, path, {"confirmed": [], "severity": {"unobtainium": "mild"}}, "PUT")
    assert resp.status_code == 400 and "unobtainium" in resp.json()["errors"]["severity"]
    resp = patch(service, path, {"confirmed": ["eggs"], "severity": {"eggs": "deadly"}})
    assert resp.status_code == 400 and "eggs" in resp.json()["errors"]["severity"]
    resp = service.request("PUT", path)  # no body: never read as "no allergies"
    assert resp.status_code == 400 and "confirmed" in resp.json()["errors"]
    assert _profile(service, profile)["allergy_flags"] == ["milk"]


def test_changing_allergies_drops_the_cached_feed(service, profile):
    user_id = _add_feed(profile)
    patch(service, f"{BASE}/{profile}/allergies", {"confirmed": ["fish"]})
    assert _feeds(user_id) == 0


def test_another_org_cannot_touch_allergies(other_service, service, profile):
    resp = patch(other_service, f"{BASE}/{profile}/allergies", {"confirmed": ["fish"]})
    assert resp.status_code == 404
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(DiningAllergy)
                        .join(DiningUser).where(DiningUser.uid == profile)) == 0  # fmt: skip


# --- interactions --------------------------------------------------------------------------------


def test_interactions_count_activity_and_accept_both_rating_scales(api, service, profile):
    org = api.user["org_id"]
    rid = add_restaurant(org, external_id="uci-135110", name="El Cielo")
    path = f"{BASE}/{profile}/interactions"
    resp = service.post(path, json={"restaurant_id": rid, "kind": "viewed"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["data"]["interaction_count"] == 1
    resp = service.post(
        path, json={"restaurant_id": "uci-135110", "kind": "rated", "rating": 2, "scale": "0-2"}
    )
    data = resp.json()["data"]
    assert (data["restaurant_id"], data["rating"], data["rating_scale"]) == (rid, 2, "0-2")
    service.post(path, json={"restaurant_id": rid, "kind": "rated", "rating": 4})
    profile_data = _profile(service, profile)
    assert profile_data["interaction_count"] == 3
    assert profile_data["last_active_at"] is not None
    listed = service.get(path, params={"kind": "rated"}).json()
    assert listed["meta"]["total"] == 2
    assert [i["rating_scale"] for i in listed["data"]] == ["1-5", "0-2"]  # newest first


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "rated", "rating": 5, "scale": "0-2"}, "rating"),
        ({"kind": "rated", "rating": 0}, "rating"),
        ({"kind": "rated"}, "rating"),
        ({"kind": "liked", "rating": 3}, "rating"),
        ({"kind": "bookmarked"}, "kind"),
        ({"kind": "rated", "rating": 3, "scale": "1-10"}, "scale"),
        ({"kind": "viewed", "scale": "1-5"}, "scale"),
        ({"kind": "rated", "rating": None}, "rating"),
    ],
)
def test_bad_interactions_name_the_field_and_count_nothing(api, service, profile, body, field):
    rid = add_restaurant(api.user["org_id"])
    resp = service.post(f"{BASE}/{profile}/interactions", json={"restaurant_id": rid, **body})
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["errors"]
    assert _profile(service, profile)["interaction_count"] == 0


def test_another_orgs_restaurant_is_not_found(other_api, service, profile):
    theirs = add_restaurant(other_api.user["org_id"])
    resp = service.post(
        f"{BASE}/{profile}/interactions", json={"restaurant_id": theirs, "kind": "liked"}
    )
    assert resp.status_code == 404
    assert _profile(service, profile)["interaction_count"] == 0


# --- summary -------------------------------------------------------------------------------------


def _tastes(service, uid):
    patch(service, f"{BASE}/{uid}/preferences",
          {"cuisine_affinity": ["Italian", "Japanese"], "vibes": ["romantic", "quiet"],
           "price_comfort": ["$$$", "$$"], "dietary": ["vegetarian"]})  # fmt: skip
    patch(service, f"{BASE}/{uid}/allergies",
          {"confirmed": ["peanuts", "shellfish"],
           "severity": {"peanuts": "anaphylactic", "shellfish": "severe"}})  # fmt: skip


def test_without_an_llm_the_summary_states_every_preference_and_allergy(service, profile):
    _tastes(service, profile)
    resp = service.get(f"{BASE}/{profile}/summary")
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert data["strategy"] == "template"
    text = data["summary"]
    for fact in ("Italian", "Japanese", "romantic", "quiet", "$$–$$$", "vegetarian",
                 "peanuts (anaphylactic)", "crustacean shellfish (severe)"):  # fmt: skip
        assert fact in text, (fact, text)


def test_a_profile_with_nothing_yet_says_so(service, profile):
    text = service.get(f"{BASE}/{profile}/summary").json()["data"]["summary"]
    assert "not told us" in text and "no recorded food allergies" in text


@pytest.fixture
def with_llm(llm_server):
    from app.config import configure, get_settings

    settings = get_settings()
    configure(dataclasses.replace(settings, llm_base_url=llm_server.url, llm_api_key="k"))
    yield llm_server
    configure(settings)


def test_with_an_llm_the_summary_is_written_by_a_task(service, profile, with_llm):
    _tastes(service, profile)
    with_llm.reply(
        "You love quiet Italian evenings. Peanuts are anaphylactic for you and crustacean "
        "shellfish is severe."
    )
    resp = service.get(f"{BASE}/{profile}/summary", headers={"Prefer": "wait=20"})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["strategy"] == "llm"
    assert data["summary"].startswith("You love quiet Italian evenings.")
    sent = with_llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "anaphylactic" in sent and "Italian" in sent


def test_an_llm_summary_that_forgets_an_allergy_gets_the_allergy_sentence(
    service, profile, with_llm
):
    _tastes(service, profile)
    with_llm.reply("You enjoy romantic Italian dinners.")
    data = service.get(f"{BASE}/{profile}/summary", headers={"Prefer": "wait=20"}).json()["data"]
    assert data["strategy"] == "llm"
    assert "peanuts (anaphylactic)" in data["summary"]
    assert "crustacean shellfish (severe)" in data["summary"]


def test_summary_of_someone_else_is_forbidden_or_not_found(api, other_service, profile):
    assert api.get(f"{BASE}/{profile}/summary").status_code == 403
    assert other_service.get(f"{BASE}/{profile}/summary").status_code == 404


def test_a_viewer_reads_their_own_summary_written_by_the_llm(api, with_llm):
    from tests.factories import add_member

    viewer = add_member(api, "viewer")
    own = viewer.get("/api/v1/users/me").json()["data"]["id"]
    assert viewer.post(f"{BASE}/{own}", json={}).status_code == 201
    with_llm.reply("You have not shared your tastes yet, and no allergies are recorded.")
    resp = viewer.get(f"{BASE}/{own}/summary", headers={"Prefer": "wait=20"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["strategy"] == "llm"


@pytest.mark.both_databases
def test_concurrent_interactions_are_all_counted(api, service, profile):
    from concurrent.futures import ThreadPoolExecutor

    rid = add_restaurant(api.user["org_id"])
    path = f"{BASE}/{profile}/interactions"

    def like(_):
        return service.post(path, json={"restaurant_id": rid, "kind": "liked"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(like, range(16)))
    assert codes == [201] * 16
    assert _profile(service, profile)["interaction_count"] == 16
