"""Dining test fixtures: the org's backend (a service key), platform users, profile helpers."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import Client
from tests.llm_server import LLMServer


def new_uid() -> str:
    return str(uuid.uuid4())


def make_key(owner: Client, scopes=("service",), role: str = "member") -> Client:
    """An API key of the owner's org, as a signed-in client (``Authorization: Bearer kai_…``)."""
    resp = owner.post(
        "/api/v1/api-keys", json={"name": "backend", "role": role, "scopes": list(scopes)}
    )
    assert resp.status_code == 201, resp.text
    return Client(owner.platform, resp.json()["data"]["key"], org_id=owner.user["org_id"])


@pytest.fixture
def service(api):
    """The org's own backend: an API key with the service scope."""
    return make_key(api)


@pytest.fixture
def other_service(other_api):
    """Another org's backend."""
    return make_key(other_api)


@pytest.fixture
def profile(service):
    """A fresh dining profile created by the backend; returns its uid."""
    uid = new_uid()
    assert service.post(f"/api/v1/dining/users/{uid}", json={}).status_code == 201
    return uid


@pytest.fixture
def llm_server():
    with LLMServer() as server:
        yield server


def add_restaurant(org_id: str, **fields) -> str:
    """A catalog row written directly (the import has its own tests); returns its id."""
    from app.db import session_scope
    from app.models.dining import Restaurant

    fields.setdefault("external_id", f"ext-{uuid.uuid4().hex[:8]}")
    fields.setdefault("name", "Test Kitchen")
    with session_scope() as s:
        row = Restaurant(org_id=org_id, **fields)
        s.add(row)
        s.flush()
        return row.id
