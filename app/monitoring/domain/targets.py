"""Monitoring targets: parsing, validation and the one address rule (SSRF).

Pure code, shared by the API (at create time: is this target well-formed, is a literal
address allowed?) and the probes (at connect time: is the address a name resolved to
allowed?). Nothing here touches the network.

The address rule: a probe or a notification webhook goes only to a *global* unicast address.
Loopback, private, shared (CGNAT), link-local, multicast, reserved and unspecified addresses
are refused, IPv4 and IPv6 alike, and an IPv6 address that carries an IPv4 one (IPv4-mapped
``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) is judged by the IPv4
address inside it too. ``probe_allow_private`` (self-hosted installs, tests) lifts the rule.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_TARGET_LENGTH = 2000
NAT64 = ipaddress.ip_network("64:ff9b::/96")
HTTP_SCHEMES = ("http", "https")


class TargetError(ValueError):
    """A target that cannot be probed; the message is for a person."""


# --- the address rule -------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address; the server's is global by construction
    return None


def address_problem(ip: IPAddress | str) -> str | None:
    """Why this address may not be probed (``"loopback"``, ``"private"``, …), or None."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the socket reaches the IPv4 address itself
            return address_problem(ip.ipv4_mapped)
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner)
            if problem:
                return problem
        if ip.scope_id:
            return "link-local"
    for attr, name in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return name
    if not ip.is_global:
        return "not globally routable"  # e.g. 100.64.0.0/10 (shared address space)
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address if ``host`` is an IP literal (``[v6]`` brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def host_problem(host: str, allow_private: bool) -> str | None:
    """For the API at create time: a literal address is judged now; a name when probed."""
    if allow_private:
        return None
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return "refused: localhost is not a public address"
    ip = literal_address(host)
    if ip is not None:
        problem = address_problem(ip)
        if problem:
            return f"refused: {ip} is a {problem} address"
    return None


# --- targets by type --------------------------------------------------------------------------

# Labels of at most 63 characters between dots (an over-long label is no host name; the
# resolver's IDNA codec would fail on it).
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")


def _check_host(host: str) -> str:
    if not host:
        raise TargetError("must name a host")
    if literal_address(host) is None and not _HOST_RE.match(host):
        raise TargetError(f"{host!r} is not a valid host name")
    return host


def parse_http(url: str) -> str:
    """An absolute http(s) URL with a host; returns it stripped."""
    url = url.strip()
    if len(url) > MAX_TARGET_LENGTH:
        raise TargetError(f"must be at most {MAX_TARGET_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in HTTP_SCHEMES:
        raise TargetError("must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise TargetError("must not carry credentials")
    try:
        port = parts.port
    except ValueError:
        raise TargetError("has an invalid port") from None
    if port == 0:
        raise TargetError("has an invalid port")
    _check_host(parts.hostname or "")
    return url


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int


def parse_tcp(target: str) -> HostPort:
    """``host:port`` or ``[v6]:port``."""
    target = target.strip()
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\[\]/\s]+):(\d{1,5})", target)
    if not match:
        raise TargetError("must be host:port (an IPv6 address in brackets: [::1]:443)")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 0 < port < 65536:
        raise TargetError("port must be between 1 and 65535")
    if match.group(1) and not isinstance(literal_address(host), ipaddress.IPv6Address):
        raise TargetError(f"{host!r} is not an IPv6 address")
    return HostPort(_check_host(host), port)


# --- container image references (the Docker CLI's normalization) ------------------------------

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$")
_DOMAIN_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)


