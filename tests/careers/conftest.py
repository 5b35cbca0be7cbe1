"""Careers tests: a local OpenAI-compatible server stands in for the LLM."""

from __future__ import annotations

import pytest

from tests.llm_server import LLMServer


@pytest.fixture
def llm_server():
    with LLMServer() as server:
        yield server
