"""The allowed-origin format: scheme://host[:port], nothing more."""

from __future__ import annotations

import pytest

from app.origins import origin_problem


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.com",
        "http://example.com",
        "https://app.example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
    ],
)
def test_scheme_host_and_optional_port_is_a_valid_origin(origin):
    assert origin_problem(origin) is None


@pytest.mark.parametrize(
    ("origin", "problem"),
    [
        ("*", "wildcards"),
        ("https://*.example.com", "wildcards"),
        ("example.com", "must start with http:// or https://"),
        ("ftp://example.com", "must start with http:// or https://"),
        ("https:example.com", "must start with http:// or https://"),
        ("HTTPS://example.com", "must start with http:// or https://"),
        ("", "must start with http:// or https://"),
        ("https://", "must name a host"),
        ("https://:443", "must name a host"),
        ("https://example.com/", "must not end with a slash"),
        ("https://example.com/app", "no path"),
        ("https://example.com?x=1", "no path"),
        ("https://example.com#top", "no path"),
        ("https://user@example.com", "no path"),
        ("https://example.com:99999", "invalid port"),
        ("https://example.com:https", "invalid port"),
        ("http://example.com:", "invalid port"),
        ("https://example.com:0", "invalid port"),
        ("https://exa mple.com", "spaces"),
        # Browsers send lower-case hosts and omit default ports; a stored origin that
        # differs would never match, so it is refused with the form to use instead.
        ("https://Example.com", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("https://example.com:443", "https://example.com"),
    ],
)
def test_anything_else_is_refused_with_the_reason(origin, problem):
    assert problem in (origin_problem(origin) or "")
