"""Helpers for the agent and intake tests: a local LLM server, real PDF and DOCX writers,
and a way to run one agent call to its end."""

from __future__ import annotations

import io

import pytest

from tests.llm_server import LLMServer

R = "/api/v1/recruiting"


@pytest.fixture
def llm_server():
    with LLMServer() as server:
        yield server


@pytest.fixture
def with_llm(llm_server, monkeypatch):
    """The platform's settings point at the local LLM server for this test (the worker runs
    in this process, so it reads the same settings)."""
    import dataclasses

    from app import config

    settings = dataclasses.replace(config.get_settings(), llm_base_url=llm_server.url)
    monkeypatch.setattr(config, "_settings", settings)
    return llm_server


def pdf_bytes(text: str, *, user_password: str | None = None) -> bytes:
    """A real PDF (fpdf2) holding ``text``, optionally encrypted (pypdf)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    # The core fonts are Latin-1: typographic dashes become hyphens, as many PDFs have them.
    for line in text.translate({0x2013: "-", 0x2014: "-"}).splitlines():
        pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    if user_password is None:
        return data
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    """A real DOCX (python-docx): a heading-styled first line, then one paragraph per line."""
    import docx

    document = docx.Document()
    lines = text.splitlines()
    if lines:
        document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def run(client, path: str, **kwargs) -> dict:
    """POST an agent call holding for its end (Prefer: wait); return the finished task."""
    headers = {"Prefer": "wait=30", **kwargs.pop("headers", {})}
    resp = client.post(path, headers=headers, **kwargs)
    assert resp.status_code in (200, 202), resp.text
    return client.wait(resp.json()["data"]["id"])


def make(client, kind: str, **fields) -> dict:
    """Create a job, candidate or application over the real API."""
    resp = client.post(f"{R}/{kind}", json=fields)
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]


def chat(client, message: str, conversation_id: str | None = None) -> dict:
    """One agent turn, finished; returns the task."""
    body = {"message": message, "conversation_id": conversation_id}
    return run(client, f"{R}/agent/chat", json=body)


def reply(client, message: str, conversation_id: str | None = None) -> tuple[str, str]:
    task = chat(client, message, conversation_id)
    assert task["state"] == "succeeded", task
    return task["result"]["reply"], task["result"]["conversation_id"]
