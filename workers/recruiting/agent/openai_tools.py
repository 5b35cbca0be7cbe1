"""The agent's commands as OpenAI tools (function specs), and the one gate an LLM's call
goes through: unknown tools and arguments are refused, never guessed."""

from __future__ import annotations

from app.models.recruiting import APPLICATION_STATUSES, JOB_STATUSES
from workers.recruiting.agent.tools import COMMANDS, MAX_LIMIT, Ctx, Outcome, Refused

_ID = {"type": "integer", "minimum": 1}


def _spec(name: str, description: str, properties: dict, required: tuple = ()) -> dict:
    parameters = {"type": "object", "properties": properties, "required": list(required)}
    parameters["additionalProperties"] = False
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


SPECS = [
    _spec(
        "list_jobs",
        "List the organization's jobs, newest first.",
        {
            "status_filter": {"type": "string", "enum": list(JOB_STATUSES)},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
    ),
    _spec(
        "list_candidates",
        "List the organization's candidates; q filters by name.",
        {
            "q": {"type": "string", "maxLength": 100},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
    ),
    _spec(
        "summarize_candidate", "Summarize one candidate.", {"candidate_id": _ID}, ("candidate_id",)
    ),
    _spec("show_job", "Show one job's details and pipeline counts.", {"job_id": _ID}, ("job_id",)),
    _spec(
        "create_job",
        "Create a job from the recruiter's description of it.",
        {
            "prompt": {
                "type": "string",
                "maxLength": 20000,
                "description": "the description as given",
            },
        },
        ("prompt",),
    ),
    _spec(
        "match_candidates",
        "Rank the organization's candidates for a job.",
        {
            "job_id": _ID,
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        ("job_id",),
    ),
    _spec(
        "match_jobs",
        "Rank the organization's jobs for a candidate.",
        {
            "candidate_id": _ID,
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        ("candidate_id",),
    ),
    _spec(
        "list_applications",
        "List the applications of a job or of a candidate.",
        {
            "job_id": _ID,
            "candidate_id": _ID,
        },
    ),
    _spec(
        "move_application",
        "Move a candidate's application to a pipeline status.",
        {
            "candidate_id": _ID,
            "status": {"type": "string", "enum": list(APPLICATION_STATUSES)},
            "job_id": _ID,
        },
        ("candidate_id", "status"),
    ),
]


def call(ctx: Ctx, name: str, arguments: dict | None) -> Outcome:
    """Run one command by name with untrusted arguments (an LLM's): unknown names and
    arguments are refused, never guessed."""
    function = COMMANDS.get(name)
    spec = next((s["function"]["parameters"] for s in SPECS if s["function"]["name"] == name), None)
    if function is None or spec is None or arguments is None:
        raise Refused(
            f"unknown tool {name!r}" if function is None else "arguments are not a JSON object"
        )
    unknown = set(arguments) - set(spec["properties"])
    missing = [k for k in spec["required"] if k not in arguments]
    if unknown or missing:
        raise Refused(f"unexpected {sorted(unknown)}" if unknown else f"missing {missing}")
    for key, value in arguments.items():
        kind = spec["properties"][key].get("type")
        if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
            raise Refused(f"{key} must be an integer")
        if kind == "string" and not isinstance(value, str):
            raise Refused(f"{key} must be a string")
    return function(ctx, **arguments)
