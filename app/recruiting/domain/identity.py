"""Normalized identity keys of a candidate, for duplicate detection.

Two records are possibly the same person when they share an e-mail, a LinkedIn or GitHub
profile URL, or a normalized name at the same current company. Names alone are too common to
count. Pure functions: the model's flush hook and the duplicate finder both use them.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_COMPANY_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|plc|bv|srl)\b"
)
_NON_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lowercase, accents stripped, punctuation dropped, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()


def email_key(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def profile_key(url: str | None) -> str | None:
    """``https://www.LinkedIn.com/in/JaneDoe/?trk=x`` → ``linkedin.com/in/janedoe``."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    host = re.sub(r"^[a-z]{2}\.(?=linkedin\.com$)", "", host)  # country subdomains
    path = parts.path.rstrip("/").lower()
    key = f"{host}{path}"
    return key[:300] or None


def name_key(full_name: str | None, company: str | None) -> str | None:
    name = fold(full_name)
    company = _SPACES.sub(" ", _COMPANY_SUFFIXES.sub(" ", fold(company))).strip()
    if not name or not company:
        return None
    return f"{name}|{company}"[:400]
