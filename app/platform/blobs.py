"""The blob store: bytes one process leaves for another, wherever each of them runs.

Every upload a task reads (a careers resume, a recruiting job req or resume, a dining
catalog) and every snapshot a worker shares with the others goes through here, so no process
ever reads a file another process wrote on its own disk::

    key = blobs.put(data, org_id=org, kind="recruiting.upload", ttl=24 * 3600)
    data = blobs.get(key, org_id=org)      # BlobMissing if expired, deleted or another org's
    blobs.delete(key, org_id=org)          # the task that read it, when it ends
    blobs.purge_expired()                  # the janitor, every minute

Two backends, chosen by ``blob_url`` (the same on every process of a fleet):

- the database (default): the ``blobs`` table, on SQLite and PostgreSQL alike;
- an S3-compatible store for ``s3://bucket/prefix`` (``blob_endpoint_url`` for one that is
  not AWS: MinIO, Ceph, moto), objects named ``<prefix>/<org>/<key>``.

A blob belongs to one org: reading it under another org's id is the same BlobMissing as an
unknown key. Sizes are capped (``max_bytes``, the request size limit unless the caller states
its own bound). No Flask here: the web process, workers and beat all use it.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.config import get_settings
from app.db import session_scope
from app.models.platform import Blob

log = logging.getLogger("kairos.blobs")

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{7,63}$")
DEFAULT_TTL = 24 * 3600


class BlobMissing(LookupError):
    """The blob is gone (expired, deleted, never stored, or another org's). A task that needed
    it fails with ``code``."""

    code = "UPLOAD_NOT_FOUND"


class BlobTooLarge(ValueError):
    """More bytes than the blob's bound (the API answers 413 PAYLOAD_TOO_LARGE)."""

    code = "PAYLOAD_TOO_LARGE"


def new_key() -> str:
    return uuid.uuid4().hex


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not KEY.match(key):
        raise BlobMissing(f"not a blob key: {str(key)[:80]!r}")


def _now() -> datetime:
    return datetime.now(UTC)


# --- the database backend ----------------------------------------------------------------------


class DatabaseBlobs:
    name = "database"

    def put(self, key, data, org_id, kind, expires_at) -> None:
        with session_scope() as s:
            # The same key again (a replayed request) replaces the bytes and the expiry.
            s.merge(
                Blob(
                    key=key,
                    org_id=org_id,
                    kind=kind,
                    size=len(data),
                    data=data,
                    created_at=_now(),
                    expires_at=expires_at,
                )
            )

    def get(self, key, org_id) -> bytes:
        with session_scope() as s:
            data = s.scalar(
                sa.select(Blob.data).where(
                    Blob.key == key, Blob.org_id == org_id, Blob.expires_at > _now()
                )
            )
        if data is None:
            raise BlobMissing(f"blob {key} is gone")
        return bytes(data)

    def exists(self, key, org_id) -> bool:
        with session_scope() as s:
            return (
                s.scalar(
                    sa.select(Blob.key).where(
                        Blob.key == key, Blob.org_id == org_id, Blob.expires_at > _now()
                    )
                )
                is not None
            )

    def delete(self, key, org_id) -> None:
        with session_scope() as s:
            s.execute(sa.delete(Blob).where(Blob.key == key, Blob.org_id == org_id))

    def purge_expired(self) -> int:
        with session_scope() as s:
            return s.execute(sa.delete(Blob).where(Blob.expires_at <= _now())).rowcount or 0


# --- the S3-compatible backend ------------------------------------------------------------------


class S3Blobs:
    """Objects in one bucket under a prefix. The expiry travels as object metadata; the purge
    lists the prefix and removes what is past it (bucket lifecycle rules, where the store has
    them, can do the same without the listing)."""

    name = "s3"
    _EXPIRES = "kairos-expires"  # x-amz-meta-kairos-expires: epoch seconds
    _KIND = "kairos-kind"

    def __init__(self, url: str, settings):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError("blob_url: expected s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        import boto3
        from botocore.config import Config

        self.client = boto3.client(
            "s3",
            endpoint_url=settings.blob_endpoint_url or None,
            region_name=settings.blob_region or None,
            aws_access_key_id=settings.blob_access_key_id or None,
            aws_secret_access_key=settings.blob_secret_access_key or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _name(self, key: str, org_id: str) -> str:
        return f"{self.prefix}{uuid.UUID(org_id)}/{key}"

    def _missing(self, exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key, data, org_id, kind, expires_at) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key, org_id),
            Body=data,
            Metadata={self._EXPIRES: str(int(expires_at.timestamp())), self._KIND: kind},
        )

    def get(self, key, org_id) -> bytes:
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._name(key, org_id))
        except ClientError as exc:
            if self._missing(exc):
                raise BlobMissing(f"blob {key} is gone") from None
            raise
        if self._expired(obj.get("Metadata") or {}):
            raise BlobMissing(f"blob {key} expired")
        return obj["Body"].read()

    def exists(self, key, org_id) -> bool:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key, org_id))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return not self._expired(head.get("Metadata") or {})

    def delete(self, key, org_id) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key, org_id))

    def _expired(self, metadata: dict) -> bool:
        try:
            return int(metadata.get(self._EXPIRES, "0")) <= _now().timestamp()
        except ValueError:
            return True

    def purge_expired(self) -> int:
        from botocore.exceptions import ClientError

        purged = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                try:
                    head = self.client.head_object(Bucket=self.bucket, Key=item["Key"])
                except ClientError as exc:
                    if self._missing(exc):
                        continue
                    raise
                if self._expired(head.get("Metadata") or {}):
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    purged += 1
        return purged


# --- the API -----------------------------------------------------------------------------------

_lock = threading.Lock()


@functools.cache
def _backend_for(url: str):
    return S3Blobs(url, get_settings()) if url else DatabaseBlobs()


def backend():
    """The configured backend (one per process and URL: boto3 clients are thread-safe)."""
    with _lock:
        return _backend_for(get_settings().blob_url)


def put(
    data: bytes,
    *,
    org_id: str,
    kind: str,
    ttl: int = DEFAULT_TTL,
    key: str | None = None,
    max_bytes: int | None = None,
) -> str:
    """Store ``data`` for ``ttl`` seconds; returns its key (``key`` if given: a caller that
    derives it from a request makes a replay name the same blob)."""
    limit = get_settings().max_content_length if max_bytes is None else max_bytes
    if len(data) > limit:
        raise BlobTooLarge(f"{len(data)} bytes; at most {limit}")
    key = new_key() if key is None else key
    _check_key(key)
    backend().put(key, bytes(data), str(org_id), kind[:32], _now() + timedelta(seconds=ttl))
    return key


def get(key: str, *, org_id: str) -> bytes:
    """The blob's bytes, or BlobMissing."""
    _check_key(key)
    return backend().get(key, str(org_id))


def exists(key: str, *, org_id: str) -> bool:
    try:
        _check_key(key)
    except BlobMissing:
        return False
    return backend().exists(key, str(org_id))


def delete(key: str, *, org_id: str) -> None:
    """Forget the blob (nothing happens if it is already gone)."""
    try:
        _check_key(key)
    except BlobMissing:
        return
    backend().delete(key, str(org_id))


def purge_expired() -> int:
    """Remove every blob past its expiry; returns how many."""
    purged = backend().purge_expired()
    if purged:
        log.info("blobs_purged", extra={"count": purged, "backend": backend().name})
    return purged
