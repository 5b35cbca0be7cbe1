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
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "has an invalid port"
    return None
