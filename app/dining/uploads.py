"""Where a catalog upload waits for the worker: ``<var>/dining/imports/<org>/<upload id>/``.

The web process only stores the bytes; the worker parses them. The task names its upload by
id (a UUID, never a path), and the directory is under the task's own org, so a task can
reach no file but its org's uploads.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from app.config import get_settings

UCI_FILES = (
    "geoplaces2.csv",
    "chefmozcuisine.csv",
    "chefmozhours4.csv",
    "chefmozparking.csv",
    "chefmozaccepts.csv",
    "rating_final.csv",
)
MAX_FILES = 20
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str | None, fallback: str) -> str:
    """A plain file name from whatever the client sent (no directories, no odd bytes)."""
    name = _SAFE.sub("_", Path(str(filename or "").replace("\\", "/")).name).strip("._")
    return (name or fallback)[-100:]


def root() -> Path:
    return get_settings().var_path / "dining" / "imports"


def upload_dir(org_id: str, upload_id: str) -> Path:
    return root() / str(uuid.UUID(org_id)) / str(uuid.UUID(upload_id))


def new_upload(org_id: str) -> tuple[str, Path]:
    upload_id = str(uuid.uuid4())
    path = upload_dir(org_id, upload_id)
    path.mkdir(parents=True, exist_ok=False)
    return upload_id, path


def discard(org_id: str, upload_id: str) -> None:
    shutil.rmtree(upload_dir(org_id, upload_id), ignore_errors=True)
