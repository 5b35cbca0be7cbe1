"""The one way workers talk to a language model: the official ``openai`` client, pointed at any
OpenAI-compatible server (``base_url``), always streaming so callers can forward each delta as
a ``token`` event. Every failure (HTTP status, timeout, broken stream, unparseable JSON) comes
out as :class:`LLMError`, which tasks report with the code ``LLM_ERROR``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import openai

from workers.base import TaskError, TransientError

DEFAULT_TIMEOUT = 60.0
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
# Some servers wrap JSON mode output in a Markdown fence anyway; the fence is not content.
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)

TokenSink = Callable[[str], None] | None


class LLMError(TaskError):
    """The model could not give a usable answer (a task fails with code LLM_ERROR)."""

    code = "LLM_ERROR"

    def __init__(self, message: str):
        super().__init__(message, code=self.code)


class LLMUnavailable(LLMError, TransientError):
    """Overloaded, rate limited or unreachable: worth retrying later (with backoff)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        return float(exc.response.headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


@dataclass
class ToolCall:
    """One function call the model asked for; ``arguments`` is None when its JSON was broken
    (the caller answers the model with the problem instead of guessing)."""

    id: str
    name: str
    arguments: dict | None
    raw_arguments: str = ""


@dataclass
class Turn:
    """One assistant turn: its text and the tool calls it asked for, in order."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)

    def as_message(self) -> dict:
        """The turn as the assistant message to send back with the tool results."""
        message: dict = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.raw_arguments or "{}"},
                }
                for call in self.tool_calls
            ]
        return message


def _tool_call(call_id: str, name: str, raw: str) -> ToolCall:
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except ValueError:
        arguments = None
    if arguments is not None and not isinstance(arguments, dict):
        arguments = None
    return ToolCall(call_id, name, arguments, raw)


class LLMClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 0,
        embedding_model: str = DEFAULT_EMBEDDING_MODEL,
    ):
        self.model = model
        self.embedding_model = embedding_model
        # Local servers take no key, but the client insists on one. Retries are off by default:
        # a task retries as a whole, and a hidden second request would double streamed tokens.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "unused",
            timeout=timeout,
            max_retries=max_retries,
        )

    def complete_text(self, system: str, user: str, on_token: TokenSink = None) -> str:
        return self._stream(system, user, on_token, json_mode=False)

    def complete_json(self, system: str, user: str, on_token: TokenSink = None) -> dict:
        text = self._stream(system, user, on_token, json_mode=True).strip()
        fenced = _FENCE.match(text)
        if fenced:
            text = fenced.group(1)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise LLMError(f"the model did not answer valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise LLMError(f"the model answered JSON {type(data).__name__}, not an object")
        return data

    def _stream(self, system: str, user: str, on_token: TokenSink, json_mode: bool) -> str:
        parts = []
        for delta in self._deltas(system, user, json_mode):
            parts.append(delta)
            if on_token is not None:
                on_token(delta)
        return "".join(parts)

    def _deltas(self, system: str, user: str, json_mode: bool) -> Iterator[str]:
        # Errors are mapped here, around the network only: an exception raised by the caller's
        # on_token is the caller's own and passes through unchanged.
        extra = {"response_format": {"type": "json_object"}} if json_mode else {}
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        with (
            _mapped_errors(),
            self._client.chat.completions.create(
                model=self.model, messages=messages, stream=True, **extra
            ) as stream,
        ):
            for chunk in stream:
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    yield delta

    # --- tool calling (OpenAI "tools" / "tool_calls") and embeddings ------------------------

    def chat(
        self,
        messages: list[dict],
        tools: list[dict] | None = None,
        on_token: TokenSink = None,
        stream: bool = True,
    ) -> Turn:
        """One assistant turn over a whole conversation, offering ``tools`` (OpenAI function
        specs). Text deltas go to ``on_token`` as they arrive; tool calls come back parsed."""
        extra = {"tools": tools} if tools else {}
        if not stream:
            with _mapped_errors():
                answer = self._client.chat.completions.create(
                    model=self.model, messages=messages, stream=False, **extra
                )
                if not answer.choices:
                    raise LLMError("the model answered no choices")
                message = answer.choices[0].message
                calls = [
                    _tool_call(c.id, c.function.name, c.function.arguments or "")
                    for c in message.tool_calls or ()
                ]
            if message.content and on_token is not None:
                on_token(message.content)
            return Turn(message.content or "", calls)
        parts: list[str] = []
        pending: dict[int, list[str]] = {}  # index -> [id, name, arguments so far]
        for kind, value in self._turn_events(messages, extra):
            if kind == "text":
                parts.append(value)
                if on_token is not None:
                    on_token(value)
            else:
                index, call_id, name, arguments = value
                slot = pending.setdefault(index, ["", "", ""])
                slot[0] = call_id or slot[0]
                slot[1] = name or slot[1]
                slot[2] += arguments or ""
        calls = [
            _tool_call(slot[0] or f"call_{index}", slot[1], slot[2])
            for index, slot in sorted(pending.items())
        ]
        if any(not call.name for call in calls):
            raise LLMError("the model streamed a tool call without a function name")
        return Turn("".join(parts), calls)

    def _turn_events(self, messages: list[dict], extra: dict) -> Iterator[tuple[str, object]]:
        # Like _deltas: errors are mapped around the network only, never around the caller.
        with (
            _mapped_errors(),
            self._client.chat.completions.create(
                model=self.model, messages=messages, stream=True, **extra
            ) as stream,
        ):
            for chunk in stream:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                if delta.content:
                    yield "text", delta.content
                for call in delta.tool_calls or ():
                    function = call.function
                    yield (
                        "call",
                        (
                            call.index,
                            call.id,
                            function.name if function else None,
                            function.arguments if function else None,
                        ),
                    )

    def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        """One embedding vector per text, in order (``POST /embeddings``)."""
        if not texts:
            return []
        with _mapped_errors():
            answer = self._client.embeddings.create(
                model=model or self.embedding_model, input=list(texts)
            )
        vectors = [item.embedding for item in sorted(answer.data, key=lambda d: d.index)]
        if len(vectors) != len(texts):
            raise LLMError(f"asked {len(texts)} embeddings, got {len(vectors)}")
        return vectors


@contextlib.contextmanager
def _mapped_errors():
    """Every failure of the server or the transport as LLMError (LLMUnavailable if worth
    retrying)."""
    try:
        yield
    except openai.APIStatusError as exc:
        message = f"LLM server answered {exc.status_code}: {_detail(exc)}"
        if exc.status_code == 429 or exc.status_code >= 500:
            raise LLMUnavailable(message, _retry_after(exc)) from None
        raise LLMError(message) from None
    except (openai.APITimeoutError, openai.APIConnectionError):
        raise LLMUnavailable("LLM server timed out or is unreachable") from None
    except openai.APIError as exc:
        raise LLMError(f"LLM request failed: {_detail(exc)}") from None
    except (httpx.HTTPError, ValueError) as exc:
        # A stream cut off or garbled mid-way surfaces as transport or decode errors.
        raise LLMError(f"LLM stream broke: {exc}") from None


def _detail(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        body = body.get("error", body)
        if isinstance(body, dict) and body.get("message"):
            return str(body["message"])
    return exc.message


def from_settings() -> LLMClient | None:
    """The configured client, or None when no LLM is configured (offline strategies run)."""
    from app.config import get_settings

    settings = get_settings()
    if not settings.llm_base_url:
        return None
    return LLMClient(
        settings.llm_base_url,
        settings.llm_api_key,
        settings.llm_model,
        embedding_model=getattr(settings, "llm_embedding_model", "") or DEFAULT_EMBEDDING_MODEL,
    )
