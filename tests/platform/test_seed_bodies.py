"""The seeds' bodies and paging, as their users send them: seed 001's `full_name` and seed
003's `username` name the user at registration, and a seed 001 list call pages 50 rows."""

from __future__ import annotations

import pytest
import requests

from app.db import session_scope
from app.models.recruiting import Job
from tests.factories import unique_email

R = "/api/v1/recruiting"


@pytest.mark.parametrize(
    ("spelling", "body"),
    [
        ("seed 001", {"full_name": "Founder Person", "org_name": "My Recruiting Co"}),
        ("seed 003", {"username": "gokul"}),
        ("platform", {"name": "Ada", "full_name": "ignored", "username": "ignored"}),
    ],
)
def test_register_takes_the_seeds_spellings_of_the_display_name(platform, spelling, body):
    email = unique_email()
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/register",
        json={"email": email, "password": "supersecret", **body},
        timeout=30,
    )
    assert resp.status_code == 201, (spelling, resp.text)
    expected = body.get("name") or body.get("full_name") or body.get("username")
    assert resp.json()["data"]["user"]["name"] == expected
    token = resp.json()["data"]["tokens"]["access_token"]
    me = requests.get(
        f"{platform.base_url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert me.json()["data"]["name"] == expected


def test_a_seed_name_too_long_is_400_and_registers_nobody(platform):
    email = unique_email()
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/register",
        json={"email": email, "password": "supersecret", "username": "u" * 151},
        timeout=30,
    )
    assert resp.status_code == 400 and "username" in resp.json()["errors"]
    login = requests.post(
        f"{platform.base_url}/api/v1/auth/login",
        json={"email": email, "password": "supersecret"},
        timeout=30,
    )
    assert login.status_code == 401


@pytest.fixture
def sixty_jobs(api):
    with session_scope() as s:
        s.add_all(
            Job(org_id=api.user["org_id"], title=f"Job {n:02d}", status="open") for n in range(60)
        )
    return api


@pytest.mark.parametrize(
    ("params", "size", "page_size"),
    [
        ({}, 20, 20),  # the platform's paging
        ({"page_size": 30}, 30, 30),
        ({"skip": 0}, 50, 50),  # a seed parameter: the seed's 50
        ({"status_filter": "open"}, 50, 50),
        ({"skip": 55}, 5, 50),
        ({"limit": 7}, 7, 7),
        ({"status_filter": "open", "page_size": 10}, 10, 10),  # platform paging asked for
    ],
)
def test_a_seed_parameter_pages_as_the_seed_does(sixty_jobs, params, size, page_size):
    body = sixty_jobs.get(f"{R}/jobs", params=params).json()
    assert len(body["data"]) == size
    assert body["meta"]["page_size"] == page_size and body["meta"]["total"] == 60


def test_seed_paging_is_bounded_like_the_seeds(sixty_jobs):
    resp = sixty_jobs.get(f"{R}/jobs", params={"limit": 101})
    assert resp.status_code == 400 and "limit" in resp.json()["errors"]
    resp = sixty_jobs.get(f"{R}/jobs", params={"skip": -1})
    assert resp.status_code == 400 and "skip" in resp.json()["errors"]
