"""The origin format rules of seed 002, shared by configuration and the CORS admin API."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# 1-65535 except the default ports 80 and 443 (a browser never sends them), digits spelled as
# [0-9]: the document's regex dialect (ECMA) and Python's agree on it.
_PORT = (
    "6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{3}"
    "|[1-3][0-9]{2}|4(?:[0-35-9][0-9]|4[0-24-9])|[5-9][0-9]{2}|[1-79][0-9]|8[1-9]|[1-9]"
)
# The whole rule as one pattern, for the OpenAPI document and the server alike: every origin
# it admits passes origin_problem, so a client generating from the document is never refused.
ORIGIN_PATTERN = rf"^https?://(?:{_LABEL}(?:\.{_LABEL})*|\[::1\])(?::(?:{_PORT}))?$"
_ORIGIN_RE = re.compile(ORIGIN_PATTERN.removesuffix("$") + r"\Z")


def origin_problem(origin: str) -> str | None:
    """Why ``origin`` is not a valid allowed origin, or None."""
    if "*" in origin:
        return "wildcards are not supported"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not origin.startswith(f"{parts.scheme}://"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "must name a host"
    if origin.endswith("/"):
        return "must not end with a slash"
    if parts.path or parts.query or parts.fragment or parts.username:
        return "must be scheme://host[:port] only, no path"
    if any(c.isspace() for c in origin) or parts.hostname != parts.hostname.strip():
        return "must not contain spaces"
    try:
        port = parts.port
    except ValueError:
        return "has an invalid port"
    if origin.endswith(":") or port == 0:
        return "has an invalid port"
    if origin != normalize_origin(origin):
        return f"write it as browsers send it: {normalize_origin(origin)}"
    if not _ORIGIN_RE.match(origin):
        return (
            "must be scheme://host[:port]: a lower-case host name (letters, digits, '-', '.') "
            "or [::1], and a port other than 80 and 443"
        )
    return None


def normalize_origin(origin: str) -> str:
    """The form a browser sends: lower-case scheme and host, no default port."""
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme.lower()}://{host}{port}"
