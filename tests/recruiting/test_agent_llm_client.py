"""Tool calling and embeddings in the LLM client, against the local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from tests.recruiting.agent_helpers import llm_server  # noqa: F401
from workers.llm import LLMClient, LLMError

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "list_jobs",
            "description": "List the org's jobs",
            "parameters": {"type": "object", "properties": {"status": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def llm(llm_server):  # noqa: F811
    return LLMClient(llm_server.url, None, "test-model", timeout=5)


@pytest.mark.parametrize("stream", [True, False])
def test_a_tool_call_comes_back_parsed_streamed_or_not(llm_server, llm, stream):  # noqa: F811
    llm_server.tool_call("list_jobs", {"status": "open"})
    turn = llm.chat([{"role": "user", "content": "show open jobs"}], TOOLS, stream=stream)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("list_jobs", {"status": "open"})]
    assert turn.content == ""
    assert llm_server.tools_sent() == ["list_jobs"]
    assert llm_server.requests[0]["body"]["stream"] is stream


def test_several_calls_in_one_turn_keep_their_order_and_ids(llm_server, llm):  # noqa: F811
    llm_server.reply(
        tool_calls=[
            {"name": "list_jobs", "arguments": {"status": "open"}, "id": "a1"},
            {"name": "list_jobs", "arguments": {"status": "closed"}, "id": "b2"},
        ]
    )
    turn = llm.chat([{"role": "user", "content": "x"}], TOOLS)
    assert [(c.id, c.arguments["status"]) for c in turn.tool_calls] == [
        ("a1", "open"),
        ("b2", "closed"),
    ]
    message = turn.as_message()
    assert message["role"] == "assistant" and len(message["tool_calls"]) == 2
    assert message["tool_calls"][0]["function"]["name"] == "list_jobs"


def test_text_turns_stream_tokens(llm_server, llm):  # noqa: F811
    llm_server.reply(chunks=["Here ", "are ", "jobs."])
    tokens = []
    turn = llm.chat([{"role": "user", "content": "x"}], TOOLS, on_token=tokens.append)
    assert turn.content == "Here are jobs." and turn.tool_calls == []
    assert tokens == ["Here ", "are ", "jobs."]


def test_broken_arguments_are_reported_not_guessed(llm_server, llm):  # noqa: F811
    llm_server.reply(tool_calls=[{"name": "list_jobs", "arguments": '{"status": "op'}])
    call = llm.chat([{"role": "user", "content": "x"}], TOOLS).tool_calls[0]
    assert call.arguments is None and call.raw_arguments == '{"status": "op'


def test_http_errors_in_tool_turns_are_llm_errors(llm_server, llm):  # noqa: F811
    llm_server.reply("nope", status=400)
    with pytest.raises(LLMError, match="400: nope"):
        llm.chat([{"role": "user", "content": "x"}], TOOLS)


def test_embeddings_are_one_vector_per_text_in_order(llm_server, llm):  # noqa: F811
    vectors = llm.embed(["python backend", "python backend engineer", "pastry chef"])
    assert len(vectors) == 3 and len(vectors[0]) == len(vectors[2]) > 0

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2])
    assert llm_server.requests[0]["path"] == "/v1/embeddings"
    assert llm_server.requests[0]["body"]["input"][2] == "pastry chef"
