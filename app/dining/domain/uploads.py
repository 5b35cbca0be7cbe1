"""How a catalog upload waits for the worker: its files packed into one blob of the blob
store (app.platform.blobs), keyed by the upload id the task names.

The web process only stores the bytes; the worker parses them. Every process of a fleet
reaches the blob store, so web and workers need no shared disk; the blob belongs to the
task's org, so a task can read no upload but its org's, and the task deletes it when it ends.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from pathlib import Path

from app.platform import blobs

UCI_FILES = (
    "geoplaces2.csv",
    "chefmozcuisine.csv",
    "chefmozhours4.csv",
    "chefmozparking.csv",
    "chefmozaccepts.csv",
    "rating_final.csv",
)
MAX_FILES = 20
UPLOAD_TTL = 24 * 3600  # an import not run by then is abandoned; the janitor purges it
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str | None, fallback: str) -> str:
    """A plain file name from whatever the client sent (no directories, no odd bytes)."""
    name = _SAFE.sub("_", Path(str(filename or "").replace("\\", "/")).name).strip("._")
    return (name or fallback)[-100:]


def pack(files: dict[str, bytes]) -> bytes:
    """The files as one blob: a zip without compression (the worker reads it back with the
    standard library; a zip the client sent stays a member, expanded by the worker)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def unpack(blob: bytes) -> dict[str, bytes]:
    """{file name: bytes} of a blob :func:`pack` made (names are the route's safe names)."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def store(org_id: str, files: dict[str, bytes]) -> str:
    """Keep the files for the import task; returns the upload id."""
    upload_id = str(uuid.uuid4())
    blobs.put(pack(files), org_id=org_id, kind="dining.import", ttl=UPLOAD_TTL, key=upload_id)
    return upload_id


def exists(org_id: str, upload_id: str) -> bool:
    return blobs.exists(str(uuid.UUID(upload_id)), org_id=org_id)


def discard(org_id: str, upload_id: str) -> None:
    blobs.delete(upload_id, org_id=org_id)
