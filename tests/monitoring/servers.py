"""Real local servers for the monitoring tests: probed services, an OCI registry with its
token service and blob CDN, and a webhook receiver. Each speaks the real protocol."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import ssl
import tempfile
import threading
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HANG_S = 30  # longer than any probe timeout in the tests; released at teardown


class _Server:
    """A threaded HTTP(S) server on 127.0.0.1 whose handler calls ``self.handle``."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                owner._dispatch(self, "GET")

            def do_HEAD(self):
                owner._dispatch(self, "HEAD")

            def do_POST(self):
                owner._dispatch(self, "POST")

            def log_message(self, *args):
                pass

        self.release = threading.Event()
        self.requests: list[dict] = []
        self.cut_off: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.port = self.httpd.server_port
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _dispatch(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        self.requests.append(
            {"method": method, "path": parts.path, "headers": dict(h.headers), "body": body}
        )
        status, headers, payload = self.handle(method, parts.path, parse_qs(parts.query), h, body)
        try:
            h.send_response(status)
            headers = {"Content-Length": str(len(payload)), **headers}
            for key, value in headers.items():
                h.send_header(key, value)
            h.end_headers()
            if method != "HEAD":
                h.wfile.write(payload)
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.cut_off.append(parts.path)  # the client hung up before the whole answer

    def handle(self, method, path, query, h, body):  # pragma: no cover - overridden
        return 404, {}, b""

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# --- probed services ---------------------------------------------------------------------------


def self_signed(days: int = 30, host: str = "localhost") -> tuple[ssl.SSLContext, datetime]:
    """A server TLS context with a fresh self-signed certificate, and its expiry."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC).replace(microsecond=0)
    not_after = now + timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="kairos-tls-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return ctx, not_after


class TargetServer(_Server):
    """Paths: /ok, /status/<n>, /slow/<s>, /hang, /redirect?to=, /loop, /big."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(tls)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0

    def handle(self, method, path, query, h, body):
        self.hits[path] += 1
        if path == "/ok":
            return 200, {}, b"ok"
        if path.startswith("/status/"):
            return int(path.rsplit("/", 1)[1]), {}, b"scripted"
        if path.startswith("/slow/"):
            with self.lock:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.release.wait(float(path.rsplit("/", 1)[1]))
            with self.lock:
                self.in_flight -= 1
            return 200, {}, b"slow"
        if path == "/hang":
            self.release.wait(HANG_S)
            return 200, {}, b""
        if path == "/loop":
            return 301, {"Location": "/loop"}, b""
        if path == "/redirect":
            return 302, {"Location": query["to"][0]}, b""
        if path == "/big":
            return 200, {"Content-Type": "application/octet-stream"}, b"x" * (64 * 1024 * 1024)
        return 404, {}, b"not found"


class TcpListener:
    """Accepts connections and closes them."""

    def __init__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()


# --- an OCI registry ---------------------------------------------------------------------------

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


# --- a webhook receiver ------------------------------------------------------------------------


class WebhookReceiver(_Server):
    """Records each POST; answers scripted statuses first (e.g. 500, 500, then 200)."""

    def __init__(self):
        super().__init__()
        self.script: deque[int] = deque()
        self.received: defaultdict[str, list[dict]] = defaultdict(list)
        self.arrived = threading.Condition()

    def handle(self, method, path, query, h, body):
        status = self.script.popleft() if self.script else 200
        with self.arrived:
            self.received[path].append(
                {"headers": dict(h.headers), "body": body, "status": status, "at": time.time()}
            )
            self.arrived.notify_all()
        return status, {"Content-Type": "text/plain"}, b"ok" if status < 300 else b"fail"

    def wait_for(self, path: str, count: int = 1, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received[path]) < count and time.monotonic() < deadline:
                self.arrived.wait(0.1)
        return self.received[path]
