"""Uploaded job reqs and resumes: what the bytes are, and where they wait for the worker.

The web process only looks at the first bytes (a file's signature) and stores the upload; it
never parses it. The worker takes the bytes back by id, reads them in a sandboxed child
process and fails the task with a clear code if they are not what they claim.

Uploads wait in the blob store (app.platform.blobs) rather than on a local disk: every
process of a fleet reaches it, the task deletes its upload when it ends, and a forgotten
upload expires on its own.
"""

from __future__ import annotations

import hashlib
import re

from app.platform import blobs

UPLOAD_TTL = 24 * 3600  # as long as a task's events are kept
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")

# Formats the intake reads: sniffed from the content, the file name only breaks ties
# between kinds of text.
FORMATS = ("pdf", "docx", "markdown", "latex", "text")
TEXT_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".tex": "latex",
    ".latex": "latex",
    ".txt": "text",
    ".text": "text",
}
# Signatures of files we do not read: refused up front (415) rather than queued.
_FOREIGN = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF media file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office (.doc/.xls) file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"{\\rtf", "an RTF document"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
)


class UnsupportedUpload(ValueError):
    """The bytes are a kind of file the intake does not read (the API answers 415)."""


def sniff(data: bytes, filename: str = "") -> str:
    """The intake format of ``data``: ``pdf`` and ``docx`` by signature, else a kind of text
    (by the file name's suffix, or what the text looks like). Raises UnsupportedUpload for a
    signature we know and do not read. Text that is really binary is left to the worker,
    which fails it with UNREADABLE_FILE (it reads the whole file; we read the head)."""
    head = data[:1024]
    if head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"  # a zip; the worker checks it is a Word document, and not a bomb
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise UnsupportedUpload("an empty or split zip archive is not a document")
    for signature, what in _FOREIGN:
        if head.startswith(signature):
            raise UnsupportedUpload(f"the file is {what}; send PDF, DOCX, Markdown, LaTeX or text")
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    if suffix in (".pdf", ".docx"):
        # The name promises a format the bytes do not have: read it as what it is, text.
        return "text"
    sample = head.decode("utf-8", "replace")
    if re.search(r"\\documentclass|\\begin\{document\}", sample):
        return "latex"
    if re.search(r"(?m)^#{1,6} \S", sample):
        return "markdown"
    return "text"


def store(org_id: str, data: bytes, replay_key: str | None = None) -> str:
    """Keep an upload for the worker; returns its id. With a ``replay_key`` (the request's
    Idempotency-Key with its other fields) the id is derived from it and the bytes, so a
    replayed request names the same upload and the platform finds the same task."""
    if replay_key is None:
        upload_id = blobs.new_key()
    else:
        digest = hashlib.sha256(f"{org_id}\0{replay_key}\0".encode() + data)
        upload_id = digest.hexdigest()[:32]
    # The route has held the file to recruiting_upload_max_bytes already.
    return blobs.put(data, org_id=org_id, kind="recruiting.upload", ttl=UPLOAD_TTL,
                     key=upload_id, max_bytes=len(data))  # fmt: skip


def exists(org_id: str, upload_id: str) -> bool:
    return bool(UPLOAD_ID.match(upload_id or "")) and blobs.exists(upload_id, org_id=org_id)


def discard(org_id: str, upload_id: str) -> None:
    if UPLOAD_ID.match(upload_id or ""):
        blobs.delete(upload_id, org_id=org_id)
