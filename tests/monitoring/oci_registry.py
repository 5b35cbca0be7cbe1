"""A real local OCI registry for the monitoring tests: the distribution API (manifests,
blobs, the catalog and tag lists), its token service and a blob CDN, each on its own port."""

from __future__ import annotations

import hashlib
import json
import ssl

from tests.monitoring.servers import _Server

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _error(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


class Registry:
    """A registry (``/v2/``), its token service and a blob CDN, on three ports.

    Repositories: ``library/nginx`` (multi-arch OCI index), ``team/plain`` (one Docker v2
    manifest), ``team/private`` (anonymous tokens get no access), ``team/armonly``,
    ``team/brokenblob`` (config blob missing), ``team/limited`` (429), ``team/forbidden`` (403).

    Listing, as distribution serves it: ``/v2/_catalog`` (token scope ``registry:catalog:*``)
    and ``/v2/<name>/tags/list`` (``repository:<name>:pull``), both sorted and paged with
    ``n``/``last`` and a ``Link: <…>; rel="next"`` header; ``page_cap`` is the most a page
    holds whatever ``n`` asks (like distribution's ``maxentries``). :meth:`push` and
    :meth:`remove` change what is there while the server runs.
    """

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.manifests: dict[str, tuple[str, bytes]] = {}  # digest → (media type, body)
        self.tags: dict[tuple[str, str], str] = {}  # (repo, tag) → digest
        self.blobs: set[str] = set()
        self.fetched: list[str] = []  # manifest references asked for, in order
        self.violations: list[str] = []  # Authorization seen where it must never go
        self.token_requests: list[dict] = []
        self.page_cap = 100
        self.catalog_open = True  # False: the catalog needs credentials (401 with a token too)
        self.link_base = ""  # prefixed to Link headers' paths (another origin, for the tests)
        self.cdn = _Cdn(self)
        self.auth = _TokenService(self)
        self.api = _RegistryApi(self, tls)
        self._build()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.api.port}"

    def _image(self, arch: str, media: str = OCI_MANIFEST) -> str:
        config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {}}).encode()
        self.blobs.add(_digest(config))
        layer = b"layer-" + arch.encode()
        self.blobs.add(_digest(layer))
        manifest = {
            "schemaVersion": 2,
            "mediaType": media,
            "config": {"mediaType": OCI_CONFIG, "digest": _digest(config), "size": len(config)},
            "layers": [{"mediaType": "x", "digest": _digest(layer), "size": len(layer)}],
        }
        return self._store(media, manifest)

    def _store(self, media: str, document: dict) -> str:
        body = json.dumps(document).encode()
        self.manifests[_digest(body)] = (media, body)
        return _digest(body)

    def _index(self, entries: list[tuple[str, str, str]]) -> str:
        manifests = [
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest,
                "size": len(self.manifests[digest][1]),
                "platform": {"os": os_, "architecture": arch},
            }
            for digest, os_, arch in entries
        ]
        return self._store(
            OCI_INDEX, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
        )

    def _build(self):
        arm, amd = self._image("arm64"), self._image("amd64")
        attestation = self._image("unknown")
        self.amd64_digest = amd
        self.tags[("library/nginx", "latest")] = self._index(
            [(arm, "linux", "arm64"), (amd, "linux", "amd64"), (attestation, "unknown", "unknown")]
        )
        self.tags[("library/nginx", "1.27")] = self.tags[("library/nginx", "latest")]
        self.tags[("team/plain", "latest")] = self._image("amd64", DOCKER_V2)
        self.tags[("team/private", "latest")] = self._image("amd64")
        self.tags[("team/forbidden", "latest")] = self._image("amd64")
        self.tags[("team/armonly", "latest")] = self._index([(arm, "linux", "arm64")])
        broken = self._image("s390x")
        config = json.loads(self.manifests[broken][1])["config"]["digest"]
        self.blobs.discard(config)
        self.tags[("team/brokenblob", "latest")] = broken

    def push(self, repo: str, *tags: str) -> None:
        """Publish an amd64 image under each tag of ``repo``."""
        for tag in tags or ("latest",):
            self.tags[(repo, tag)] = self._image("amd64")

    def remove(self, repo: str, tag: str | None = None) -> None:
        """Delete a repository (or one of its tags)."""
        for key in [k for k in self.tags if k[0] == repo and tag in (None, k[1])]:
            del self.tags[key]

    def repositories(self) -> list[str]:
        return sorted({name for name, _ in self.tags})

    def tags_of(self, repo: str) -> list[str]:
        return sorted(tag for name, tag in self.tags if name == repo)

    def __enter__(self):
        for server in (self.cdn, self.auth, self.api):
            server.__enter__()
        return self

    def __exit__(self, *exc):
        for server in (self.api, self.auth, self.cdn):
            server.__exit__(*exc)


