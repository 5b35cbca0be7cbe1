"""Safe outbound connections for probes and webhooks (the SSRF guard at connect time).

A name is resolved once, every address it resolves to is judged by the one address rule
(``app.monitoring.domain.targets.address_problem``), and the connection goes to the address that was
judged: there is no second lookup an attacker's DNS could answer differently. For HTTP this
is a network backend under httpx: httpx still sends ``Host`` and TLS still sends SNI and
checks the certificate for the name in the URL, only the socket is opened to the vetted IP.
Redirects are followed by the caller, one hop at a time, so every hop passes through here.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass

import httpcore
import httpx

from app.monitoring.domain.targets import address_problem, literal_address

DNS_TIMEOUT = 5.0
MAX_BODY_BYTES = 64 * 1024
USER_AGENT = "Kairos-Monitor/1.0"


class BlockedTarget(Exception):
    """The target resolved to an address the rule refuses."""

    code = "BLOCKED_TARGET"

    def __init__(self, host: str, address: str, problem: str):
        self.host, self.address, self.problem = host, address, problem
        where = host if host == address else f"{host} ({address})"
        super().__init__(f"Refused to connect to {where}: a {problem} address")


class ResolveError(Exception):
    """The name did not resolve."""


@dataclass(frozen=True)
class Policy:
    allow_private: bool = False


async def resolve(host: str, port: int, policy: Policy) -> list[str]:
    """The addresses to connect to, each one vetted; refuses if any is not allowed.

    Refusing when *any* answer is private (not only the first) keeps a name that mixes a
    public and a private answer from reaching the private one on a retry.
    """
    literal = literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), DNS_TIMEOUT
            )
        except (TimeoutError, socket.gaierror, UnicodeError) as exc:
            raise ResolveError(f"Could not resolve {host}: {_dns_reason(exc)}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise ResolveError(f"Could not resolve {host}: no address")
    if not policy.allow_private:
        for address in addresses:
            problem = address_problem(address.split("%", 1)[0])
            if problem:
                raise BlockedTarget(host, address, problem)
    return addresses


def _dns_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "DNS timed out"
    if isinstance(exc, socket.gaierror) and exc.errno in (socket.EAI_NONAME, socket.EAI_NODATA):
        return "no such host"
    return str(exc) or type(exc).__name__


async def open_tcp(
    host: str,
    port: int,
    timeout: float,
    policy: Policy,
    tls: ssl.SSLContext | None = None,
    limit: int = 2**16,
):
    """A vetted TCP (or TLS, SNI = ``host``) connection: (reader, writer, address).

    A refused or unreachable address moves on to the next one, as a browser would; a TLS
    failure does not (it is the server's answer, not a dead address).
    """
    last: OSError | None = None
    server_hostname = _sni(host) if tls is not None else None
    for address in await resolve(host, port, policy):
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    address, port, ssl=tls, server_hostname=server_hostname, limit=limit
                ),
                timeout,
            )
            return reader, writer, address
        except ssl.SSLError:
            raise
        except OSError as exc:
            last = exc
    raise last or OSError(f"Could not connect to {host}:{port}")


def _sni(host: str) -> str | None:
    if literal_address(host) is not None:
        return None  # no SNI for an address; the certificate is checked against the IP
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class VettedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend: resolve, vet, connect to the vetted address."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = await resolve(host, port, self.policy)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last  # type: ignore[misc]

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not probed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def ssl_context(verify: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# Building a default SSL context loads the CA bundle (milliseconds); one per process is plenty.
_CONTEXTS: dict[bool, ssl.SSLContext] = {}


def shared_ssl_context(verify: bool) -> ssl.SSLContext:
    if verify not in _CONTEXTS:
        _CONTEXTS[verify] = ssl_context(verify)
    return _CONTEXTS[verify]


def client(policy: Policy, *, verify: bool = True, timeout: float = 15.0) -> httpx.AsyncClient:
    """An httpx client whose every connection is vetted; no proxies from the environment
    (a proxy would make the proxy's address the one we check), no automatic redirects."""
    transport = httpx.AsyncHTTPTransport(verify=shared_ssl_context(verify), trust_env=False)
    # httpx builds its pool without a network-backend option; this pool is the same one
    # with our backend, and the transport only ever calls its pool.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=shared_ssl_context(verify),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=VettedBackend(policy),
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


async def read_capped(
    response: httpx.Response, limit: int = MAX_BODY_BYTES, decoded: bool = False
) -> bytes:
    """At most ``limit`` bytes of a streamed body: a probe never reads a whole large page."""
    body = bytearray()
    chunks = response.aiter_bytes() if decoded else response.aiter_raw()
    async for chunk in chunks:
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])


def blocked_cause(exc: BaseException) -> BlockedTarget | None:
    """httpx may wrap what the backend raised; find the refusal in the chain."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, BlockedTarget):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None
