"""Helpers for the ATS and matching tests: create records over the real API."""

from __future__ import annotations

R = "/api/v1/recruiting"


def patch(client, path: str, **kw):
    return client.request("PATCH", path, **kw)


def created(resp) -> dict:
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]


def make_job(client, **fields) -> dict:
    return created(client.post(f"{R}/jobs", json={"title": "Backend Engineer", **fields}))


def make_candidate(client, **fields) -> dict:
    return created(client.post(f"{R}/candidates", json={"full_name": "Jane Doe", **fields}))


def make_application(client, job_id: int, candidate_id: int, **fields) -> dict:
    body = {"job_id": job_id, "candidate_id": candidate_id, **fields}
    return created(client.post(f"{R}/applications", json=body))


def error_of(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()
