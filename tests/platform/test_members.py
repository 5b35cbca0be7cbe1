"""Teams: invitations, members, roles, org switching, and what removal does to credentials."""

from __future__ import annotations

import re

import pytest
import requests

from app.models import AuditEvent, Invitation
from tests.factories import PASSWORD, Client, add_member, count, mail_to, register, unique_email

MEMBERS = "/api/v1/members"
INVITES = "/api/v1/members/invitations"
ME = "/api/v1/users/me"


def _invite(admin: Client, email: str, role: str = "member") -> str:
    """Invite ``email`` and return the token from the mail the worker delivered."""
    resp = admin.post(INVITES, json={"email": email, "role": role})
    assert resp.status_code == 201, resp.text
    msg = mail_to(admin.platform, email, subject="Join")
    return re.search(r"/invite/(\S+)", msg.get_content()).group(1)


def _accept(platform, token: str, password: str = PASSWORD, **body):
    return requests.post(
        f"{platform.base_url}/api/v1/invitations/{token}/accept",
        json={"password": password, **body},
        timeout=30,
    )


def _joined(platform, token: str, **body) -> Client:
    resp = _accept(platform, token, **body)
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    return Client(
        platform, data["tokens"]["access_token"], user=data["user"], tokens=data["tokens"]
    )


def _login(platform, email: str, **extra):
    return requests.post(
        f"{platform.base_url}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD, **extra},
        timeout=30,
    )


def _member_role(client: Client, user_id: str) -> str | None:
    members = client.get(MEMBERS).json()["data"]
    return next((m["role"] for m in members if m["user_id"] == user_id), None)


# --- inviting and joining ---------------------------------------------------------------------


def test_an_invitee_without_an_account_registers_through_the_mailed_link(api, platform):
    email = unique_email()
    token = _invite(api, email, role="viewer")
    preview = requests.get(f"{platform.base_url}/api/v1/invitations/{token}", timeout=30)
    assert preview.status_code == 200
    assert preview.json()["data"] | {"expires_at": None} == {
        "org_name": api.user["org_name"],
        "email": email,
        "role": "viewer",
        "expires_at": None,
        "account_exists": False,
    }
    joined = _joined(platform, token, name="New Person")
    assert joined.user["org_id"] == api.user["org_id"] and joined.user["role"] == "viewer"
    assert _member_role(api, joined.user["id"]) == "viewer"


def test_an_existing_user_joins_with_their_password_and_keeps_both_orgs(api, other_api, platform):
    token = _invite(api, other_api.email, role="member")
    assert _accept(platform, token, password="not the password").status_code == 401
    joined = _joined(platform, token)  # the failed attempt did not use the invitation up
    assert joined.user["org_id"] == api.user["org_id"]
    orgs = {o["org_id"]: o["role"] for o in joined.get(ME).json()["data"]["orgs"]}
    assert orgs == {other_api.user["org_id"]: "owner", api.user["org_id"]: "member"}


@pytest.mark.both_databases
def test_an_invitation_is_single_use(api, platform):
    token = _invite(api, unique_email())
    _joined(platform, token)
    again = _accept(platform, token)
    assert again.status_code == 410 and again.json()["code"] == "INVITATION_USED"


