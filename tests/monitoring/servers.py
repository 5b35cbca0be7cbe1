"""Real local servers for the monitoring tests: probed services and a webhook receiver (the
OCI registry is in ``oci_registry``). Each speaks the real protocol."""

from __future__ import annotations

import ipaddress
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
