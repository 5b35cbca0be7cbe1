"""DOCKER probe: the image can be pulled anonymously (OCI distribution protocol).

1. Normalize the reference as the Docker CLI does (``nginx`` → ``docker.io/library/nginx:latest``,
   API on ``registry-1.docker.io``); registries on 127.0.0.0/8 and those listed in
   ``probe_insecure_registries`` are spoken to over plain HTTP, like Docker.
2. GET the manifest with the OCI index, Docker manifest list, OCI manifest and Docker v2
   media types in ``Accept``. A ``401`` with a ``WWW-Authenticate: Bearer`` challenge sends us
   to its realm for an anonymous token with ``scope=repository:<name>:pull``, then we retry.
3. From an index, pick the linux/amd64 manifest and GET it by digest.
4. HEAD the config blob (registries often redirect blobs to a CDN: followed, hop by hop).

The token is sent only to the registry's own origin: never to a redirect's other host (a
CDN), and never to the token realm. Errors become sentences (``401`` → the image is private
or does not exist; ``404 MANIFEST_UNKNOWN`` → no such tag; ``429`` → pull rate limit…).
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from dataclasses import dataclass

import httpx

from app.monitoring.domain.targets import ImageRef, TargetError, parse_image, registry_is_insecure
from workers.monitoring.net import Policy, blocked_cause, client, read_capped
from workers.monitoring.probes.result import (
    AVAILABLE,
    DOCKER_ERROR,
    ProbeResult,
    common_failure,
    down,
    refused,
)

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_V2))
IMAGE_ACCEPT = ", ".join((OCI_MANIFEST, DOCKER_V2))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_HOPS = 5
TOKEN_CACHE_MAX = 1000
WANTED_PLATFORM = ("linux", "amd64")

# Anonymous tokens are good for minutes (Docker Hub: 300 s); thousands of image monitors on
# one registry would otherwise fetch one per check. Keyed by realm, service and scope.
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}


class RegistryFailure(Exception):
    def __init__(self, message: str, code: str = DOCKER_ERROR):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Challenge:
    scheme: str
    params: dict[str, str]


_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(header: str) -> Challenge | None:
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _PARAM_RE.finditer(rest)}
    return Challenge(scheme.lower(), params)


def same_origin(url: httpx.URL, base: httpx.URL) -> bool:
    """Same scheme, host and port: where the registry's token may go."""
    return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


def _errors(body: bytes) -> list[str]:
    try:
        return [
            e.get("code", "") for e in json.loads(body).get("errors", []) if isinstance(e, dict)
        ]
    except (ValueError, AttributeError):
        return []