@dataclass(frozen=True)
class ImageRef:
    domain: str  # as written, normalized (docker.io for Docker Hub)
    path: str  # repository path, e.g. library/nginx
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        """What to ask the manifest endpoint for: the digest if pinned, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def api_host(self) -> str:
        """host[:port] of the registry API (Docker Hub's lives on registry-1.docker.io)."""
        return DOCKER_HUB_API if self.domain == DOCKER_HUB else self.domain

    def __str__(self) -> str:
        name = f"{self.domain}/{self.path}"
        if self.tag:
            name += f":{self.tag}"
        if self.digest:
            name += f"@{self.digest}"
        return name


def parse_image(ref: str) -> ImageRef:
    """Normalize like the Docker CLI: ``nginx`` → ``docker.io/library/nginx:latest``.

    The first component is a registry domain only if it contains ``.`` or ``:``, is
    ``localhost``, or has upper-case letters (as in distribution's ``splitDockerDomain``).
    """
    ref = ref.strip()
    if not ref or len(ref) > 512:
        raise TargetError("must be an image reference such as nginx:1.27 or ghcr.io/org/app")
    name, digest = ref, None
    if "@" in ref:
        name, digest = ref.split("@", 1)
        if not _DIGEST_RE.match(digest):
            raise TargetError(f"invalid digest {digest!r}")
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
        if not _TAG_RE.match(tag):
            raise TargetError(f"invalid tag {tag!r}")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first.lower() != first):
        domain, path = first, rest
        if not _DOMAIN_RE.match(domain):
            raise TargetError(f"invalid registry {domain!r}")
    else:
        domain, path = DOCKER_HUB, name
    if domain == "index.docker.io":
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if path.lower() != path:
        raise TargetError("repository name must be lowercase")
    if not _PATH_RE.match(path) or len(path) > 255:
        raise TargetError(f"invalid repository name {path!r}")
    if tag is None and digest is None:
        tag = "latest"
    return ImageRef(domain, path, tag, digest)


def split_host_port(hostport: str) -> tuple[str, int | None]:
    """``registry:5000`` → (``registry``, 5000); ``[::1]:5000`` → (``::1``, 5000)."""
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return hostport, None


def registry_is_insecure(api_host: str, insecure: tuple[str, ...] | list[str]) -> bool:
    """Spoken to over plain HTTP, as Docker does: 127.0.0.0/8 and the configured list."""
    if api_host in insecure:
        return True
    host, _ = split_host_port(api_host)
    if host in insecure:
        return True
    ip = literal_address(host)
    return bool(ip is not None and ip.version == 4 and ip.is_loopback)


def validate(resource_type: str, target: str, allow_private: bool) -> str:
    """Validate a target of a type; returns the stored form. Raises :class:`TargetError`."""
    if resource_type == "HTTP":
        url = parse_http(target)
        problem = host_problem(urlsplit(url).hostname or "", allow_private)
    elif resource_type == "TCP":
        hp = parse_tcp(target)
        url, problem = target.strip(), host_problem(hp.host, allow_private)
    elif resource_type == "DOCKER":
        image = parse_image(target)
        url = target.strip()
        host, _ = split_host_port(image.api_host)
        problem = host_problem(host, allow_private)
    else:
        raise TargetError(f"unknown resource type {resource_type!r}")
    if problem:
        raise TargetError(problem)
    return url


# --- registry namespaces (Resource Discovery) ---------------------------------------------------


@dataclass(frozen=True)
class Namespace:
    """``registry[/path]``: the registry and the repository path prefix ('' = all of it)."""

    domain: str
    prefix: str

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.domain == DOCKER_HUB else self.domain

    def holds(self, repository: str) -> bool:
        """Is ``repository`` this namespace (itself) or under it?"""
        return (
            not self.prefix or repository == self.prefix or repository.startswith(self.prefix + "/")
        )

    def __str__(self) -> str:
        return f"{self.domain}/{self.prefix}" if self.prefix else self.domain


def parse_namespace(text: str) -> Namespace:
    """A registry and an optional repository path under it, as ``ghcr.io/acme`` or
    ``registry.example.com:5000``. The registry is named explicitly (a first component with
    a dot, a port, or ``localhost``), as the Docker CLI reads it; no tag, no digest."""
    text = text.strip().rstrip("/")
    if not text or len(text) > 300:
        raise TargetError("must be a registry with an optional path, such as ghcr.io/acme")
    if "@" in text or ("/" in text and ":" in text.rsplit("/", 1)[-1]):
        raise TargetError("names a namespace, not an image: no tag or digest")
    domain, _, prefix = text.partition("/")
    if not ("." in domain or ":" in domain or domain == "localhost"):
        raise TargetError(
            f"must start with a registry host ({domain!r} is read as a repository name): "
            "docker.io/acme, ghcr.io/acme, registry.example.com:5000"
        )
    if not _DOMAIN_RE.match(domain):
        raise TargetError(f"invalid registry {domain!r}")
    if domain == "index.docker.io":
        domain = DOCKER_HUB
    if prefix and (prefix.lower() != prefix or not _PATH_RE.match(prefix) or len(prefix) > 255):
        raise TargetError(f"invalid repository path {prefix!r}")
    return Namespace(domain.lower(), prefix)
