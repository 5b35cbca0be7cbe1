"""The offline command grammar and the conversation's reference resolution (pure code)."""

from __future__ import annotations

import pytest

from workers.recruiting.agent.conversation import Clarify, resolve
from workers.recruiting.agent.parser import parse


@pytest.mark.parametrize(
    ("message", "intent", "slots"),
    [
        ("list jobs", "list_jobs", {}),
        ("show open jobs", "list_jobs", {"status_filter": "open"}),
        ("list on hold jobs", "list_jobs", {"status_filter": "on_hold"}),
        ("list candidates", "list_candidates", {}),
        ("How many candidates do we have?", "list_candidates", {}),
        ("how many open jobs are there", "list_jobs", {"status_filter": "open"}),
        ("summarize candidate 3", "summarize_candidate", {"candidate_id": 3}),
        ("who is candidate #12?", "summarize_candidate", {"candidate_id": 12}),
        ("match candidates for job 5", "match_candidates", {"job_id": 5}),
        ("find the best candidates for job id 5", "match_candidates", {"job_id": 5}),
        ("top 3 candidates for job 5", "match_candidates", {"job_id": 5, "limit": 3}),
        ("match jobs for candidate 7", "match_jobs", {"candidate_id": 7}),
        ("which jobs fit candidate 7?", "match_jobs", {"candidate_id": 7}),
        ("applications for job 5", "list_applications", {"job_id": 5}),
        ("pipeline for job 5", "list_applications", {"job_id": 5}),
        ("show applications for job 5", "list_applications", {"job_id": 5}),
        ("show job 5", "show_job", {"job_id": 5}),
        (
            "move candidate 3 to interview",
            "move_application",
            {"candidate_id": 3, "status": "interviewing"},
        ),
        ("what can you do", "help", {}),
        ("blah blah", "unknown", {}),
    ],
)
def test_seed_commands_parse_to_intents_and_slots(message, intent, slots):
    command = parse(message)
    assert command.intent == intent
    assert command.slots == slots


def test_create_keeps_the_whole_prompt():
    command = parse("create a new job for a senior backend engineer in NYC")
    assert command.intent == "create_job"
    assert command.slots["prompt"] == "create a new job for a senior backend engineer in NYC"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("delete all candidates", "destructive"),
        ("please wipe the jobs table", "destructive"),
        ("show me the candidates of another organization", "foreign"),
        ("list jobs for every org", "foreign"),
        ("show jobs of org 5", "foreign"),
    ],
)
def test_refusals(message, reason):
    assert parse(message).as_dict() == {"intent": "refuse", "slots": {"reason": reason}}


STATE = {
    "last_job_id": 5,
    "last_candidate_id": 12,
    "last_list": {"type": "candidate", "ids": [12, 13, 14]},
    "last_command": {"intent": "match_candidates", "slots": {"job_id": 5}},
}


@pytest.mark.parametrize(
    ("message", "intent", "slots"),
    [
        ("and for job 6?", "match_candidates", {"job_id": 6}),
        ("what about candidate 9", "match_jobs", {"candidate_id": 9}),
        ("summarize the first one", "summarize_candidate", {"candidate_id": 12}),
        ("summarize the second one", "summarize_candidate", {"candidate_id": 13}),
        ("tell me about the last one", "summarize_candidate", {"candidate_id": 14}),
        ("move him to screening", "move_application", {"candidate_id": 12, "status": "screening"}),
        ("reject her", "move_application", {"candidate_id": 12, "status": "rejected"}),
    ],
)
def test_follow_ups_resolve_against_the_conversation(message, intent, slots):
    command = resolve(parse(message), STATE)
    assert (command.intent, command.slots) == (intent, slots)


def test_the_first_one_of_a_job_list_is_a_job():
    state = {"last_list": {"type": "job", "ids": [7, 8]}}
    command = resolve(parse("summarize the first one"), state)
    assert (command.intent, command.slots) == ("show_job", {"job_id": 7})


@pytest.mark.parametrize("message", ["summarize the first one", "move him to screening"])
def test_references_without_context_ask_instead_of_guessing(message):
    with pytest.raises(Clarify):
        resolve(parse(message), {})


def test_an_ordinal_past_the_list_asks():
    with pytest.raises(Clarify, match="no number 9"):
        resolve(parse("summarize the ninth one"), STATE)


@pytest.mark.parametrize(
    ("message", "intent", "name"),
    [
        ("Summarize Jane Doe", "summarize_candidate", "Jane Doe"),
        ("match jobs for Maria Gonzalez", "match_jobs", "Maria Gonzalez"),
        ("Move Jane to screening", "move_application", "Jane"),
        ("what about Bob?", "ellipsis", "Bob"),
    ],
)
def test_a_capitalised_name_is_a_candidate_reference(message, intent, name):
    command = parse(message)
    assert command.intent == intent
    assert command.slots["candidate_id"] == {"ref": "name", "name": name, "type": "candidate"}


def test_command_words_in_capitals_are_not_names():
    assert parse("List Jobs").as_dict() == {"intent": "list_jobs", "slots": {}}
    assert parse("Weather Today").intent == "unknown"