def test_an_expired_invitation_is_refused(api, platform):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from app.db import session_scope

    email = unique_email()
    token = _invite(api, email)
    with session_scope() as s:
        s.execute(
            update(Invitation)
            .where(Invitation.email == email)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    resp = _accept(platform, token)
    assert resp.status_code == 410 and resp.json()["code"] == "INVITATION_EXPIRED"


def test_a_revoked_or_unknown_invitation_is_not_found(api, platform):
    token = _invite(api, unique_email())
    pending = api.get(INVITES).json()["data"]
    assert api.delete(f"{INVITES}/{pending[0]['id']}").status_code == 200
    assert _accept(platform, token).status_code == 404
    assert _accept(platform, "x" * 43).status_code == 404


def test_nobody_invites_above_their_own_role(api, platform):
    admin = add_member(api, "admin")
    resp = admin.post(INVITES, json={"email": unique_email(), "role": "owner"})
    assert resp.status_code == 403
    assert admin.post(INVITES, json={"email": unique_email(), "role": "admin"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@example.com", "role": "emperor"}, "role"),
        ({"email": "a@example.com", "colour": "blue"}, "colour"),
    ],
)
def test_bad_invitations_are_400_and_write_nothing(api, body, field):
    before = count(Invitation)
    resp = api.post(INVITES, json=body)
    assert resp.status_code == 400 and field in resp.json()["errors"]
    assert count(Invitation) == before


@pytest.mark.both_databases
def test_inviting_a_member_again_is_a_conflict(api):
    member = add_member(api, "member")
    resp = api.post(INVITES, json={"email": member.email})
    assert resp.status_code == 409 and resp.json()["code"] == "CONFLICT"


def test_members_and_viewers_cannot_invite_or_list(api):
    for role in ("member", "viewer"):
        client = add_member(api, role)
        assert client.post(INVITES, json={"email": unique_email()}).status_code == 403
        assert client.get(MEMBERS).status_code == 403


# --- roles --------------------------------------------------------------------------------------


def test_an_admin_changes_roles_and_the_change_applies_to_existing_tokens(api):
    member = add_member(api, "member")
    member_id = member.get(ME).json()["data"]["id"]
    assert (
        member.post("/api/v1/members/invitations", json={"email": unique_email()}).status_code
        == 403
    )
    resp = api.request("PATCH", f"{MEMBERS}/{member_id}", json={"role": "admin"})
    assert resp.status_code == 200 and resp.json()["data"]["role"] == "admin"
    # Same token as before: the membership is read on every request.
    assert member.get(MEMBERS).status_code == 200
    assert member.get(ME).json()["data"]["role"] == "admin"


def test_role_changes_are_audited(api):
    member = add_member(api, "viewer")
    member_id = member.get(ME).json()["data"]["id"]
    api.request("PATCH", f"{MEMBERS}/{member_id}", json={"role": "member"})
    events = api.get("/api/v1/audit", params={"action": "member.role_changed"}).json()["data"]
    assert events[0]["target_id"] == member_id
    assert events[0]["before"] == {"role": "viewer"} and events[0]["after"] == {"role": "member"}
    assert events[0]["actor"] == f"user:{api.user['id']}"


def test_an_admin_cannot_touch_an_owner_or_promote_above_admin(api):
    admin = add_member(api, "admin")
    member = add_member(api, "member")
    member_id = member.get(ME).json()["data"]["id"]
    assert (
        admin.request("PATCH", f"{MEMBERS}/{api.user['id']}", json={"role": "member"}).status_code
        == 403
    )
    assert admin.delete(f"{MEMBERS}/{api.user['id']}").status_code == 403
    assert (
        admin.request("PATCH", f"{MEMBERS}/{member_id}", json={"role": "owner"}).status_code == 403
    )
    assert _member_role(api, member_id) == "member"


@pytest.mark.both_databases
def test_the_last_owner_can_neither_be_demoted_nor_removed(api):
    resp = api.request("PATCH", f"{MEMBERS}/{api.user['id']}", json={"role": "admin"})
    assert resp.status_code == 409 and resp.json()["code"] == "CONFLICT"
    assert api.delete(f"{MEMBERS}/{api.user['id']}").status_code == 409
    second = add_member(api, "member")
    second_id = second.get(ME).json()["data"]["id"]
    api.request("PATCH", f"{MEMBERS}/{second_id}", json={"role": "owner"})
    assert (
        api.request("PATCH", f"{MEMBERS}/{api.user['id']}", json={"role": "admin"}).status_code
        == 200
    )


def test_a_viewer_cannot_write_anything(api):
    viewer = add_member(api, "viewer")
    assert viewer.post("/api/v1/tasks", json={"kind": "platform.diagnostic"}).status_code == 403
    assert viewer.post("/api/v1/api-keys", json={"name": "x"}).status_code == 403
    assert viewer.request("PATCH", "/api/v1/config", json={"log_level": "DEBUG"}).status_code == 403
    assert viewer.get("/api/v1/tasks").status_code == 200


# --- removal ------------------------------------------------------------------------------------


def test_a_removed_members_tokens_and_keys_stop_working_at_once(api):
    admin = add_member(api, "admin")
    admin_id = admin.get(ME).json()["data"]["id"]
    key = admin.post("/api/v1/api-keys", json={"name": "theirs"}).json()["data"]["key"]
    assert api.get("/api/v1/tasks", headers={"X-API-Key": key}, auth=False).status_code == 200

    assert api.delete(f"{MEMBERS}/{admin_id}").status_code == 204
    assert admin.get("/api/v1/tasks").status_code == 401
    assert api.get("/api/v1/tasks", headers={"X-API-Key": key}, auth=False).status_code == 401
    assert _member_role(api, admin_id) is None
    revoked = api.get("/api/v1/api-keys").json()["data"]
    assert all(k["revoked_at"] for k in revoked if k["name"] == "theirs")
    # Their login no longer reaches this org.
    assert _login(api.platform, admin.email).status_code == 401


def test_a_removed_members_refresh_token_is_refused(api, platform):
    token = _invite(api, unique_email())
    joined = _joined(platform, token)
    api.delete(f"{MEMBERS}/{joined.user['id']}")
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/refresh",
        json={"refresh_token": joined.tokens["refresh_token"]},
        timeout=30,
    )
    assert resp.status_code == 401


