"""HTTP probe (seed): GET the URL within the timeout; a 2xx answer is AVAILABLE.

Spoken over asyncio streams, not a general client: a probe needs the status line, the
headers and a bounded look at the body, and at 10,000 monitors a general client's per-request
work is most of a worker's CPU. The connection goes through ``net.open_tcp`` (resolve once,
the address rule, connect to the vetted address; TLS with SNI and verification for the URL's
name). ``Connection: close``: every check opens a connection of its own, as a visitor would.

Redirects are followed here, hop by hop (at most ``MAX_REDIRECTS``), so every hop's address
passes the rule again and a redirect to another scheme is refused. At most
``MAX_BODY_BYTES`` of the body are read, for at most ``BODY_GRACE`` seconds: the verdict is
the status code. For HTTPS the certificate's expiry is recorded on every check, also with
``skipTLS`` (then read from the unverified certificate).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

from workers.monitoring.net import (
    MAX_BODY_BYTES,
    USER_AGENT,
    BlockedTarget,
    Policy,
    open_tcp,
    shared_ssl_context,
)
from workers.monitoring.probes.result import (
    AVAILABLE,
    CONNECTION_ERROR,
    NOT_AVAILABLE,
    ProbeResult,
    common_failure,
    down,
    refused,
)

MAX_REDIRECTS = 10
REDIRECT_CODES = (301, 302, 303, 307, 308)
MAX_HEADER_BYTES = 64 * 1024
BODY_GRACE = 1.0
_SAFE_PATH = "/%:@!$&'()*+,;=-._~?"


class BadResponse(Exception):
    """The server answered something that is not HTTP/1.x."""


@lru_cache(maxsize=4096)
def _not_after(der: bytes) -> datetime | None:
    from cryptography import x509

    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError:
        return None


def certificate_expiry(writer: asyncio.StreamWriter) -> datetime | None:
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return _not_after(der) if der else None


def _request(parts) -> bytes:
    host = parts.hostname or ""
    try:
        host_header = host.encode("idna").decode("ascii")
    except UnicodeError:
        host_header = host
    if ":" in host_header:  # IPv6 literal
        host_header = f"[{host_header}]"
    if parts.port is not None:
        host_header += f":{parts.port}"
    target = quote(parts.path or "/", safe=_SAFE_PATH)
    if parts.query:
        target += "?" + quote(parts.query, safe=_SAFE_PATH)
    return (
        f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {USER_AGENT}\r\n"
        "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode("latin-1", "replace")


def _parse_head(head: bytes) -> tuple[int, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or not status[0].startswith("HTTP/1.") or not status[1].isdigit():
        raise BadResponse(f"Not an HTTP response: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(status[1]), (status[2] if len(status) > 2 else ""), headers


async def _drain(reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
    """Read at most MAX_BODY_BYTES of the body, briefly: politeness, not the verdict."""
    want = MAX_BODY_BYTES
    if headers.get("content-length", "").isdigit():
        want = min(want, int(headers["content-length"]))
    got = 0
    with contextlib.suppress(TimeoutError, OSError, asyncio.IncompleteReadError):
        async with asyncio.timeout(BODY_GRACE):
            while got < want:
                chunk = await reader.read(min(65536, want - got))
                if not chunk:
                    break
                got += len(chunk)


async def _get(url: str, timeout: float, verify: bool, policy: Policy):
    """One hop: (status, reason, headers, certificate expiry, seconds to the headers)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    t0 = time.perf_counter()
    tls = shared_ssl_context(verify) if https else None
    reader, writer, _address = await open_tcp(
        parts.hostname or "", port, timeout, policy, tls=tls, limit=MAX_HEADER_BYTES
    )
    try:
        cert = certificate_expiry(writer) if https else None
        writer.write(_request(parts))
        await writer.drain()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise BadResponse("Response headers larger than 64 KiB") from None
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise BadResponse("The server closed the connection without answering") from None
            raise BadResponse("The server closed the connection mid-answer") from None
        elapsed = time.perf_counter() - t0
        code, reason, headers = _parse_head(head[:-4])
        if code not in REDIRECT_CODES:
            await _drain(reader, headers)
        return code, reason, headers, cert, elapsed
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            # Closing politely would wait for the peer; a probe must not hang on it.
            writer.transport.abort()


async def probe_http(url: str, timeout: float, skip_tls: bool, policy: Policy) -> ProbeResult:
    cert_expires_at = None
    latency = 0.0
    try:
        async with asyncio.timeout(timeout):
            for _hop in range(MAX_REDIRECTS + 1):
                scheme = urlsplit(url).scheme.lower()
                if scheme not in ("http", "https"):
                    return down(f"Redirected to an unsupported scheme: {scheme}:")
                code, reason, headers, cert, elapsed = await _get(
                    url, timeout, not skip_tls, policy
                )
                latency += elapsed
                cert_expires_at = cert_expires_at or cert
                location = headers.get("location")
                if code in REDIRECT_CODES and location:
                    url = urljoin(url, location)
                    continue
                status = AVAILABLE if 200 <= code < 300 else NOT_AVAILABLE
                message = f"HTTP {code}" + (f" {reason}" if reason and status != AVAILABLE else "")
                return ProbeResult(
                    status, message, str(code), round(latency * 1000, 2), cert_expires_at
                )
            return down(f"More than {MAX_REDIRECTS} redirects", CONNECTION_ERROR)
    except Exception as exc:
        result = _failure(exc, timeout)
        result.cert_expires_at = cert_expires_at
        return result


def _failure(exc: Exception, timeout: float) -> ProbeResult:
    if isinstance(exc, BlockedTarget):
        return refused(exc)
    known = common_failure(exc, timeout)
    if known is not None:
        return known
    if isinstance(exc, BadResponse):
        return down(str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return down(f"TLS certificate not trusted: {exc.verify_message}")
    if isinstance(exc, ssl.SSLError):
        return down(f"TLS handshake failed: {exc.reason or exc}")
    if isinstance(exc, ConnectionRefusedError):
        return down("Connection refused")
    if isinstance(exc, OSError):
        return down(f"Could not connect: {exc.strerror or exc or type(exc).__name__}")
    raise exc
