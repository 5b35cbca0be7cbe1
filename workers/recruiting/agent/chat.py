"""One turn of the recruiter agent: guard, understand, act, reply, remember.

Offline, the message goes through the command parser, the conversation resolves its
references, and one tool runs. With an LLM configured, the model gets the same tools (OpenAI
tool calling) and the conversation's history, and may call several before it answers; each
tool runs exactly as offline. Either way the reply streams as token events.

Before either, a deterministic guard refuses what the agent was not built to do (deleting,
another organization's data), so no model is asked to decide that. Each step holds its own
short transaction: no database lock is held while a model is thinking.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from app import metrics
from app.core.principal import Principal
from app.db import session_scope
from workers.recruiting.agent import conversation as conv
from workers.recruiting.agent import openai_tools, replies, tools
from workers.recruiting.agent.parser import Command, describe, parse

log = logging.getLogger("kairos.recruiting.agent")

MAX_ROUNDS = 4
SYSTEM = """You are Kairos, a recruiting assistant for one organization's recruiters.
Use the tools to answer: list jobs or candidates, summarize a candidate, show a job, create a
job from a description, match candidates to a job or jobs to a candidate, list applications,
and move an application along the pipeline. Use only ids that the recruiter or a tool gave
you; never invent records. You cannot delete anything and you can only see this organization's
records: refuse anything else briefly. When a tool answers, base your reply on its "reply"
text, keep its ids and numbers exactly, and be concise."""


def _stream(text: str, on_token: Callable[[str], None] | None) -> None:
    if on_token is None:
        return
    for piece in re.findall(r"\S+\s*|\s+", text):
        on_token(piece)


def run_turn(
    owner: Principal,
    message: str,
    conversation_id: str | None = None,
    *,
    llm=None,
    on_token: Callable[[str], None] | None = None,
    task_id: str | None = None,
) -> dict:
    with session_scope() as s:
        # A retried attempt continues the conversation its first attempt opened.
        conversation_id = conversation_id or conv.opened_by(s, task_id)
        row = conv.open_conversation(s, owner, conversation_id, message)
        conversation_id, state = row.id, dict(row.state or {})
        past = conv.history(s, row) if llm is not None else []
        if not conv.recorded(s, row, task_id):  # a retried attempt asked this already
            conv.record(s, row, "user", message, task_id=task_id)

    command = parse(message)
    actions: list[dict] = []
    if command.intent == "refuse":
        reply, intent, data, strategy = (
            replies.REFUSALS[command.slots["reason"]],
            "refuse",
            {},
            "naive",
        )
        _stream(reply, on_token)
    elif llm is None:
        reply, intent, data = _offline(owner, command, state, task_id)
        strategy = "naive"
        _stream(reply, on_token)
        actions.append({"command": describe(command)})
    else:
        reply, intent, data, actions = _with_llm(
            owner, message, past, state, llm, on_token, task_id
        )
        strategy = "openai"

    with session_scope() as s:
        row = s.get(conv.Conversation, conversation_id)
        row.state = state
        conv.record(s, row, "assistant", reply, {"intent": intent, "actions": actions}, task_id)
    metrics.RECRUITING_AGENT_TURNS.labels(intent, strategy).inc()
    log.info("agent_turn", extra={"intent": intent, "strategy": strategy, "task_id": task_id})
    return {
        "reply": reply,
        "conversation_id": conversation_id,
        "intent": intent,
        "strategy": strategy,
        "data": data,
    }


def _offline(owner: Principal, command: Command, state: dict, task_id) -> tuple[str, str, dict]:
    if command.intent in ("help", "greet"):
        return replies.HELP, command.intent, {}
    if command.intent == "unknown":
        return replies.UNKNOWN, "unknown", {}
    try:
        resolved = conv.resolve(command, state)
    except conv.Clarify as question:
        return str(question), "clarify", {}
    arguments = {k: v for k, v in resolved.slots.items() if k in _ARGUMENTS[resolved.intent]}
    missing = [k for k in _REQUIRED.get(resolved.intent, ()) if k not in arguments]
    if missing:
        if resolved.intent in ("show_job", "summarize_candidate"):
            return replies.UNKNOWN, "unknown", {}
        what, example = _ASK[missing[0]]
        return f"Which {what}? For example: '{example}'.", "clarify", {}
    with session_scope() as s:
        ctx = tools.Ctx(s, owner, state, task_id)
        named = arguments.get("candidate_id")
        if isinstance(named, dict):  # "Summarize Jane Doe": find her by name
            found = tools.candidate_named(ctx, named["name"])
            if isinstance(found, tools.Outcome):
                return found.reply, found.intent, found.data
            arguments["candidate_id"] = resolved.slots["candidate_id"] = found
        try:
            outcome = tools.COMMANDS[resolved.intent](ctx, **arguments)
        except tools.Refused as exc:
            return f"I can't do that: {exc}.", "clarify", {}
    if outcome.intent not in ("not_found", "clarify"):
        state["last_command"] = resolved.as_dict()
    return outcome.reply, outcome.intent, outcome.data


_ASK = {
    "job_id": ("job", "match candidates for job 5"),
    "candidate_id": ("candidate", "match jobs for candidate 7"),
    "status": ("pipeline stage", "move candidate 3 to screening"),
}
_REQUIRED = {
    "summarize_candidate": ("candidate_id",),
    "show_job": ("job_id",),
    "match_candidates": ("job_id",),
    "match_jobs": ("candidate_id",),
    "move_application": ("candidate_id", "status"),
}
_ARGUMENTS = {
    "list_jobs": {"status_filter", "limit"},
    "list_candidates": {"limit"},
    "summarize_candidate": {"candidate_id"},
    "show_job": {"job_id"},
    "create_job": {"prompt"},
    "match_candidates": {"job_id", "limit"},
    "match_jobs": {"candidate_id", "limit"},
    "list_applications": {"job_id", "candidate_id"},
    "move_application": {"candidate_id", "status", "job_id"},
}


def _with_llm(owner, message, past, state, llm, on_token, task_id):
    messages = [{"role": "system", "content": SYSTEM}, *past, {"role": "user", "content": message}]
    context = {k: state[k] for k in ("last_job_id", "last_candidate_id", "last_list") if k in state}
    if context:
        messages.insert(
            1, {"role": "system", "content": "Conversation context: " + json.dumps(context)}
        )
    outcomes: list[tools.Outcome] = []
    actions: list[dict] = []
    for _ in range(MAX_ROUNDS):
        try:
            turn = llm.chat(messages, openai_tools.SPECS, on_token=on_token)
        except Exception:
            if not outcomes:
                raise
            # Something was done already: report it rather than fail (a retry would redo it).
            log.warning("agent_llm_failed_after_tools", extra={"task_id": task_id})
            break
        if not turn.tool_calls:
            last = outcomes[-1] if outcomes else None
            reply = turn.content.strip() or "\n\n".join(o.reply for o in outcomes) or replies.HELP
            return reply, last.intent if last else "answer", last.data if last else {}, actions
        messages.append(turn.as_message())
        for call in turn.tool_calls:
            actions.append({"tool": call.name, "arguments": call.arguments})
            content = _call(owner, state, call, task_id, outcomes)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    reply = "\n\n".join(o.reply for o in outcomes) or replies.HELP
    _stream(reply, on_token)
    last = outcomes[-1] if outcomes else None
    return reply, last.intent if last else "answer", last.data if last else {}, actions


def _call(owner, state, call, task_id, outcomes: list) -> str:
    with session_scope() as s:
        ctx = tools.Ctx(s, owner, state, task_id)
        try:
            outcome = openai_tools.call(ctx, call.name, call.arguments)
        except tools.Refused as exc:
            return json.dumps({"error": f"refused: {exc}", "reply": replies.REFUSALS["tool"]})
    outcomes.append(outcome)
    return json.dumps({"reply": outcome.reply, "data": outcome.data}, default=str)