class _TokenService(_Server):
    def handle(self, method, path, query, h, body):
        self.owner_registry.token_requests.append({k: v[0] for k, v in query.items()})
        if "Authorization" in h.headers:
            self.owner_registry.violations.append("token service got Authorization")
        scope = query.get("scope", [""])[0]
        repo = scope.split(":")[1] if scope.count(":") == 2 else ""
        token = "anonymous" if repo == "team/private" else f"pull:{repo}"
        if scope == "registry:catalog:*":
            token = "catalog"
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode(),
        )

    def __init__(self, registry: Registry):
        super().__init__()
        self.owner_registry = registry


class _Cdn(_Server):
    def __init__(self, registry: Registry):
        super().__init__()
        self.owner_registry = registry

    def handle(self, method, path, query, h, body):
        if "Authorization" in h.headers:
            self.owner_registry.violations.append("CDN got Authorization")
            return 400, {}, b"credentials sent to the CDN"
        digest = path.rsplit("/", 1)[-1]
        if digest in self.owner_registry.blobs:
            return 200, {"Content-Type": "application/octet-stream"}, b""
        return 404, {}, b""


class _RegistryApi(_Server):
    def __init__(self, registry: Registry, tls: ssl.SSLContext | None = None):
        super().__init__(tls)
        self.r = registry

    def handle(self, method, path, query, h, body):
        r = self.r
        if not path.startswith("/v2/"):
            return 404, {}, b""
        rest = path[4:]
        if rest == "_catalog":
            return self._catalog(h, query)
        if rest.endswith("/tags/list"):
            return self._tags(h, rest[: -len("/tags/list")], query)
        kind = "manifests" if "/manifests/" in rest else "blobs" if "/blobs/" in rest else None
        if kind is None:
            return 200, {}, b"{}"
        repo, reference = rest.split(f"/{kind}/", 1)
        if repo == "team/limited":
            return 429, {"Retry-After": "60"}, _error("TOOMANYREQUESTS", "pull rate limit")
        known_repo = any(name == repo for name, _ in r.tags)
        auth = h.headers.get("Authorization", "")
        if auth != f"Bearer pull:{repo}":
            realm = f"{r.auth.url}/token"
            challenge = (
                f'Bearer realm="{realm}",service="fake-registry",scope="repository:{repo}:pull"'
            )
            return (
                401,
                {"WWW-Authenticate": challenge},
                _error("UNAUTHORIZED", "authentication required"),
            )
        if repo == "team/forbidden":  # e.g. a registry that denies pulls from our region
            return 403, {"Content-Type": "application/json"}, _error("DENIED", "denied")
        if not known_repo:
            return (
                404,
                {"Content-Type": "application/json"},
                _error("NAME_UNKNOWN", "repository name not known"),
            )
        if kind == "blobs":
            return 307, {"Location": f"{r.cdn.url}/blobs/{reference}?sig=abc"}, b""
        r.fetched.append(reference)
        digest = reference if reference.startswith("sha256:") else r.tags.get((repo, reference))
        if digest is None:
            return (
                404,
                {"Content-Type": "application/json"},
                _error("MANIFEST_UNKNOWN", "manifest unknown"),
            )
        media, document = r.manifests[digest]
        accept = h.headers.get("Accept", "")
        if media not in accept:
            return (
                404,
                {"Content-Type": "application/json"},
                _error("MANIFEST_UNKNOWN", f"{media} not accepted"),
            )
        return 200, {"Content-Type": media, "Docker-Content-Digest": digest}, document

    def _challenge(self, scope: str):
        realm = f"{self.r.auth.url}/token"
        header = f'Bearer realm="{realm}",service="fake-registry",scope="{scope}"'
        return 401, {"WWW-Authenticate": header}, _error("UNAUTHORIZED", "authentication required")

    def _page(self, path: str, key: str, names: list[str], query, extra: dict):
        """One page after ``last`` of at most ``n`` (capped) names, and the Link to the next."""
        try:
            n = min(int(query.get("n", [self.r.page_cap])[0]), self.r.page_cap)
        except ValueError:
            return 400, {}, _error("PAGINATION_NUMBER_INVALID", "invalid number of results")
        last = query.get("last", [""])[0]
        rest = [name for name in names if name > last]
        page = rest[:n]
        headers = {"Content-Type": "application/json"}
        if len(rest) > n:
            headers["Link"] = f'<{self.r.link_base}{path}?n={n}&last={page[-1]}>; rel="next"'
        return 200, headers, json.dumps({**extra, key: page}).encode()

    def _catalog(self, h, query):
        if not self.r.catalog_open or h.headers.get("Authorization") != "Bearer catalog":
            return self._challenge("registry:catalog:*")
        return self._page("/v2/_catalog", "repositories", self.r.repositories(), query, {})

    def _tags(self, h, repo, query):
        if h.headers.get("Authorization") != f"Bearer pull:{repo}":
            return self._challenge(f"repository:{repo}:pull")
        tags = self.r.tags_of(repo)
        if not tags:
            return 404, {"Content-Type": "application/json"}, _error("NAME_UNKNOWN", "unknown")
        return self._page(f"/v2/{repo}/tags/list", "tags", tags, query, {"name": repo})
