"""Conversations that remember: each belongs to one user, keeps its messages, and a small
``state`` that follow-ups resolve against.

``state`` holds what a recruiter points back at: ``last_job_id``, ``last_candidate_id``,
``last_list`` (``{"type": "job" | "candidate", "ids": [...]}``, what "the first one" counts
in) and ``last_command`` (what "and for job 6?" repeats).
"""

from __future__ import annotations

from sqlalchemy import select

from app.core.principal import Principal
from app.models.recruiting import Conversation, ConversationMessage
from workers.recruiting.agent.parser import Command

HISTORY = 12  # messages an LLM sees besides the new one


class ConversationNotFound(LookupError):
    pass


def open_conversation(
    session, owner: Principal, conversation_id: str | None, first: str
) -> Conversation:
    """The user's conversation by id, or a new one. Another user's (or org's) is not found."""
    if conversation_id:
        row = session.scalar(
            select(Conversation).where(
                Conversation.id == conversation_id,
                Conversation.org_id == owner.org_id,
                Conversation.user_id == owner.user_id,
            )
        )
        if row is None:
            raise ConversationNotFound(conversation_id)
        return row
    row = Conversation(
        org_id=owner.org_id,
        user_id=owner.user_id,
        created_by=owner.caller,
        title=first.strip()[:200] or "Conversation",
        state={},
    )
    session.add(row)
    session.flush()
    return row


def history(session, conversation: Conversation) -> list[dict]:
    rows = session.scalars(
        select(ConversationMessage)
        .where(
            ConversationMessage.conversation_id == conversation.id,
            ConversationMessage.role.in_(("user", "assistant")),
        )
        .order_by(ConversationMessage.id.desc())
        .limit(HISTORY)
    ).all()
    return [{"role": m.role, "content": m.content} for m in reversed(rows)]


def opened_by(session, task_id: str | None) -> str | None:
    if task_id is None:
        return None
    return session.scalar(
        select(ConversationMessage.conversation_id)
        .where(ConversationMessage.task_id == task_id)
        .limit(1)
    )


def recorded(session, conversation: Conversation, task_id: str | None) -> bool:
    """Whether this task already recorded its user message (a retry must not repeat it)."""
    if task_id is None:
        return False
    return (
        session.scalar(
            select(ConversationMessage.id).where(
                ConversationMessage.conversation_id == conversation.id,
                ConversationMessage.task_id == task_id,
                ConversationMessage.role == "user",
            )
        )
        is not None
    )


def record(session, conversation: Conversation, role: str, content: str, data=None, task_id=None):
    session.add(
        ConversationMessage(
            conversation_id=conversation.id,
            role=role,
            content=content,
            data=data,
            task_id=task_id,
        )
    )


# --- resolving references ---------------------------------------------------------------------

_SWAP = {  # the same question about the other kind of record
    ("match_candidates", "candidate"): "match_jobs",
    ("match_jobs", "job"): "match_candidates",
    ("summarize_candidate", "job"): "show_job",
    ("show_job", "candidate"): "summarize_candidate",
}
_NEEDS = {
    "match_candidates": "job",
    "match_jobs": "candidate",
    "summarize_candidate": "candidate",
    "show_job": "job",
    "move_application": "candidate",
}


class Clarify(Exception):
    """A reference the conversation cannot resolve: ask instead of guessing."""


def resolve(command: Command, state: dict) -> Command:
    """The command with every reference replaced by an id from the conversation."""
    if command.intent == "ellipsis":
        command = _expand(command, state)
    slots, intent = dict(command.slots), command.intent
    listed = (state.get("last_list") or {}).get("type")
    for key in ("job_id", "candidate_id"):
        value = slots.get(key)
        kind = key.removesuffix("_id")
        # "summarize the first one" after "list jobs": the ordinal counts in the jobs.
        if isinstance(value, dict) and value.get("ref") == "ordinal" and listed and listed != kind:
            swapped = _SWAP.get((intent, listed))
            if swapped:
                intent = swapped
                slots.pop(key)
                slots[f"{listed}_id"] = {**value, "type": listed}
    for key in ("job_id", "candidate_id"):
        value = slots.get(key)
        if isinstance(value, dict) and value.get("ref") != "name":  # names: the tools look up
            slots[key] = _reference(value, key.removesuffix("_id"), state)
    if intent == "list_applications" and not ("job_id" in slots or "candidate_id" in slots):
        if not state.get("last_job_id"):
            raise Clarify("Which job? Say e.g. 'applications for job 5'.")
        slots["job_id"] = state["last_job_id"]
    return Command(intent, slots, command.score)


def _expand(command: Command, state: dict) -> Command:
    last = state.get("last_command")
    slots = {k: v for k, v in command.slots.items() if k not in ("pronoun", "ordinal")}
    new_type = "job" if "job_id" in slots else "candidate" if "candidate_id" in slots else None
    if "status" in slots and (command.slots.get("pronoun") or "candidate_id" in slots):
        ref = slots.get("candidate_id") or {"ref": "pronoun", "type": "candidate"}
        return Command("move_application", {**slots, "candidate_id": ref}, 0.5)
    if "ordinal" in command.slots or command.slots.get("pronoun"):
        listed = (state.get("last_list") or {}).get("type") or "candidate"
        ref = (
            {"ref": "ordinal", "index": command.slots["ordinal"], "type": listed}
            if "ordinal" in command.slots
            else {"ref": "pronoun", "type": command.slots["pronoun"].get("type") or listed}
        )
        intent = (last or {}).get("intent") or (
            "show_job" if ref["type"] == "job" else "summarize_candidate"
        )
        needs = _NEEDS.get(intent, ref["type"])
        return Command(
            _SWAP.get((intent, ref["type"]), intent) if needs != ref["type"] else intent,
            {f"{ref['type']}_id": ref},
            0.5,
        )
    if last is None or new_type is None:
        if new_type is None:
            raise Clarify("I'm not sure what you mean. Say 'help' to see what I can do.")
        return Command("show_job" if new_type == "job" else "summarize_candidate", slots, 0.5)
    intent = last["intent"]
    intent = _SWAP.get((intent, new_type), intent)
    merged = {
        k: v for k, v in last.get("slots", {}).items() if k in ("limit", "status_filter", "status")
    }
    if intent == "list_applications":
        merged.pop("job_id", None)
    return Command(intent, {**merged, **slots}, 0.5)


def _reference(ref: dict, kind: str, state: dict) -> int:
    if ref.get("ref") == "ordinal":
        listed = state.get("last_list") or {}
        ids = listed.get("ids") or []
        if listed.get("type") != kind or not ids:
            raise Clarify(f"Which {kind}? I have no list of {kind}s to count in yet.")
        index = ref["index"]
        if index == -1:
            return ids[-1]
        if not 1 <= index <= len(ids):
            raise Clarify(f"The last list had {len(ids)} {kind}(s); there is no number {index}.")
        return ids[index - 1]
    last = state.get(f"last_{kind}_id")
    if not last:
        raise Clarify(f"Which {kind} do you mean? Say e.g. '{kind} 3'.")
    return last
