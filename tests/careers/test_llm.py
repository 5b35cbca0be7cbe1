"""The LLM client (the real openai client) against a local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from app import config
from workers.llm import LLMClient, LLMError, from_settings


@pytest.fixture
def llm(llm_server):
    return LLMClient(llm_server.url, "sk-test", "test-model", timeout=5)


def test_text_streams_every_delta_in_order(llm_server, llm):
    llm_server.reply(chunks=["Hel", "lo, ", "wor", "ld", "!"])
    tokens = []
    assert llm.complete_text("be brief", "greet", on_token=tokens.append) == "Hello, world!"
    assert tokens == ["Hel", "lo, ", "wor", "ld", "!"]


def test_requests_carry_model_messages_key_and_stream(llm_server, llm):
    llm_server.reply("ok")
    llm.complete_text("system text", "user text")
    request = llm_server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "test-model" and body["stream"] is True
    assert "response_format" not in body
    assert body["messages"] == [
        {"role": "system", "content": "system text"},
        {"role": "user", "content": "user text"},
    ]


def test_json_is_asked_for_streamed_and_parsed(llm_server, llm):
    llm_server.reply('{"skills": ["Go", "Rust"], "years": 5}')
    tokens = []
    assert llm.complete_json("s", "u", on_token=tokens.append) == {
        "skills": ["Go", "Rust"],
        "years": 5,
    }
    assert len(tokens) > 1
    assert llm_server.requests[0]["body"]["response_format"] == {"type": "json_object"}


def test_json_in_a_markdown_fence_is_accepted(llm_server, llm):
    llm_server.reply('```json\n{"ok": true}\n```')
    assert llm.complete_json("s", "u") == {"ok": True}


@pytest.mark.parametrize("content", ['{"skills": ["Go"', "[1, 2]", "Sure! Here it is."])
def test_anything_but_a_json_object_is_an_llm_error(llm_server, llm, content):
    llm_server.reply(content)
    with pytest.raises(LLMError) as caught:
        llm.complete_json("s", "u")
    assert caught.value.code == "LLM_ERROR"


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_http_errors_are_llm_errors_with_the_status_and_message(llm_server, llm, status):
    llm_server.reply("the server says no", status=status)
    with pytest.raises(LLMError, match=f"{status}: the server says no"):
        llm.complete_text("s", "u")
    assert len(llm_server.requests) == 1  # no hidden retries


def test_a_garbled_stream_is_an_llm_error(llm_server, llm):
    llm_server.reply(raw=b"data: {not json\n\n")
    with pytest.raises(LLMError):
        llm.complete_text("s", "u")


def test_a_slow_server_is_an_llm_error(llm_server):
    llm_server.reply("late", delay=2)
    with pytest.raises(LLMError, match="timed out"):
        LLMClient(llm_server.url, None, "m", timeout=0.3).complete_text("s", "u")


def test_an_unreachable_server_is_an_llm_error():
    with pytest.raises(LLMError):
        LLMClient("http://127.0.0.1:9/v1", None, "m", timeout=2).complete_text("s", "u")


def test_an_error_in_the_callers_token_sink_is_not_disguised(llm_server, llm):
    llm_server.reply("one two")

    def sink(delta):
        raise KeyError(delta)

    with pytest.raises(KeyError):
        llm.complete_text("s", "u", on_token=sink)


def test_from_settings_is_none_without_a_base_url(monkeypatch):
    monkeypatch.setattr(config, "_settings", config.Settings(llm_base_url=""))
    assert from_settings() is None


def test_from_settings_uses_the_configured_server_and_model(monkeypatch, llm_server):
    settings = config.Settings(llm_base_url=llm_server.url, llm_model="m-1", llm_api_key="k-1")
    monkeypatch.setattr(config, "_settings", settings)
    llm_server.reply("hi")
    assert from_settings().complete_text("s", "u") == "hi"
    request = llm_server.requests[0]
    assert request["body"]["model"] == "m-1"
    assert request["headers"]["authorization"] == "Bearer k-1"
