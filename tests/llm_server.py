"""A real OpenAI-compatible HTTP server for tests: ``POST /v1/chat/completions`` on 127.0.0.1.

Tests script its answers in order with :meth:`LLMServer.reply` (a content string, streamed
as chat.completion.chunk events when the request asks for ``stream``; tool calls, streamed as
argument pieces or whole; an HTTP error status; or raw bytes to break the protocol), and read
back what the client sent in ``requests`` (the tools offered: :meth:`LLMServer.tools_sent`).

``POST /v1/embeddings`` answers a deterministic hashed bag-of-words vector per input (texts
sharing words are close), or what ``embed_fn`` returns; it consumes no scripted reply.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str = ""
    chunks: list[str] | None = None  # how the content is cut into deltas; default: per word
    status: int = 200
    raw: bytes | None = None  # sent as the body as is (a 200 with text/event-stream)
    delay: float = 0.0  # seconds to wait before answering (client timeouts)
    # [{"name", "arguments": dict | str, "id"?}]: the assistant asks for these function calls
    tool_calls: list[dict] | None = None


EMBEDDING_DIMENSIONS = 64


def hashed_embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A unit vector from the text's lowercased words, each hashed to a dimension."""
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class LLMServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []  # {"path", "headers" (lowercased), "body"} as received
        self.embed_fn = hashed_embedding
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply(
        self,
        content: str = "",
        *,
        chunks: list[str] | None = None,
        status: int = 200,
        raw: bytes | None = None,
        delay: float = 0.0,
        tool_calls: list[dict] | None = None,
    ) -> None:
        """Queue the answer to the next request (FIFO); ``chunks``, if given, are the deltas;
        ``tool_calls`` (``[{"name", "arguments"}]``) make it a turn that calls functions."""
        if chunks is not None:
            content = "".join(chunks)
        with self._lock:
            self.replies.append(Reply(content, chunks, status, raw, delay, tool_calls))

    def tool_call(self, name: str, arguments: dict | str | None = None, **kwargs) -> None:
        """Shorthand: the next answer calls one function."""
        self.reply(tool_calls=[{"name": name, "arguments": arguments or {}}], **kwargs)

    def tools_sent(self, index: int = -1) -> list[str]:
        """The names of the functions offered in a chat request (the last one by default)."""
        chats = [r for r in self.requests if r["path"] == "/v1/chat/completions"]
        return [tool["function"]["name"] for tool in chats[index]["body"].get("tools") or ()]

    def next_reply(self, request: dict) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return Reply(status=500, content="no scripted reply left for this request")

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (a timeout test) leaves a broken pipe behind: not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _completion_id() -> str:
    return f"chatcmpl-test{time.monotonic_ns()}"


def _chunk(cid: str, model: str, delta: dict, finish: str | None) -> bytes:
    event = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(event).encode() + b"\n\n"


def _handler(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = {"path": self.path, "headers": headers, "body": body}
            if self.path == "/v1/chat/completions":
                reply = server.next_reply(request)
            elif self.path == "/v1/embeddings":
                with server._lock:
                    server.requests.append(request)
                self._send(200, "application/json", _embeddings(server, body))
                return
            else:
                reply = Reply(status=404, content=f"no route {self.path}")
            time.sleep(reply.delay)
            if reply.raw is not None:
                self._send(200, "text/event-stream", reply.raw)
            elif reply.status != 200:
                error = {"message": reply.content, "type": "server_error", "param": None}
                self._send(reply.status, "application/json", json.dumps({"error": error}).encode())
            elif body.get("stream"):
                self._stream(body.get("model", ""), reply)
            else:
                self._send(200, "application/json", self._completion(body, reply))

        def _send(self, status: int, ctype: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, model: str, reply: Reply) -> None:
            # HTTP/1.0 semantics: no length, the body ends when the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            cid = _completion_id()
            pieces = reply.chunks or re.findall(r"\s*\S+|\s+", reply.content) or [""]
            self.wfile.write(_chunk(cid, model, {"role": "assistant", "content": ""}, None))
            for piece in pieces if reply.content or not reply.tool_calls else ():
                self.wfile.write(_chunk(cid, model, {"content": piece}, None))
                self.wfile.flush()
            for index, call in enumerate(_calls(reply)):
                # As real servers do: id and name first, then the arguments in pieces.
                head = {"index": index, "id": call["id"], "type": "function"}
                head["function"] = {"name": call["function"]["name"], "arguments": ""}
                self.wfile.write(_chunk(cid, model, {"tool_calls": [head]}, None))
                arguments = call["function"]["arguments"]
                for start in range(0, len(arguments), 7):
                    piece = {
                        "index": index,
                        "function": {"arguments": arguments[start : start + 7]},
                    }
                    self.wfile.write(_chunk(cid, model, {"tool_calls": [piece]}, None))
                    self.wfile.flush()
            finish = "tool_calls" if reply.tool_calls else "stop"
            self.wfile.write(_chunk(cid, model, {}, finish))
            self.wfile.write(b"data: [DONE]\n\n")

        def _completion(self, body: dict, reply: Reply) -> bytes:
            message = {"role": "assistant", "content": reply.content or None, "refusal": None}
            if reply.tool_calls:
                message["tool_calls"] = _calls(reply)
            return json.dumps(
                {
                    "id": _completion_id(),
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", ""),
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "logprobs": None,
                            "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                }
            ).encode()

    return Handler


def _calls(reply: Reply) -> list[dict]:
    calls = []
    for n, call in enumerate(reply.tool_calls or ()):
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        function = {"name": call["name"], "arguments": arguments}
        calls.append(
            {"id": call.get("id") or f"call_{n}", "type": "function", "function": function}
        )
    return calls


def _embeddings(server: LLMServer, body: dict) -> bytes:
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else list(texts or ())
    data = [
        {"object": "embedding", "index": i, "embedding": server.embed_fn(text)}
        for i, text in enumerate(texts)
    ]
    usage = {"prompt_tokens": 0, "total_tokens": 0}
    return json.dumps(
        {"object": "list", "data": data, "model": body.get("model", ""), "usage": usage}
    ).encode()
