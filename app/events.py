"""Task events: one shape, stored per task in a Redis stream (replay) and published (live).

An event is a flat JSON object: ``type`` (progress | token | complete | error), ``task_id``,
``kind``, ``ts`` and the type's own fields. Its ``id`` is the stream entry id, which orders
events and lets a client resume with ``last_event_id``.

Publishing is one Lua call (for one event or several of a task), so the stream order and the
live order are the same order: a subscriber that reads the stream after subscribing can drop
live duplicates by id alone.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from app.redis_conn import get_redis

CHANNEL = "kairos:events"
TERMINAL = ("complete", "error")

# ARGV: maxlen, ttl, org_id, then one or more events (JSON), all of one task.
_PUBLISH = """
local ids = {}
for i = 4, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
  redis.call('PUBLISH', KEYS[2], ARGV[3] .. '\\n' .. id .. '\\n' .. ARGV[i])
  ids[#ids + 1] = id
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ids
"""
_script = None


def stream_key(task_id: str) -> str:
    return f"kairos:task:{task_id}:events"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_event(type_: str, task_id: str, kind: str, **fields) -> dict:
    return {"type": type_, "task_id": task_id, "kind": kind, **fields, "ts": now_iso()}


def publish(org_id: str, event: dict, *, maxlen: int = 1000, ttl: int = 86400) -> str:
    """Append to the task's stream and publish; returns the event id."""
    return publish_many(org_id, [event], maxlen=maxlen, ttl=ttl)[0]


def _publish_script(client):
    global _script
    if _script is None or _script.registered_client is not client:
        _script = client.register_script(_PUBLISH)
    return _script


def publish_many(org_id: str, batch: list[dict], *, maxlen: int = 1000, ttl: int = 86400):
    """Publish events of one task, in order, in one round trip; returns their ids."""
    client = get_redis()
    payloads = [as_json(event) for event in batch]
    return _publish_script(client)(
        keys=[stream_key(batch[0]["task_id"]), CHANNEL], args=[maxlen, ttl, org_id, *payloads]
    )


def publish_groups(groups: list[tuple[str, list[dict]]], *, maxlen: int = 1000, ttl: int = 86400):
    """Several tasks' events, ``[(org_id, that task's events in order), …]``, in one round
    trip: the same Lua call per task, pipelined."""
    client = get_redis()
    script = _publish_script(client)
    pipe = client.pipeline(transaction=False)
    for org_id, batch in groups:
        payloads = [as_json(event) for event in batch]
        script(
            keys=[stream_key(batch[0]["task_id"]), CHANNEL],
            args=[maxlen, ttl, org_id, *payloads],
            client=pipe,
        )
    return pipe.execute()


def parse_live(message: str) -> tuple[str, dict, str]:
    """Split a pub/sub payload into (org_id, event with its id, that event as JSON).

    The JSON is made once here, by splicing the id into the published text, so fanning an
    event out to thousands of sockets does not serialize it thousands of times.
    """
    org_id, event_id, payload = message.split("\n", 2)
    event = json.loads(payload)
    event["id"] = event_id
    return org_id, event, f'{payload[:-1]},"id":"{event_id}"}}'


def as_json(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"), default=str)


def replay(task_id: str, after: str | None = None, count: int = 10_000) -> list[dict]:
    """Stored events of a task, oldest first, strictly after ``after`` when given."""
    start = f"({after}" if after else "-"
    try:
        entries = get_redis().xrange(stream_key(task_id), min=start, max="+", count=count)
    except Exception as exc:  # a malformed client-supplied id is the only expected failure
        if "Invalid stream ID" in str(exc):
            raise ValueError("last_event_id is not a stream id") from None
        if "invalid start ID" in str(exc):
            return []  # after the greatest possible id: nothing can follow
        raise
    events = []
    for entry_id, fields in entries:
        event = json.loads(fields["e"])
        event["id"] = entry_id
        events.append(event)
    return events


# 19 digits always fit Redis's unsigned 64-bit halves, and a pattern can say so.
EVENT_ID_PATTERN = r"[0-9]{1,19}(?:-[0-9]{1,19})?"
_EVENT_ID = re.compile(EVENT_ID_PATTERN, re.ASCII)


def id_key(event_id: str) -> tuple[int, int]:
    """Stream ids compare as (milliseconds, sequence). ValueError for anything else (a
    client's ``last_event_id``: ``int()`` alone would take " 7" or non-ASCII digits)."""
    if not _EVENT_ID.fullmatch(event_id):
        raise ValueError(f"not an event id: {event_id[:40]!r}")
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq or 0)