def test_a_member_may_leave(api):
    member = add_member(api, "member")
    member_id = member.get(ME).json()["data"]["id"]
    assert member.delete(f"{MEMBERS}/{member_id}").status_code == 204
    assert member.get(ME).status_code == 401


def test_another_orgs_members_are_not_found(api, other_api):
    for method, body in (("PATCH", {"role": "viewer"}), ("DELETE", None)):
        resp = api.request(method, f"{MEMBERS}/{other_api.user['id']}", json=body)
        assert resp.status_code == 404 and resp.json()["code"] == "MEMBER_NOT_FOUND"
    other_api.post(INVITES, json={"email": unique_email()})
    theirs = other_api.get(INVITES).json()["data"][0]["id"]
    assert api.delete(f"{INVITES}/{theirs}").status_code == 404
    assert _member_role(other_api, other_api.user["id"]) == "owner"


def test_removal_is_audited_with_the_revoked_keys(api):
    admin = add_member(api, "admin")
    admin_id = admin.get(ME).json()["data"]["id"]
    key_id = admin.post("/api/v1/api-keys", json={"name": "k"}).json()["data"]["id"]
    before = count(AuditEvent)
    api.delete(f"{MEMBERS}/{admin_id}")
    assert count(AuditEvent) == before + 1
    event = api.get("/api/v1/audit", params={"action": "member.removed"}).json()["data"][0]
    assert event["target_id"] == admin_id and event["after"] == {"revoked_api_keys": [key_id]}


# --- several orgs -------------------------------------------------------------------------------


def test_a_user_in_two_orgs_chooses_at_login_and_switches(api, platform):
    second = register(platform)
    token = _invite(second, api.email, role="viewer")
    _joined(platform, token)

    chosen = _login(platform, api.email, org_id=second.user["org_id"])
    assert chosen.status_code == 200 and chosen.json()["data"]["org_id"] == second.user["org_id"]
    as_viewer = Client(platform, chosen.json()["data"]["access_token"])
    assert as_viewer.get(ME).json()["data"]["role"] == "viewer"
    assert as_viewer.post("/api/v1/tasks", json={"kind": "platform.diagnostic"}).status_code == 403

    switched = as_viewer.post("/api/v1/auth/switch-org", json={"org_id": api.user["org_id"]})
    assert switched.status_code == 200
    as_owner = Client(platform, switched.json()["data"]["access_token"])
    assert as_owner.get(ME).json()["data"]["role"] == "owner"
    # Tasks are org-scoped: each token sees its own org's tasks only.
    task = as_owner.submit(steps=1)
    assert as_viewer.get(f"/api/v1/tasks/{task['id']}").status_code == 404


def test_switching_to_an_org_you_do_not_belong_to_is_refused(api, other_api):
    resp = api.post("/api/v1/auth/switch-org", json={"org_id": other_api.user["org_id"]})
    assert resp.status_code == 403
    assert _login(api.platform, api.email, org_id=other_api.user["org_id"]).status_code == 403
