"""Create-time network check: the address rule of :mod:`app.monitoring.domain.targets`, applied to
what a name resolves to now.

The probes apply the rule again on every connection (names move); this check only gives a
clear 400 up front for a target that already points inward (``intranet.corp``, a name
resolving to 10.0.0.5). Resolution is bounded (getaddrinfo has no timeout of its own, so it
runs in a small pool); a name that does not resolve yet is accepted and the probe reports it.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

from app.config import get_settings
from app.monitoring.domain import targets

RESOLVE_TIMEOUT = 2.0
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kairos-resolve")


def resolve(host: str, timeout: float = RESOLVE_TIMEOUT) -> list:
    """Addresses of ``host``; empty when it does not resolve (in time)."""
    literal = targets.literal_address(host)
    if literal is not None:
        return [literal]
    try:
        host.encode("idna")  # what getaddrinfo would fail on, in a pool thread that logs it
    except UnicodeError:
        return []
    future = _pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except (FutureTimeout, OSError, UnicodeError):
        return []
    found = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


def endpoint_host(resource_type: str, target: str) -> str:
    if resource_type == "HTTP":
        return urlsplit(target.strip()).hostname or ""
    if resource_type == "TCP":
        return targets.parse_tcp(target).host
    host, _ = targets.split_host_port(targets.parse_image(target).api_host)
    return host


def problem(resource_type: str, target: str, allow_private: bool | None = None) -> str | None:
    """Why probes may not go to this target, or None. Raises ``TargetError`` when malformed."""
    if allow_private is None:
        allow_private = get_settings().probe_allow_private
    targets.validate(resource_type, target, allow_private)
    if allow_private:
        return None
    host = endpoint_host(resource_type, target)
    for ip in resolve(host):
        reason = targets.address_problem(ip)
        if reason:
            return f"refused: {host} resolves to {ip}, a {reason} address"
    return None


def url_problem(url: str, allow_private: bool | None = None) -> str | None:
    """The same rule for a notification webhook URL."""
    return problem("HTTP", url, allow_private)


def namespace_problem(namespace: str, allow_private: bool | None = None) -> str | None:
    """The same rule for a discovery rule's registry. Raises ``TargetError`` when malformed."""
    if allow_private is None:
        allow_private = get_settings().probe_allow_private
    parsed = targets.parse_namespace(namespace)
    host, _ = targets.split_host_port(parsed.api_host)
    problem = targets.host_problem(host, allow_private)
    if problem or allow_private:
        return problem
    for ip in resolve(host):
        reason = targets.address_problem(ip)
        if reason:
            return f"refused: {host} resolves to {ip}, a {reason} address"
    return None
