"""The one way workers talk to a language model: the official ``openai`` client, pointed at any
OpenAI-compatible server (``base_url``), always streaming so callers can forward each delta as
a ``token`` event. Every failure (HTTP status, timeout, broken stream, unparseable JSON) comes
out as :class:`LLMError`, which tasks report with the code ``LLM_ERROR``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import httpx
import openai

from workers.base import TaskError, TransientError

DEFAULT_TIMEOUT = 60.0
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


class LLMClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 0,
    ):
        self.model = model
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
        try:
            with self._client.chat.completions.create(
                model=self.model, messages=messages, stream=True, **extra
            ) as stream:
                for chunk in stream:
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        yield delta
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
    return LLMClient(settings.llm_base_url, settings.llm_api_key, settings.llm_model)
