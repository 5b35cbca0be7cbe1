"""The blob store: the database backend on both databases, the S3 backend against a local
S3-compatible server (moto's server mode), and uploads going through it end to end."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.config import configure, get_settings
from app.db import session_scope
from app.models import Blob, Task
from app.platform import blobs

# Both databases: binary columns and expiry deletes.
pytestmark = pytest.mark.both_databases

RESUME = "# Ada Lovelace\n\n## Experience\n\n### Analyst, Engines Ltd\n- Wrote the first program\n"


def _blob_rows(org_id: str) -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(Blob).where(Blob.org_id == org_id))


def test_a_blob_round_trips_and_belongs_to_its_org(api, other_api):
    org, other = api.user["org_id"], other_api.user["org_id"]
    key = blobs.put(b"\x00bytes\xff" * 10, org_id=org, kind="test", ttl=60)
    assert blobs.get(key, org_id=org) == b"\x00bytes\xff" * 10
    assert blobs.exists(key, org_id=org)
    # Another org's key is an unknown key: the same error, nothing told.
    with pytest.raises(blobs.BlobMissing):
        blobs.get(key, org_id=other)
    assert not blobs.exists(key, org_id=other)
    blobs.delete(key, org_id=other)  # not theirs: nothing happens
    assert blobs.exists(key, org_id=org)
    blobs.delete(key, org_id=org)
    with pytest.raises(blobs.BlobMissing) as missing:
        blobs.get(key, org_id=org)
    assert missing.value.code == "UPLOAD_NOT_FOUND"
    blobs.delete(key, org_id=org)  # twice is fine


def test_bad_keys_and_oversized_blobs_are_refused(api):
    org = api.user["org_id"]
    for key in ("../etc/passwd", "", "a" * 65, "short"):
        with pytest.raises(blobs.BlobMissing):
            blobs.get(key, org_id=org)
    limit = get_settings().max_content_length
    with pytest.raises(blobs.BlobTooLarge):
        blobs.put(b"x" * (limit + 1), org_id=org, kind="test")
    with pytest.raises(blobs.BlobTooLarge):
        blobs.put(b"x" * 11, org_id=org, kind="test", max_bytes=10)
    assert _blob_rows(org) == 0


def test_an_expired_blob_is_gone_and_purged(api):
    org = api.user["org_id"]
    expired = blobs.put(b"old", org_id=org, kind="test", ttl=0)
    kept = blobs.put(b"new", org_id=org, kind="test", ttl=3600)
    with pytest.raises(blobs.BlobMissing):
        blobs.get(expired, org_id=org)
    assert blobs.purge_expired() >= 1
    assert _blob_rows(org) == 1
    assert blobs.get(kept, org_id=org) == b"new"


def test_a_resume_import_keeps_the_text_in_a_blob_and_deletes_it_when_done(api):
    org = api.user["org_id"]
    resp = api.post(
        "/api/v1/careers/resumes/import", json={"format": "markdown", "content": RESUME}
    )
    assert resp.status_code == 202, resp.text
    params = resp.json()["data"]["params"]
    assert "content" not in params and len(params["upload_id"]) == 32
    task = api.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded", task
    assert _blob_rows(org) == 0


def test_a_task_whose_upload_is_gone_fails_with_a_clear_code(api):
    """The worker reads the blob; when it is gone (expired, purged) the task fails with
    UPLOAD_NOT_FOUND. The task runs in this process (Celery's apply) so nothing races."""
    from workers.careers.tasks import import_resume

    org = api.user["org_id"]
    key = blobs.put(RESUME.encode(), org_id=org, kind="careers.resume", ttl=60)
    blobs.delete(key, org_id=org)
    now = datetime.now(UTC)
    task_id = str(uuid.uuid4())
    params = {"format": "markdown", "upload_id": key, "title": None}
    with session_scope() as s:
        s.add(Task(id=task_id, org_id=org, owner_id=api.user["id"], caller=f"user:{api.user['id']}",
                   kind="careers.import_resume", queue="default", params=params, state="queued",
                   sent_at=now, created_at=now, updated_at=now))  # fmt: skip
    import_resume.apply(kwargs=params, task_id=task_id)
    task = api.get(f"/api/v1/tasks/{task_id}").json()["data"]
    assert task["state"] == "failed"
    assert task["error"]["code"] == "UPLOAD_NOT_FOUND"


def test_another_orgs_upload_cannot_be_named_in_a_task(api, other_api):
    key = blobs.put(RESUME.encode(), org_id=api.user["org_id"], kind="careers.resume", ttl=60)
    resp = other_api.post(
        "/api/v1/tasks",
        json={"kind": "careers.import_resume", "params": {"format": "markdown", "upload_id": key}},
    )
    assert resp.status_code == 404 and resp.json()["code"] == "UPLOAD_NOT_FOUND"
    resp = api.post(
        "/api/v1/tasks",
        json={"kind": "careers.import_resume", "params": {"format": "markdown"}},
    )
    assert resp.status_code == 400 and "content" in resp.json()["errors"]["params"]
    # The resume route takes the text only; naming a stored upload is for the tasks API.
    resp = api.post("/api/v1/careers/resumes/import", json={"format": "markdown", "upload_id": key})
    assert resp.status_code == 400 and "upload_id" in resp.json()["errors"]


# --- the S3-compatible backend --------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server():
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_blobs(platform, s3_server):
    """Every process of this test (the app and the in-process worker) on the S3 backend."""
    import boto3

    bucket = f"kairos-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    client.create_bucket(Bucket=bucket)
    before = get_settings()
    configure(
        dataclasses.replace(
            before,
            blob_url=f"s3://{bucket}/uploads",
            blob_endpoint_url=s3_server,
            blob_access_key_id="test",
            blob_secret_access_key="test",
        )
    )
    try:
        yield client, bucket
    finally:
        configure(before)


def _objects(client, bucket) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", ())]


def test_the_s3_backend_stores_under_the_prefix_and_org(api, other_api, s3_blobs):
    client, bucket = s3_blobs
    org = api.user["org_id"]
    assert blobs.backend().name == "s3"
    key = blobs.put(b"catalog bytes", org_id=org, kind="test", ttl=60)
    assert _objects(client, bucket) == [f"uploads/{org}/{key}"]
    assert blobs.get(key, org_id=org) == b"catalog bytes"
    with pytest.raises(blobs.BlobMissing):
        blobs.get(key, org_id=other_api.user["org_id"])
    blobs.delete(key, org_id=org)
    assert _objects(client, bucket) == []
    with pytest.raises(blobs.BlobMissing):
        blobs.get(key, org_id=org)
    assert _blob_rows(org) == 0  # nothing went to the database


def test_the_s3_backend_expires_and_purges(api, s3_blobs):
    client, bucket = s3_blobs
    org = api.user["org_id"]
    old = blobs.put(b"old", org_id=org, kind="test", ttl=0)
    new = blobs.put(b"new", org_id=org, kind="test", ttl=3600)
    with pytest.raises(blobs.BlobMissing):
        blobs.get(old, org_id=org)
    assert blobs.purge_expired() == 1
    assert _objects(client, bucket) == [f"uploads/{org}/{new}"]


def test_uploads_go_through_s3_and_are_deleted_when_their_task_ends(api, s3_blobs):
    from tests.dining.test_catalog import uci_files

    client, bucket = s3_blobs
    files = [("files", (name, data, "text/csv")) for name, data in uci_files().items()]
    resp = api.post("/api/v1/dining/restaurants/import", files=files)
    assert resp.status_code == 202, resp.text
    task = api.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded", task
    assert task["result"]["created"] >= 1
    resp = api.post(
        "/api/v1/careers/resumes/import", json={"format": "markdown", "content": RESUME}
    )
    assert api.wait(resp.json()["data"]["id"])["state"] == "succeeded"
    assert _objects(client, bucket) == []
    assert _blob_rows(api.user["org_id"]) == 0