class Session:
    """One registry conversation: requests to the registry, each with the token of its scope
    once we have it (a probe needs one scope; discovery one for the catalog and one per
    repository). ``ref`` is what the conversation is about, named in messages."""

    def __init__(self, http: httpx.AsyncClient, ref, base: str):
        self.http, self.ref, self.base = http, ref, httpx.URL(base)
        self.tokens: dict[str, str] = {}

    async def fetch(self, method: str, path: str, accept: str | None = None, scope=None):
        """(response, body) after auth and redirects; body capped (empty for HEAD).

        ``scope``: the token scope the request needs (default: pull of ``ref``'s repository).
        """
        scope = scope or f"repository:{self.ref.path}:pull"
        url = self.base.join(path)
        response, body = await self._follow(method, url, accept, self.tokens.get(scope))
        if response.status_code == 401 and scope not in self.tokens:
            challenge = parse_challenge(response.headers.get("www-authenticate", ""))
            if challenge is None or challenge.scheme != "bearer":
                raise RegistryFailure(
                    f"{self.ref} needs credentials (the registry asks for "
                    f"{challenge.scheme.title() if challenge else 'an unknown'} authentication); "
                    "it cannot be read anonymously"
                )
            self.tokens[scope] = await self._token(challenge, scope)
            response, body = await self._follow(method, url, accept, self.tokens[scope])
        return response, body

    async def _follow(self, method: str, url: httpx.URL, accept: str | None, token=None):
        for _ in range(MAX_HOPS + 1):
            if url.scheme not in ("http", "https"):
                raise RegistryFailure(f"Registry redirected to an unsupported URL ({url.scheme}:)")
            headers = {"Accept": accept} if accept else {}
            # The token belongs to the registry: a redirect to another host (a CDN for blobs)
            # gets no Authorization header.
            if token and same_origin(url, self.base):
                headers["Authorization"] = f"Bearer {token}"
            response = await self.http.send(
                self.http.build_request(method, url, headers=headers), stream=True
            )
            try:
                location = response.headers.get("location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    url = url.join(location)
                    continue
                body = b""
                if method != "HEAD":
                    body = await read_capped(response, MAX_MANIFEST_BYTES, decoded=True)
                return response, body
            finally:
                await response.aclose()
        raise RegistryFailure(f"More than {MAX_HOPS} redirects from the registry")

    async def _token(self, challenge: Challenge, scope: str) -> str:
        realm = challenge.params.get("realm", "")
        realm_url = httpx.URL(realm) if realm else None
        if realm_url is None or realm_url.scheme not in ("http", "https") or not realm_url.host:
            raise RegistryFailure("Registry sent a Bearer challenge without a usable realm")
        service = challenge.params.get("service", "")
        key = (realm, service, scope)
        cached = _tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        params = {"scope": scope}
        if service:
            params["service"] = service
        # No Authorization header here: this is another service, and we are anonymous.
        response = await self.http.get(
            realm_url, params=params, headers={"Accept": "application/json"}
        )
        if response.status_code in (401, 403):
            what = scope.split(":")[1] if scope.count(":") == 2 else scope
            raise RegistryFailure(
                f"The registry's token service refused anonymous access to {what} "
                "(private, or it does not exist)"
            )
        if response.status_code != 200:
            raise RegistryFailure(f"Token service answered HTTP {response.status_code}")
        try:
            data = response.json()
            token = data.get("token") or data.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise RegistryFailure("Token service answered without a token")
        ttl = data.get("expires_in") if isinstance(data.get("expires_in"), int) else 60
        if len(_tokens) >= TOKEN_CACHE_MAX:
            _tokens.clear()
        _tokens[key] = (token, time.monotonic() + max(0, min(ttl, 3600) - 30))
        return token


def _explain(status: int, errors: list[str], ref: ImageRef, what: str, headers) -> RegistryFailure:
    if status == 401:
        return RegistryFailure(
            f"Anonymous pull of {ref} was refused (401): the image is private or does not exist"
        )
    if status == 403:
        return RegistryFailure(f"Access to {ref} is forbidden (403) for anonymous pulls")
    if status == 404:
        if "NAME_UNKNOWN" in errors:
            return RegistryFailure(f"Repository {ref.path} does not exist on {ref.domain}")
        if "MANIFEST_UNKNOWN" in errors and what == "manifest":
            return RegistryFailure(f"Tag {ref.reference} of {ref.domain}/{ref.path} does not exist")
        return RegistryFailure(f"The {what} of {ref} was not found (404)")
    if status == 429:
        retry = headers.get("retry-after")
        later = f" (retry after {retry}s)" if retry else ""
        return RegistryFailure(f"The registry's pull rate limit was reached (429){later}")
    if status >= 500:
        return RegistryFailure(f"The registry failed with HTTP {status} while serving the {what}")
    return RegistryFailure(f"The registry answered HTTP {status} for the {what} of {ref}")


def _json(body: bytes, what: str) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise RegistryFailure(f"The {what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise RegistryFailure(f"The {what} is not a JSON object")
    return data


def pick_platform(index: dict) -> tuple[dict, str]:
    """The linux/amd64 entry of an index (else the first real platform, said in the message)."""
    entries = [m for m in index.get("manifests") or [] if isinstance(m, dict) and m.get("digest")]
    for entry in entries:
        platform = entry.get("platform") or {}
        if (platform.get("os"), platform.get("architecture")) == WANTED_PLATFORM:
            return entry, "linux/amd64"
    # Attestation manifests carry platform unknown/unknown: never an image.
    real = [m for m in entries if (m.get("platform") or {}).get("os") not in (None, "unknown")]
    if not real:
        raise RegistryFailure("The image index lists no platform image")
    platform = real[0]["platform"]
    return real[0], f"{platform.get('os')}/{platform.get('architecture')} (no linux/amd64)"


async def check_image(session: Session) -> str:
    """Run the pull checks; returns a short success message or raises RegistryFailure."""
    ref = session.ref
    path = f"/v2/{ref.path}/manifests/{ref.reference}"
    response, body = await session.fetch("GET", path, MANIFEST_ACCEPT)
    if response.status_code != 200:
        raise _explain(response.status_code, _errors(body), ref, "manifest", response.headers)
    manifest = _json(body, "manifest")
    media = response.headers.get("content-type", "").split(";")[0].strip()
    media = manifest.get("mediaType") or media
    platform = None
    if media in INDEX_TYPES or "manifests" in manifest:
        entry, platform = pick_platform(manifest)
        path = f"/v2/{ref.path}/manifests/{entry['digest']}"
        response, body = await session.fetch("GET", path, IMAGE_ACCEPT)
        if response.status_code != 200:
            raise _explain(
                response.status_code, _errors(body), ref, "platform manifest", response.headers
            )
        manifest = _json(body, "platform manifest")
    if manifest.get("schemaVersion") == 1:
        return "Pullable (legacy schema 1 manifest)"
    config = manifest.get("config") or {}
    digest = config.get("digest") if isinstance(config, dict) else None
    if not digest:
        raise RegistryFailure("The image manifest names no config blob")
    response, body = await session.fetch("HEAD", f"/v2/{ref.path}/blobs/{digest}")
    if response.status_code != 200:
        raise _explain(response.status_code, _errors(body), ref, "config blob", response.headers)
    return f"Pullable: {ref}" + (f" [{platform}]" if platform else "")


def _tls_cause(exc: BaseException) -> str | None:
    for _ in range(10):
        if exc is None:
            return None
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {exc.verify_message}"
        if isinstance(exc, ssl.SSLError):
            return f"TLS handshake failed: {exc.reason or exc}"
        exc = exc.__cause__ or exc.__context__
    return None


async def probe_image(
    target: str, timeout: float, skip_tls: bool, policy: Policy, insecure=()
) -> ProbeResult:
    try:
        ref = parse_image(target)
    except TargetError as exc:
        return down(f"Invalid image reference: {exc}", "PROBE_ERROR")
    scheme = "http" if registry_is_insecure(ref.api_host, tuple(insecure)) else "https"
    t0 = time.perf_counter()
    try:
        async with (
            asyncio.timeout(timeout),
            client(policy, verify=not skip_tls, timeout=timeout) as c,
        ):
            message = await check_image(Session(c, ref, f"{scheme}://{ref.api_host}"))
    except RegistryFailure as exc:
        return down(exc.message, exc.code, round((time.perf_counter() - t0) * 1000, 2))
    except Exception as exc:
        blocked = blocked_cause(exc)
        if blocked is not None:
            return refused(blocked)
        known = common_failure(exc, timeout)
        if known is not None:
            return known
        if isinstance(exc, httpx.TimeoutException):
            return down(f"Timed out after {timeout:g}s")
        tls = _tls_cause(exc)
        if tls is not None:
            return down(f"Registry {ref.api_host}: {tls}")
        if isinstance(exc, httpx.HTTPError | OSError):
            return down(f"Could not reach the registry {ref.api_host}: {exc or type(exc).__name__}")
        raise
    return ProbeResult(AVAILABLE, message, None, round((time.perf_counter() - t0) * 1000, 2))
