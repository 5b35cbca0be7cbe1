"""The origin format rules of seed 002, shared by configuration and the CORS admin API."""

from __future__ import annotations

from urllib.parse import urlsplit


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
