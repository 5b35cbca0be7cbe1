"""A local job-board server for tests: answers the real APIs' paths with the invented
payloads in fixtures/jobboards/ (real field names), and can be told to misbehave."""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from workers.careers.boards import ADAPTERS

FIXTURES = Path(__file__).parent / "fixtures" / "jobboards"
HANG_S = 30  # longer than any budget in the tests; released at teardown


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    hang: bool = False


HANG = Reply(hang=True)
INVALID_JSON = Reply(200, b'{"jobs": [', {"Content-Type": "application/json"})


def status(code: int, retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Reply(code, b'{"error": "scripted"}', headers)


class BoardServer:
    """Routes (path, query) to payloads; scripted replies for a path are used first, once each."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, frozenset | None], bytes] = {}
        self.scripted: dict[str, deque[Reply]] = defaultdict(deque)
        self.hits: Counter[str] = Counter()
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def serve(self, path: str, payload, query: dict | None = None) -> None:
        key = frozenset(query.items()) if query is not None else None
        self.routes[(path, key)] = json.dumps(payload).encode()

    def script(self, path: str, *replies: Reply) -> None:
        self.scripted[path].extend(replies)

    def start(self) -> BoardServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, target: str) -> Reply:
        parts = urlsplit(target)
        self.hits[parts.path] += 1
        if self.scripted[parts.path]:
            return self.scripted[parts.path].popleft()
        query = frozenset(parse_qsl(parts.query))
        body = self.routes.get((parts.path, query)) or self.routes.get((parts.path, None))
        if body is None:
            return Reply(404, b'{"error": "no such board"}')
        return Reply(200, body, {"Content-Type": "application/json"})

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                reply = server.answer(self.path)
                if reply.hang:
                    server.release.wait(HANG_S)
                    reply = Reply(200, b'{"jobs": []}')
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (a hang past its timeout)

            def log_message(self, *args):
                pass

        return Handler


def payload(name: str):
    return json.loads((FIXTURES / name).read_text())


def serve_fixtures(server: BoardServer, monkeypatch) -> BoardServer:
    """Point every adapter at ``server`` and serve one board per platform."""
    for name in ADAPTERS:
        monkeypatch.setenv(f"KAIROS_PLATFORM_{name.upper()}_URL", server.url)
    server.serve("/v1/boards/northwind/jobs", payload("greenhouse_northwind.json"))
    server.serve("/v0/postings/quillfeather", payload("lever_quillfeather.json"))
    server.serve("/posting-api/job-board/larkspur", payload("ashby_larkspur.json"))
    server.serve("/api/remote-jobs", payload("remotive.json"))
    server.serve("/api/job-board-api", payload("arbeitnow_page1.json"), {})
    server.serve("/api/job-board-api", payload("arbeitnow_page2.json"), {"page": "2"})
    server.serve("/jobs/api", payload("himalayas_page1.json"), {"limit": "20"})
    server.serve(
        "/jobs/api", payload("himalayas_page2.json"), {"limit": "20", "cursor": "Y3Vyc29yOjI="}
    )
    sr = "/v1/companies/Bramblecorp/postings"
    server.serve(sr, payload("smartrecruiters_page1.json"), {"limit": "100", "offset": "0"})
    server.serve(sr, payload("smartrecruiters_page2.json"), {"limit": "100", "offset": "2"})
    return server
