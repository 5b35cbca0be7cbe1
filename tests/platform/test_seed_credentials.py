"""Seed 003's credentials: its backend's `X-Service-Token` (here an API key with the service
scope), and, once the server really delivers mail, no sign-in before the address is verified,
with a way to ask for a new link."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
import requests

from app.config import configure, get_settings
from tests.factories import PASSWORD, unique_email
from tests.smtp_server import SmtpServer

pytest.importorskip("aiosmtpd")

DINING = "/api/v1/dining/users"


def _key(api, scopes) -> str:
    resp = api.post(
        "/api/v1/api-keys", json={"name": "backend", "role": "member", "scopes": scopes}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]["key"]


def test_x_service_token_is_a_service_key_as_seed_003_sends_it(platform, api, other_api):
    token = _key(api, ["service"])
    uid = "550e8400-e29b-41d4-a716-446655440000"
    headers = {"X-Service-Token": token}
    created = requests.post(
        f"{platform.base_url}{DINING}/{uid}", json={}, headers=headers, timeout=30
    )
    assert created.status_code == 201, created.text
    got = requests.get(f"{platform.base_url}{DINING}/{uid}", headers=headers, timeout=30)
    assert got.status_code == 200 and got.json()["data"]["uid"] == uid
    # Another org's service key does not see this org's user.
    theirs = {"X-Service-Token": _key(other_api, ["service"])}
    assert (
        requests.get(f"{platform.base_url}{DINING}/{uid}", headers=theirs, timeout=30).status_code
        == 404
    )


@pytest.mark.parametrize("which", ["tasks key", "user token", "nonsense"])
def test_x_service_token_takes_nothing_but_a_service_key(platform, api, which):
    value = {
        "tasks key": lambda: _key(api, ["tasks"]),
        "user token": lambda: api.token,
        "nonsense": lambda: "your-strong-random-service-token-here",
    }[which]()
    resp = requests.get(
        f"{platform.base_url}/api/v1/users/me", headers={"X-Service-Token": value}, timeout=30
    )
    assert resp.status_code == 401 and resp.json()["code"] == "UNAUTHORIZED"


@pytest.fixture
def real_mail(platform):
    with SmtpServer() as server:
        before = get_settings()
        configure(dataclasses.replace(before, smtp_url=server.url, public_url=platform.base_url))
        try:
            yield server
        finally:
            configure(before)


def _verify_mails(server, email: str, wanted: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = [
            m for m in server.received if email in m.rcpt_tos and "Verify" in m.message["Subject"]
        ]
        if len(mails) >= wanted:
            return mails
        time.sleep(0.1)
    raise AssertionError(f"{wanted} verification mails to {email} never arrived")


def _login(platform, email):
    return requests.post(
        f"{platform.base_url}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=30,
    )


def test_with_real_mail_an_unverified_address_cannot_sign_in_until_verified(platform, real_mail):
    email = unique_email()
    registered = requests.post(
        f"{platform.base_url}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "username": "gokul"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    refused = _login(platform, email)
    assert refused.status_code == 403 and refused.json()["code"] == "EMAIL_NOT_VERIFIED"
    form = requests.post(
        f"{platform.base_url}/api/v1/auth/login",
        data={"username": email, "password": PASSWORD},
        timeout=30,
    )
    assert form.status_code == 403 and form.json()["code"] == "EMAIL_NOT_VERIFIED"
    # A wrong password is still just wrong: the 403 never tells a stranger the address exists.
    wrong = requests.post(
        f"{platform.base_url}/api/v1/auth/login",
        json={"email": email, "password": "not the password"},
        timeout=30,
    )
    assert wrong.status_code == 401

    first = real_mail.wait_for(email, "Verify")
    resent = requests.post(
        f"{platform.base_url}/api/v1/auth/resend-verification", json={"email": email}, timeout=30
    )
    assert resent.status_code == 202, resent.text
    links = _verify_mails(real_mail, email, 2)
    assert links[0] is first
    link = re.search(r"https?://\S+/api/v1/auth/verify/\S+", links[1].message.get_content())
    assert requests.get(link.group(0), timeout=30).status_code == 200
    assert _login(platform, email).status_code == 200


def test_resend_answers_alike_for_any_address_and_sends_only_to_unverified_accounts(
    platform, real_mail
):
    stranger = unique_email()
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/resend-verification", json={"email": stranger}, timeout=30
    )
    assert resp.status_code == 202 and resp.json()["data"] == {"email": stranger}
    bad = requests.post(
        f"{platform.base_url}/api/v1/auth/resend-verification", json={"email": "nope"}, timeout=30
    )
    assert bad.status_code == 400 and "email" in bad.json()["errors"]
    with pytest.raises(AssertionError):
        real_mail.wait_for(stranger, timeout=1)


def test_without_a_mail_transport_unverified_users_sign_in(platform, api):
    # The development file sink delivers to nobody: refusing them would lock everyone out.
    assert _login(platform, api.email).status_code == 200
