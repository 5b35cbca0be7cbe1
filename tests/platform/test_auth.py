"""Accounts, tokens, API keys, roles, CORS origins and rate limits."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import timedelta

import pytest
import requests

from app.models import ApiKey, CorsOrigin, User
from tests.factories import PASSWORD, add_member, count, mail_to, unique_email

ME = "/api/v1/users/me"


def test_register_creates_an_org_and_its_owner(platform):
    email = unique_email()
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "org_name": "Acme"},
    )
    assert resp.status_code == 201
    data = resp.json()["data"]
    assert data["user"]["email"] == email and data["user"]["role"] == "owner"
    assert data["user"]["org_name"] == "Acme" and data["user"]["email_verified"] is False
    assert data["tokens"]["token_type"] == "bearer" and data["tokens"]["access_token"]


@pytest.mark.both_databases
def test_registering_an_existing_email_is_a_conflict(api):
    resp = api.post("/api/v1/auth/register", json={"email": api.email, "password": PASSWORD})
    assert resp.status_code == 409 and resp.json()["code"] == "CONFLICT"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": "b@example.com", "password": PASSWORD, "role": "owner"}, "role"),
    ],
)
def test_bad_registrations_are_400_and_create_nothing(platform, body, field):
    before = count(User)
    resp = requests.post(f"{platform.base_url}/api/v1/auth/register", json=body)
    assert resp.status_code == 400
    assert resp.json()["code"] == "VALIDATION_ERROR" and field in resp.json()["errors"]
    assert count(User) == before


def test_login_accepts_the_oauth2_form_and_json(api):
    form = api.post(
        "/api/v1/auth/login", auth=False, data={"username": api.email, "password": PASSWORD}
    )
    assert form.status_code == 200
    as_json = api.post(
        "/api/v1/auth/login", auth=False, json={"email": api.email.upper(), "password": PASSWORD}
    )
    assert as_json.status_code == 200
    token = as_json.json()["data"]["access_token"]
    me = api.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert me.json()["data"]["email"] == api.email


def test_login_with_a_wrong_password_or_unknown_user_is_401(api):
    for body in (
        {"email": api.email, "password": "wrong password"},
        {"email": unique_email(), "password": PASSWORD},
    ):
        resp = api.post("/api/v1/auth/login", json=body, auth=False)
        assert resp.status_code == 401 and resp.json()["code"] == "UNAUTHORIZED"


def test_me_describes_the_signed_in_user(api):
    me = api.get(ME).json()["data"]
    assert me["id"] == api.user["id"] and me["org_id"] == api.user["org_id"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
def test_missing_or_malformed_credentials_are_401(api, header):
    headers = {"Authorization": header} if header else {}
    resp = api.get(ME, auth=False, headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {
        "status": "error",
        "data": None,
        "code": "UNAUTHORIZED",
        "message": resp.json()["message"],
    }


def test_an_expired_token_is_401(api, platform):
    from flask_jwt_extended import create_access_token

    with platform.app.app_context():
        token = create_access_token(
            identity=api.user["id"],
            expires_delta=timedelta(seconds=-5),
            additional_claims={"org": api.user["org_id"], "role": "owner"},
        )
    resp = api.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_a_token_signed_with_another_secret_is_401(api):
    import jwt

    forged = jwt.encode(
        {
            "sub": api.user["id"],
            "type": "access",
            "org": api.user["org_id"],
            "role": "owner",
            "jti": "x",
            "exp": int(time.time()) + 60,
        },
        "some-other-secret-of-enough-length-1234567890",
        algorithm="HS256",
    )
    assert api.get(ME, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_logout_revokes_the_access_and_refresh_tokens(api):
    refresh_token = api.tokens["refresh_token"]
    resp = api.post("/api/v1/auth/logout", json={"refresh_token": refresh_token})
    assert resp.status_code == 200
    assert api.get(ME).status_code == 401
    again = api.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token}, auth=False)
    assert again.status_code == 401


def test_refresh_rotates_the_refresh_token(api):
    old = api.tokens["refresh_token"]
    resp = api.post("/api/v1/auth/refresh", json={"refresh_token": old}, auth=False)
    assert resp.status_code == 200
    fresh = resp.json()["data"]
    assert api.get(ME, headers={"Authorization": f"Bearer {fresh['access_token']}"}).ok
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": old}).status_code == 401
    # An access token is not a refresh token.
    wrong = api.post("/api/v1/auth/refresh", json={"refresh_token": fresh["access_token"]})
    assert wrong.status_code == 401


def test_the_verification_mail_is_sent_by_a_worker_and_its_link_verifies(api, platform):
    msg = mail_to(platform, api.email)
    link = re.search(r"/api/v1/auth/verify/\S+", msg.get_content()).group(0)
    resp = api.get(link, auth=False)
    assert resp.status_code == 200 and resp.json()["data"]["email_verified"] is True
    assert api.get(ME).json()["data"]["email_verified"] is True
    tampered = api.get(link[:-3] + "abc", auth=False)
    assert tampered.status_code == 404 and tampered.json()["code"] == "VERIFICATION_NOT_FOUND"


# --- API keys ---------------------------------------------------------------------------------


def _create_key(client, **body):
    resp = client.post("/api/v1/api-keys", json={"name": "ci", **body})
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]


@pytest.mark.parametrize(
    "header",
    [
        lambda k: {"Authorization": f"ApiKey {k}"},
        lambda k: {"Authorization": f"Bearer {k}"},
        lambda k: {"X-API-Key": k},
        lambda k: {"X-Kairos-Key": k},
    ],
)
def test_an_api_key_works_in_every_accepted_header(api, header):
    key = _create_key(api)["key"]
    resp = api.post(
        "/api/v1/tasks", auth=False, headers=header(key), json={"kind": "platform.diagnostic"}
    )
    assert resp.status_code == 202
    me = api.get(ME, auth=False, headers=header(key)).json()["data"]
    assert me["id"] == api.user["id"]  # the key acts for the admin who created it


def test_an_api_key_is_shown_once_and_stored_hashed(api):
    created = _create_key(api, role="viewer", scopes=["service"])
    assert created["key"].startswith(f"kai_{created['prefix']}_")
    listed = api.get("/api/v1/api-keys").json()["data"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0] and listed[0]["scopes"] == ["service"]
    from app.db import session_scope

    with session_scope() as s:
        assert created["key"] not in s.get(ApiKey, created["id"]).key_hash


def test_a_revoked_api_key_stops_working(api):
    created = _create_key(api)
    assert api.delete(f"/api/v1/api-keys/{created['id']}").status_code == 200
    resp = api.get(ME, auth=False, headers={"X-API-Key": created["key"]})
    assert resp.status_code == 401


def test_a_viewer_key_cannot_submit(api):
    key = _create_key(api, role="viewer")["key"]
    resp = api.post(
        "/api/v1/tasks",
        auth=False,
        headers={"X-API-Key": key},
        json={"kind": "platform.diagnostic"},
    )
    assert resp.status_code == 403


def test_members_cannot_manage_api_keys(api):
    member = add_member(api, "member")
    assert member.get("/api/v1/api-keys").status_code == 403
    assert member.post("/api/v1/api-keys", json={"name": "x"}).status_code == 403


def test_an_admin_cannot_mint_an_owner_key(api):
    admin = add_member(api, "admin")
    resp = admin.post("/api/v1/api-keys", json={"name": "x", "role": "owner"})
    assert resp.status_code == 403


def test_another_orgs_api_key_is_not_found(api, other_api):
    created = _create_key(api)
    resp = other_api.delete(f"/api/v1/api-keys/{created['id']}")
    assert resp.status_code == 404 and resp.json()["code"] == "API_KEY_NOT_FOUND"
    assert api.get(ME, auth=False, headers={"X-API-Key": created["key"]}).status_code == 200


def test_bad_api_key_requests_are_400_and_write_nothing(api):
    before = count(ApiKey)
    for body in ({}, {"name": ""}, {"name": "x", "role": "god"}, {"name": "x", "scopes": ["*"]}):
        resp = api.post("/api/v1/api-keys", json=body)
        assert resp.status_code == 400, body
    assert count(ApiKey) == before


# --- CORS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["example.com", "https://example.com/", "https://example.com/app", "*", "ftp://example.com"],
)
def test_invalid_origins_are_refused(operator_api, origin):
    before = count(CorsOrigin)
    resp = operator_api.post("/api/v1/admin/cors-origins", json={"origin": origin})
    assert resp.status_code == 400 and "origin" in resp.json()["errors"]
    assert count(CorsOrigin) == before


def test_an_allowed_origin_gets_cors_headers_on_api_paths_only(operator_api):
    api = operator_api
    origin = f"https://{unique_email().split('@')[0]}.example.com:8443"
    preflight_headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-user-id",
    }
    assert (
        "Access-Control-Allow-Origin"
        not in api.request("OPTIONS", "/api/v1/tasks", headers=preflight_headers).headers
    )
    created = api.post("/api/v1/admin/cors-origins", json={"origin": origin})
    assert created.status_code == 201
    preflight = api.request("OPTIONS", "/api/v1/tasks", headers=preflight_headers)
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = {
        h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"x-user-id", "x-service-token", "content-type", "authorization"} <= allowed
    assert (
        "Access-Control-Allow-Origin" not in api.get("/healthz", headers={"Origin": origin}).headers
    )
    other = api.get(ME, headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers
    unlisted = api.request(
        "OPTIONS",
        "/api/v1/tasks",
        headers={**preflight_headers, "Origin": "https://evil.example.com"},
    )
    assert not [h for h in unlisted.headers if h.lower().startswith("access-control-")]
    assert api.post("/api/v1/admin/cors-origins", json={"origin": origin}).status_code == 409
    deleted = api.delete(f"/api/v1/admin/cors-origins/{created.json()['data']['id']}")
    assert deleted.status_code == 200
    after = api.request("OPTIONS", "/api/v1/tasks", headers=preflight_headers)
    assert "Access-Control-Allow-Origin" not in after.headers


def test_every_cors_change_is_audited_with_who_and_what(operator_api):
    origin = f"https://{unique_email().split('@')[0]}.example.org"
    created = operator_api.post("/api/v1/admin/cors-origins", json={"origin": origin})
    origin_id = created.json()["data"]["id"]
    operator_api.delete(f"/api/v1/admin/cors-origins/{origin_id}")
    events = operator_api.get("/api/v1/audit", params={"target_type": "cors_origin"}).json()
    moves = [(e["action"], e["target_id"], e["before"], e["after"]) for e in events["data"]]
    assert moves == [
        ("cors_origin.removed", origin_id, {"origin": origin}, None),
        ("cors_origin.added", origin_id, None, {"origin": origin}),
    ]
    assert {e["actor"] for e in events["data"]} == {f"user:{operator_api.user['id']}"}


def test_another_orgs_admin_cannot_change_the_installations_origins(operator_api, other_api):
    kept = f"https://{unique_email().split('@')[0]}.example.com"
    row = operator_api.post("/api/v1/admin/cors-origins", json={"origin": kept}).json()["data"]
    before = count(CorsOrigin)
    # A self-registered owner is an admin of their own org, and nothing more.
    added = other_api.post("/api/v1/admin/cors-origins", json={"origin": "https://mine.example"})
    assert added.status_code == 403 and added.json()["code"] == "FORBIDDEN"
    removed = other_api.delete(f"/api/v1/admin/cors-origins/{row['id']}")
    assert removed.status_code == 403
    assert count(CorsOrigin) == before
    preflight = other_api.request(
        "OPTIONS", "/api/v1/tasks", headers={"Origin": kept, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == kept
    assert (
        other_api.get("/api/v1/audit", params={"target_type": "cors_origin"}).json()["data"] == []
    )
    operator_api.delete(f"/api/v1/admin/cors-origins/{row['id']}")


def test_only_admins_edit_cors_origins(operator_api):
    member = add_member(operator_api, "member")
    resp = member.post("/api/v1/admin/cors-origins", json={"origin": "https://a.example.com"})
    assert resp.status_code == 403


# --- rate limits and errors ------------------------------------------------------------------


def test_login_is_rate_limited_with_a_429_envelope(api, platform):
    from app.config import configure, get_settings
    from app.platform.limits import limiter

    settings = get_settings()
    configure(dataclasses.replace(settings, auth_rate_limit="3/minute"))
    with platform.app.app_context():
        limiter.reset()
    try:
        codes = [
            api.post(
                "/api/v1/auth/login", auth=False, json={"email": api.email, "password": "nope-nope"}
            ).status_code
            for _ in range(5)
        ]
        limited = api.post(
            "/api/v1/auth/login", auth=False, json={"email": api.email, "password": PASSWORD}
        )
    finally:
        configure(settings)
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    assert limited.status_code == 429
    assert limited.json()["code"] == "RATE_LIMITED"
    assert "Retry-After" in limited.headers


def test_an_unexpected_error_is_a_500_envelope_without_a_stack_trace(platform):
    from app.web_app import create_app

    app = create_app(platform.settings)

    @app.route("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    resp = app.test_client().get("/api/v1/_boom")
    assert resp.status_code == 500
    assert resp.json == {
        "status": "error",
        "data": None,
        "code": "INTERNAL_ERROR",
        "message": "Internal server error",
    }
    assert b"Traceback" not in resp.data and b"secret" not in resp.data


def test_the_openapi_document_describes_the_envelope(platform):
    spec = requests.get(f"{platform.base_url}/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    post = spec["paths"]["/api/v1/tasks"]["post"]
    ref = post["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
    envelope = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(envelope["properties"]) == {"status", "data", "message", "meta"}
    assert "ErrorEnvelope" in spec["components"]["schemas"]
    assert requests.get(f"{platform.base_url}/api/docs").status_code == 200


def test_local_mode_without_auth_acts_as_the_local_owner(platform):
    from app.config import configure, get_settings

    settings = get_settings()
    assert settings.bind_is_loopback  # "none" is refused on any other bind
    configure(dataclasses.replace(settings, auth="none"))
    try:
        me = requests.get(f"{platform.base_url}{ME}")
        task = requests.post(
            f"{platform.base_url}/api/v1/tasks", json={"kind": "platform.diagnostic"}
        )
    finally:
        configure(settings)
    assert me.status_code == 200 and me.json()["data"]["role"] == "owner"
    assert task.status_code == 202
    assert requests.get(f"{platform.base_url}{ME}").status_code == 401  # back to tokens
