"""The daily feed: built by a worker, cached for the day, guarded every time it is served."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models import Task
from app.models.dining import DiningUser, Feed, Restaurant
from tests.dining.conftest import add_restaurant, new_uid

BASE = "/api/v1/dining"
WAIT = {"Prefer": "wait=30"}


def catalog(org_id: str) -> dict[str, str]:
    """Four restaurants a peanut-allergic Italian lover should see differently."""
    return {
        "toscano": add_restaurant(
            org_id,
            name="Toscano",
            cuisines=["Italian"],
            price_tier=2,
            rating=4.6,
            area="Koramangala",
            ambience=["romantic"],
            declared_allergens=["wheat"],
            menu_items=[_menu("Cacio e pepe", ["spaghetti", "parmesan", "pepper"])],
        ),
        "satay": add_restaurant(
            org_id,
            name="Satay House",
            cuisines=["Thai"],
            price_tier=2,
            rating=4.9,
            menu_items=[_menu("Chicken satay", ["chicken", "peanut sauce"])],
        ),
        "nonna": add_restaurant(
            org_id,
            name="Nonna",
            cuisines=["Italian"],
            price_tier=2,
            rating=4.8,
            declared_allergens=["Groundnut"],
        ),
        "cantina": add_restaurant(org_id, name="Cantina", cuisines=["Mexican"], rating=3.9),
    }


def _menu(name, ingredients):
    from app.models.dining import MenuItem

    return MenuItem(name=name, ingredients=ingredients)


def diner(service, allergies=None) -> str:
    uid = new_uid()
    assert service.post(f"{BASE}/users/{uid}", json={}).status_code == 201
    prefs = {"cuisine_affinity": ["Italian"], "vibes": ["romantic"], "price_comfort": ["$$"]}
    resp = service.request("PATCH", f"{BASE}/users/{uid}/preferences", json=prefs)
    assert resp.status_code == 200, resp.text
    if allergies:
        resp = service.request("PATCH", f"{BASE}/users/{uid}/allergies", json=allergies)
        assert resp.status_code == 200, resp.text
    return uid


PEANUTS = {"confirmed": ["peanuts"], "severity": {"peanuts": "anaphylactic"}}


def feed(client, uid, headers=None, **params):
    headers = dict(WAIT if headers is None else headers)  # the client adds its credentials
    return client.get(f"{BASE}/recommendations/{uid}", headers=headers, params=params)


def test_a_missing_feed_is_built_by_a_worker_ranked_and_guarded(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    resp = feed(service, uid)
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["uid"] == uid and data["from_cache"] is False
    names = [r["name"] for r in data["restaurants"]]
    assert names[0] == "Toscano"
    assert "Satay House" not in names and "Nonna" not in names  # peanuts, anaphylactic
    top = data["restaurants"][0]
    assert top["id"] == ids["toscano"] and 0 <= top["fit_score"] <= 100
    assert {"Matches cuisine preference", "Within budget", "Great for couples"} <= set(
        top["fit_tags"]
    )
    assert top["allergy_safe"] is True and top["allergen_confidence"] == "high"
    cantina = next(r for r in data["restaurants"] if r["name"] == "Cantina")
    assert cantina["allergy_safe"] is False and cantina["allergen_confidence"] == "low"
    assert "No allergen data" in cantina["allergy_warning"]
    with session_scope() as s:
        task = s.scalar(select(Task).where(Task.id == data["task_id"]))
        assert (task.kind, task.queue, task.state) == ("dining.build_feed", "feeds", "succeeded")


@pytest.mark.both_databases
def test_the_day_s_feed_is_served_from_cache_until_refreshed(service):
    catalog(service.org_id)
    uid = diner(service)
    first = feed(service, uid).json()["data"]
    again = feed(service, uid, limit=2).json()["data"]
    assert again["from_cache"] is True and again["generated_at"] == first["generated_at"]
    assert [r["id"] for r in again["restaurants"]] == [r["id"] for r in first["restaurants"]][:2]
    fresh = feed(service, uid, refresh="true").json()["data"]
    assert fresh["from_cache"] is False and fresh["generated_at"] > first["generated_at"]
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == uid))
        assert s.scalar(select(func.count()).where(Feed.user_id == user.id)) == 1


def test_a_feed_not_ready_in_time_is_a_202_with_its_task(service):
    catalog(service.org_id)
    uid = diner(service)
    resp = feed(service, uid, headers={"Prefer": "wait=0"})
    assert resp.status_code == 202, resp.text
    task = resp.json()["data"]
    assert task["kind"] == "dining.build_feed" and resp.headers["Location"].endswith(task["id"])
    assert service.wait(task["id"])["state"] == "succeeded"
    again = feed(service, uid).json()["data"]
    assert again["from_cache"] is True and again["restaurants"]


def test_an_allergy_added_after_the_feed_was_built_is_honoured_at_once(service):
    ids = catalog(service.org_id)
    uid = diner(service)
    names = [r["name"] for r in feed(service, uid).json()["data"]["restaurants"]]
    assert "Toscano" in names and "Nonna" in names
    allergy = {"confirmed": ["wheat"], "severity": {"wheat": "severe"}}
    assert service.request("PATCH", f"{BASE}/users/{uid}/allergies", json=allergy).ok
    data = feed(service, uid).json()["data"]
    assert ids["toscano"] not in [r["id"] for r in data["restaurants"]]


def test_a_restaurant_that_declares_a_severe_allergen_later_leaves_the_cached_feed(service):
    ids = catalog(service.org_id)
    uid = diner(service, PEANUTS)
    assert ids["toscano"] in [r["id"] for r in feed(service, uid).json()["data"]["restaurants"]]
    with session_scope() as s:
        s.get(Restaurant, ids["toscano"]).declared_allergens = ["peanut oil"]
    data = feed(service, uid).json()["data"]
    assert data["from_cache"] is True
    assert ids["toscano"] not in [r["id"] for r in data["restaurants"]]


def test_what_similar_users_liked_lifts_a_restaurant(service):
    ids = catalog(service.org_id)
    hidden = add_restaurant(service.org_id, name="Hidden Gem", cuisines=["Mexican"], rating=3.0)
    me, others = diner(service), [diner(service) for _ in range(3)]
    for uid in [me, *others]:
        body = {"restaurant_id": ids["cantina"], "kind": "liked"}
        assert service.post(f"{BASE}/users/{uid}/interactions", json=body).status_code == 201
    for uid in others:
        body = {"restaurant_id": hidden, "kind": "liked"}
        assert service.post(f"{BASE}/users/{uid}/interactions", json=body).status_code == 201
    data = feed(service, me).json()["data"]
    gem = next(r for r in data["restaurants"] if r["id"] == hidden)
    assert "Popular with people like you" in gem["fit_tags"]
    liked = next(r for r in data["restaurants"] if r["id"] == ids["cantina"])
    assert "You liked it before" in liked["fit_tags"]


def test_bad_input_is_a_400_and_builds_nothing(service):
    uid = diner(service)
    for params in ({"limit": 51}, {"limit": 0}, {"limit": "ten"}, {"refresh": "maybe"}):
        resp = feed(service, uid, **params)
        assert resp.status_code == 400, (params, resp.text)
    resp = feed(service, "not-a-uuid")
    assert resp.status_code == 400 and resp.json()["code"] == "VALIDATION_ERROR"
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == uid))
        assert s.scalar(select(func.count()).where(Feed.user_id == user.id)) == 0


def test_another_org_s_user_is_not_found(service, other_service):
    uid = diner(service)
    resp = feed(other_service, uid)
    assert resp.status_code == 404 and resp.json()["code"] == "USER_NOT_FOUND"
    assert feed(service, new_uid()).status_code == 404


def test_a_signed_in_user_reads_only_their_own_feed(api, service):
    own = api.user["id"]
    assert api.post(f"{BASE}/users/{own}", json={}).status_code == 201
    assert feed(api, own).status_code == 200
    other = diner(service)
    assert feed(api, other).status_code == 403


@pytest.mark.both_databases
def test_beat_precomputes_today_s_feeds_for_users_active_in_the_last_30_days(service):
    from workers.dining.tasks import precompute_feeds

    ids = catalog(service.org_id)
    active, idle = diner(service), diner(service)
    body = {"restaurant_id": ids["cantina"], "kind": "viewed"}
    assert service.post(f"{BASE}/users/{active}/interactions", json=body).status_code == 201
    with session_scope() as s:
        s.scalar(select(DiningUser).where(DiningUser.uid == idle)).last_active_at = datetime.now(
            UTC
        ) - timedelta(days=40)
        tasks_before = s.scalar(select(func.count()).select_from(Task))
    sent = precompute_feeds.apply().get()
    assert sent["users"] >= 1 and sent["batches"] >= 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _has_feed(active):
        time.sleep(0.1)
    assert _has_feed(active) and not _has_feed(idle)
    with session_scope() as s:  # batches are plain Celery tasks: no task rows
        assert s.scalar(select(func.count()).select_from(Task)) == tasks_before
    assert feed(service, active).json()["data"]["from_cache"] is True


def _has_feed(uid: str) -> bool:
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == uid))
        return bool(s.scalar(select(func.count()).where(Feed.user_id == user.id)))


def test_the_feed_knows_where_the_user_is(service):
    """Distances shown per restaurant, the user's own limit kept, closeness said aloud."""
    near = add_restaurant(
        service.org_id, name="Corner Taqueria", cuisines=["Mexican"], rating=3.5,
        lat=22.1500, lon=-100.9750,
    )  # fmt: skip
    italian = add_restaurant(
        service.org_id, name="Trattoria Lontana", cuisines=["Italian"], rating=4.8,
        lat=22.1500, lon=-100.8800,
    )  # fmt: skip
    add_restaurant(
        service.org_id, name="Other City Bistro", cuisines=["Italian"], rating=4.9,
        lat=18.9200, lon=-99.2300,
    )  # fmt: skip
    uid = new_uid()
    assert service.post(f"{BASE}/users/{uid}", json={}).status_code == 201
    prefs = {
        "cuisine_affinity": ["Italian"],
        "location": {"lat": 22.15, "lon": -100.98},
        "max_distance_km": 20,
    }
    resp = service.request("PATCH", f"{BASE}/users/{uid}/preferences", json=prefs)
    assert resp.status_code == 200, resp.text
    data = feed(service, uid).json()["data"]
    by_id = {r["id"]: r for r in data["restaurants"]}
    assert set(by_id) == {near, italian}  # the other city is past the user's 20 km
    assert 0.4 < by_id[near]["distance_km"] < 0.6
    assert 10 < by_id[italian]["distance_km"] < 11
    assert [r["id"] for r in data["restaurants"]] == [near, italian]
    assert by_id[near]["distance_decided"] is True and by_id[italian]["distance_decided"] is False
    assert any("for being close" in tag for tag in by_id[near]["fit_tags"])
