"""A viewer reads and never writes: every write route of every workload refuses a viewer
with 403 before it looks at the body or the record."""

from __future__ import annotations

import re

import pytest

from tests.factories import add_member

WRITES = ("POST", "PUT", "PATCH", "DELETE")

INVITATION_ACCEPT = "/api/v1/invitations/<string(minlength=16, maxlength=128):token>/accept"
# Routes a viewer may call, and why.
ALLOWED = {
    "/api/v1/auth/login": "signing in writes nothing of the org",
    "/api/v1/auth/register": "creates a new org, of which the caller is the owner",
    "/api/v1/auth/refresh": "a viewer's own session",
    "/api/v1/auth/logout": "a viewer's own session",
    "/api/v1/auth/switch-org": "a viewer's own session",
    "/api/v1/auth/resend-verification": "anyone may ask for a new link to an address "
    "(the answer is the same for every address; it writes nothing of the org)",
    INVITATION_ACCEPT: "the holder of the link joins",
    "/api/v1/members/<user_id>": "DELETE of oneself is leaving the org (PATCH is checked below)",
    "/api/v1/dining/chat": "a person's own dining conversation (dining's access rule)",
    "/api/v1/dining/users/<uid>": "a person's own dining profile (dining's access rule)",
    "/api/v1/dining/users/<uid>/allergies": "a person's own dining profile",
    "/api/v1/dining/users/<uid>/preferences": "a person's own dining profile",
    "/api/v1/dining/users/<uid>/interactions": "a person's own dining profile",
    "/api/v1/recruiting/matching/candidates_for_job": "a ranking is a read (the task row and "
    "match log only record who asked)",
    "/api/v1/recruiting/matching/jobs_for_candidate": "a ranking is a read (the task row and "
    "match log only record who asked)",
}


def _write_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(set(rule.methods) & set(WRITES)):
            if rule.rule in ALLOWED and not (
                rule.rule == "/api/v1/members/<user_id>" and method == "PATCH"
            ):
                continue
            routes.append((method, rule.rule))
    return sorted(routes)


def _path(rule: str) -> str:
    # Any id: the role check comes before the record is looked up.
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule)


def test_every_write_route_refuses_a_viewer(api, platform):
    viewer = add_member(api, "viewer")
    refused, allowed = [], []
    for method, rule in _write_routes(platform.app):
        resp = viewer.request(method, _path(rule), json={})
        (refused if resp.status_code == 403 else allowed).append((method, rule, resp.status_code))
    assert allowed == [], allowed
    assert len(refused) > 40  # the list above is real, not empty


@pytest.mark.parametrize("reason", sorted(set(ALLOWED.values())))
def test_every_exception_has_a_reason(reason):
    assert len(reason) > 10
