"""HTTP probe (seed): GET the URL within the timeout; a 2xx answer is AVAILABLE.

Redirects are followed here, hop by hop (at most ``MAX_REDIRECTS``), so every hop's address
goes through the connect-time address rule and a redirect to another scheme is refused. At
most ``MAX_BODY_BYTES`` of the body are read. For HTTPS the certificate's expiry is recorded
on every check, also with ``skipTLS`` (then read from the unverified certificate).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime
from functools import lru_cache

import httpx

from workers.monitoring.net import Policy, blocked_cause, client, read_capped
from workers.monitoring.probes import (
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


@lru_cache(maxsize=4096)
def _not_after(der: bytes) -> datetime | None:
    from cryptography import x509

    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError:
        return None


def certificate_expiry(response: httpx.Response) -> datetime | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return _not_after(der) if der else None


async def probe_http(url: str, timeout: float, skip_tls: bool, policy: Policy) -> ProbeResult:
    t0 = time.perf_counter()
    cert_expires_at = None
    try:
        async with (
            asyncio.timeout(timeout),
            client(policy, verify=not skip_tls, timeout=timeout) as c,
        ):
            for _hop in range(MAX_REDIRECTS + 1):
                target = httpx.URL(url)
                if target.scheme not in ("http", "https"):
                    return down(f"Redirected to an unsupported scheme: {target.scheme}:")
                response = await c.send(c.build_request("GET", target), stream=True)
                try:
                    if cert_expires_at is None and target.scheme == "https":
                        cert_expires_at = certificate_expiry(response)
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_CODES and location:
                        url = str(target.join(location))
                        continue
                    latency = round((time.perf_counter() - t0) * 1000, 2)
                    await read_capped(response)
                finally:
                    await response.aclose()
                code = response.status_code
                reason = response.reason_phrase or ""
                status = AVAILABLE if 200 <= code < 300 else NOT_AVAILABLE
                message = f"HTTP {code}" + (f" {reason}" if reason and status != AVAILABLE else "")
                return ProbeResult(status, message, str(code), latency, cert_expires_at)
            return down(f"More than {MAX_REDIRECTS} redirects", CONNECTION_ERROR)
    except Exception as exc:
        result = _failure(exc, timeout)
        result.cert_expires_at = cert_expires_at
        return result


def _root_os_error(exc: BaseException) -> OSError | None:
    found, seen = None, 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno is not None:
            found = exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return found


def _failure(exc: Exception, timeout: float) -> ProbeResult:
    blocked = blocked_cause(exc)
    if blocked is not None:
        return refused(blocked)
    known = common_failure(exc, timeout)
    if known is not None:
        return known
    if isinstance(exc, httpx.TimeoutException):
        return down(f"Timed out after {timeout:g}s")
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLCertVerificationError):
            return down(f"TLS certificate not trusted: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            return down(f"TLS handshake failed: {cause.reason or cause}")
        root = _root_os_error(exc)
        if isinstance(root, ConnectionRefusedError):
            return down("Connection refused")
        return down(f"Could not connect: {(root and root.strerror) or exc or 'connection failed'}")
    if isinstance(exc, httpx.HTTPError):
        return down(f"HTTP error: {exc}" if str(exc) else f"HTTP error: {type(exc).__name__}")
    if isinstance(exc, ssl.SSLError | OSError):
        return down(f"Could not connect: {exc}")
    raise exc
