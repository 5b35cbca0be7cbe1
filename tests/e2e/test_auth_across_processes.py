"""Auth answers are kept per web process for at most a second, and dropped in every process
when a membership changes: a member removed through one `kairos web` is refused by another
on their next request."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy.orm import Session

from app.platform.auth_cache import TTL
from tests.e2e.stack import Stack, free_port
from tests.factories import PASSWORD, unique_email

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_auth_across_processes")]


@pytest.fixture(scope="module")
def two_webs(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("two-webs"))
    other = f"http://127.0.0.1:{free_port()}"
    try:
        stack.run("db", "upgrade")
        stack.start("web-a", "web")
        stack.start("web-b", "web", env={"KAIROS_BIND": other.removeprefix("http://")})
        stack.wait_ready(path="/api/v1/health")  # no worker runs: nothing to be ready for
        stack.wait_ready(base_url=other, path="/api/v1/health")
        yield stack, stack.base_url, other
    finally:
        stack.stop()


def _call(base: str, method: str, path: str, token: str, **kwargs):
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, base + path, headers=headers, timeout=30, **kwargs)


def _owner_and_member(stack, base: str) -> tuple[str, str, str]:
    """(owner token, member token, member id): the member is added to the owner's org in the
    stack's database, as an accepted invitation would."""
    from app.db import make_engine
    from app.models import Membership, User
    from app.platform.auth import hash_password

    body = {"email": unique_email(), "password": PASSWORD, "name": "Owner"}
    owner = requests.post(base + "/api/v1/auth/register", json=body, timeout=30).json()["data"]
    org_id = owner["user"]["org_id"]
    email = unique_email()
    engine = make_engine(stack.env["KAIROS_DATABASE_URL"])
    try:
        with Session(engine) as s, s.begin():
            user = User(org_id=org_id, email=email, password_hash=hash_password(PASSWORD))
            s.add(user)
            s.flush()
            s.add(Membership(org_id=org_id, user_id=user.id, role="member"))
            member_id = user.id
    finally:
        engine.dispose()
    login = requests.post(
        base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    return owner["tokens"]["access_token"], login.json()["data"]["access_token"], member_id


def test_a_member_removed_through_one_process_is_refused_by_the_other(two_webs):
    stack, a, b = two_webs
    owner, member, member_id = _owner_and_member(stack, a)
    # Both processes have answered for this member, and may keep the answer.
    for base in (a, b, a, b):
        assert _call(base, "GET", "/api/v1/tasks", member).status_code == 200

    removed = _call(a, "DELETE", f"/api/v1/members/{member_id}", owner)
    assert removed.status_code == 204
    # An answer is kept at most TTL seconds (the broadcast drops it sooner): once that has
    # passed, however loaded the machine, the other process must refuse. No clock is read.
    time.sleep(TTL)
    refused = _call(b, "GET", "/api/v1/tasks", member)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "UNAUTHORIZED"
    assert _call(a, "GET", "/api/v1/tasks", member).status_code == 401


def test_a_signed_out_token_is_refused_by_the_other_process(two_webs):
    stack, a, b = two_webs
    _owner, member, _member_id = _owner_and_member(stack, a)
    assert _call(b, "GET", "/api/v1/tasks", member).status_code == 200
    assert _call(a, "POST", "/api/v1/auth/logout", member, json={}).status_code in (200, 204)
    time.sleep(TTL)
    refused = _call(b, "GET", "/api/v1/tasks", member)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "UNAUTHORIZED"
