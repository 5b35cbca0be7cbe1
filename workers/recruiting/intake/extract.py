"""Text out of an uploaded file: PDF (pypdf), DOCX (python-docx), Markdown, LaTeX, plain text.

Everything here treats the bytes as hostile. Each way a file can be bad has its own code:

- ``FILE_TOO_LARGE``: more bytes than allowed, or a zip whose members expand past the cap,
  declared or real, or at a ratio no document has (a zip bomb);
- ``FILE_ENCRYPTED``: a PDF that needs a password to open;
- ``UNREADABLE_FILE``: corrupt, truncated, not what its signature says, or binary posing as
  text;
- ``NO_TEXT``: a readable file with no text in it (a scanned PDF).

The worker runs this in a child process with memory and CPU limits (:mod:`.sandbox`), so a
reader that a crafted file sends into a loop or a memory spiral takes only the child down.
This module imports nothing of the platform, which keeps that child quick to start.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_pages: int = 60
    max_chars: int = 200_000
    max_zip_members: int = 1000
    max_uncompressed: int = 40 * 1024 * 1024  # all members of a DOCX together
    max_ratio: int = 120  # uncompressed / compressed, per member above 1 MiB


LIMITS = Limits()


class ExtractionError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def extract_text(data: bytes, fmt: str, limits: Limits = LIMITS) -> str:
    """The readable text of ``data`` read as ``fmt`` (pdf, docx, markdown, latex, text)."""
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            "FILE_TOO_LARGE", f"the file has {len(data)} bytes; the limit is {limits.max_bytes}"
        )
    if not data.strip():
        raise ExtractionError("NO_TEXT", "the file is empty")
    readers = {"pdf": _pdf, "docx": _docx}
    text = readers[fmt](data, limits) if fmt in readers else _text(data)
    text = _tidy(text)[: limits.max_chars]
    if not text.strip():
        raise ExtractionError("NO_TEXT", "the file holds no text (a scanned image?)")
    return text


# --- PDF ------------------------------------------------------------------------------------


def _pdf(data: bytes, limits: Limits) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # A PDF locked only against editing opens with the empty password; that one
            # is readable. One that needs a password to open is not ours to guess.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise ExtractionError("FILE_ENCRYPTED", "the PDF is password-protected")
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= limits.max_pages:
                break
            pages.append(page.extract_text() or "")
    except ExtractionError:
        raise
    except FileNotDecryptedError:
        raise ExtractionError("FILE_ENCRYPTED", "the PDF is password-protected") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pypdf reports a corrupt file through its own errors and, deep inside a damaged
        # object tree, through plain lookup and type errors.
        raise ExtractionError("UNREADABLE_FILE", f"the PDF cannot be read ({exc})") from None
    except (RecursionError, OverflowError):
        raise ExtractionError("UNREADABLE_FILE", "the PDF's structure is malformed") from None
    return "\n\n".join(pages)


# --- DOCX -----------------------------------------------------------------------------------


def check_zip(data: bytes, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """Open a zip only if it is safe to expand: member count, declared sizes, ratio, and the
    real expanded size (read in chunks and counted, so a lying header changes nothing)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError(
            "UNREADABLE_FILE", f"the file is not a readable zip ({exc})"
        ) from None
    if len(members) > limits.max_zip_members:
        raise ExtractionError("FILE_TOO_LARGE", f"the document holds {len(members)} parts")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_uncompressed:
        raise ExtractionError(
            "FILE_TOO_LARGE", f"the document expands to {declared} bytes (declared)"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            raise ExtractionError(
                "FILE_TOO_LARGE",
                f"{member.filename} expands {ratio:.0f} times; that is a zip bomb, not a document",
            )
    total = 0
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(64 * 1024):
                    total += len(chunk)
                    if total > limits.max_uncompressed:
                        raise ExtractionError(
                            "FILE_TOO_LARGE", "the document expands past the size limit"
                        )
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ExtractionError("UNREADABLE_FILE", f"the document is corrupt ({exc})") from None
    except NotImplementedError as exc:  # an encrypted zip or an unknown compression method
        raise ExtractionError("UNREADABLE_FILE", f"the document cannot be opened ({exc})") from None
    return archive


def _docx(data: bytes, limits: Limits) -> str:
    archive = check_zip(data, limits)
    if "word/document.xml" not in archive.namelist():
        raise ExtractionError("UNREADABLE_FILE", "the zip is not a Word document")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    if cell.text not in cells:  # merged cells repeat their text
                        cells.append(cell.text)
                lines.append(" | ".join(cells))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionError("UNREADABLE_FILE", f"the Word document is corrupt ({exc})") from None
    except Exception as exc:  # lxml parse errors (malformed XML inside the package)
        if type(exc).__module__.startswith("lxml"):
            raise ExtractionError(
                "UNREADABLE_FILE", f"the Word document is corrupt ({exc})"
            ) from None
        raise
    return "\n".join(lines)


# --- text -----------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not looks_binary(text):
            return text
        break
    raise ExtractionError("UNREADABLE_FILE", "the file is binary data, not text")


def looks_binary(text: str) -> bool:
    """NULs, or more than 1% control characters: no document reads like that."""
    sample = text[:65536]
    if "\x00" in sample:
        return True
    odd = sum(
        1
        for ch in sample
        if ch == "\ufffd"
        or (unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\n\r\f")
    )
    return odd > max(4, len(sample) // 100)


_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _TRAILING.sub("\n", text)
    return _BLANKS.sub("\n\n", text).strip()
