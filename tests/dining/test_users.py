"""Dining profiles: who may act on them, idempotent create, the profile shape, delete."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models.dining import DiningUser, Feed, Interaction
from tests.dining.conftest import add_restaurant, make_key, new_uid

BASE = "/api/v1/dining/users"


def _count(model, **where) -> int:
    with session_scope() as s:
        stmt = select(func.count()).select_from(model)
        for field, value in where.items():
            stmt = stmt.where(getattr(model, field) == value)
        return s.scalar(stmt)


@pytest.mark.both_databases
def test_the_backend_creates_a_profile_once_then_finds_it(service):
    uid = new_uid()
    first = service.post(f"{BASE}/{uid}", json={"email": "diner@example.com"})
    assert first.status_code == 201
    assert first.json()["data"] == {"uid": uid, "created": True}
    again = service.post(f"{BASE}/{uid}", json={})
    assert again.status_code == 200
    assert again.json()["data"] == {"uid": uid, "created": False}
    assert _count(DiningUser, uid=uid) == 1


def test_the_profile_has_the_seed_shape(service, profile):
    data = service.get(f"{BASE}/{profile}").json()["data"]
    assert data["uid"] == profile
    assert data["preferences"] == {}
    assert data["allergies"]["confirmed"] == [] and data["allergies"]["severity"] == {}
    assert data["allergy_flags"] == [] and data["dietary_flags"] == []
    assert data["interaction_count"] == 0 and data["last_active_at"] is None


def test_uids_are_canonical_uuids_and_anything_else_is_a_400(service):
    uid = new_uid()
    assert service.post(f"{BASE}/{uid.upper()}", json={}).json()["data"]["uid"] == uid
    resp = service.post(f"{BASE}/not-a-uuid", json={})
    assert resp.status_code == 400
    assert "uid" in resp.json()["errors"]
    assert _count(DiningUser, uid="not-a-uuid") == 0


def test_a_signed_in_user_acts_on_their_own_profile_only(api, profile):
    own = api.user["id"]
    assert api.post(f"{BASE}/{own}", json={}).status_code == 201
    assert api.get(f"{BASE}/{own}").json()["data"]["uid"] == own
    resp = api.get(f"{BASE}/{profile}")
    assert resp.status_code == 403
    assert resp.json()["code"] == "FORBIDDEN"


def test_x_user_id_is_trusted_beside_a_service_key_only(api, service, profile):
    # Alone it authenticates nothing.
    resp = api.get(f"{BASE}/{profile}", auth=False, headers={"X-User-ID": profile})
    assert resp.status_code == 401
    # Beside a user's own token it cannot switch identity.
    resp = api.get(f"{BASE}/{profile}", headers={"X-User-ID": profile})
    assert resp.status_code == 403
    # Beside a service key it names the acting user, who must match the path.
    assert service.get(f"{BASE}/{profile}", headers={"X-User-ID": profile}).status_code == 200
    resp = service.get(f"{BASE}/{profile}", headers={"X-User-ID": new_uid()})
    assert resp.status_code == 403
    resp = service.get(f"{BASE}/{profile}", headers={"X-User-ID": "nope"})
    assert resp.status_code == 400
    assert "X-User-ID" in resp.json()["errors"]


def test_an_api_key_without_the_service_scope_is_refused(api, profile):
    plain = make_key(api, scopes=())
    resp = plain.get(f"{BASE}/{profile}")
    assert resp.status_code == 403


def test_another_orgs_profiles_do_not_exist_for_you(other_service, profile):
    assert other_service.get(f"{BASE}/{profile}").status_code == 404
    assert other_service.delete(f"{BASE}/{profile}").status_code == 404
    # Creating the same uid there makes a separate profile; ours is untouched.
    assert other_service.post(f"{BASE}/{profile}", json={}).status_code == 201
    assert _count(DiningUser, uid=profile) == 2


def test_bad_create_input_is_refused_with_the_field_named(service):
    uid = new_uid()
    resp = service.post(f"{BASE}/{uid}", json={"email": "not an email"})
    assert resp.status_code == 400 and "email" in resp.json()["errors"]
    resp = service.post(f"{BASE}/{uid}", json={"nickname": "x"})
    assert resp.status_code == 400 and "nickname" in resp.json()["errors"]
    assert _count(DiningUser, uid=uid) == 0


def test_delete_cascades_to_interactions_and_feeds_then_is_a_404(api, service, profile):
    restaurant = add_restaurant(api.user["org_id"], name="Casa")
    resp = service.post(
        f"{BASE}/{profile}/interactions", json={"restaurant_id": restaurant, "kind": "liked"}
    )
    assert resp.status_code == 201
    with session_scope() as s:
        user = s.scalar(select(DiningUser).where(DiningUser.uid == profile))
        s.add(Feed(user_id=user.id, feed_date=date.today(), items=[], meta={},
                   generated_at=datetime.now(UTC)))  # fmt: skip
        user_id = user.id
    assert _count(Interaction, user_id=user_id) == 1 and _count(Feed, user_id=user_id) == 1

    assert service.delete(f"{BASE}/{profile}").status_code == 204
    assert _count(DiningUser, uid=profile) == 0
    assert _count(Interaction, user_id=user_id) == 0
    assert _count(Feed, user_id=user_id) == 0
    resp = service.delete(f"{BASE}/{profile}")
    assert resp.status_code == 404 and resp.json()["code"] == "USER_NOT_FOUND"
