"""What the broker holds: queue depths and, where the broker lets us look, the id of every
task message it still has (waiting in a queue, or delivered and not yet acknowledged).

The janitor compares that with the task rows: an accepted row whose message the broker no
longer has was lost (a Redis that restarted empty, a flush) and is re-sent at once, however
recent. Re-sending is safe: a task starts only once (TrackedTask's atomic start).
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

from app.platform.kinds import QUEUES

log = logging.getLogger("kairos.janitor")

# kombu's Redis transport keeps delivered, unacknowledged messages in this hash.
UNACKED_KEY = "unacked"
SCAN_LIMIT = 200_000  # messages read per sweep, at most; beyond it we only trust depths


@dataclass
class BrokerView:
    depths: dict[str, int]
    # Every task id the broker holds, or None where it cannot be listed (RabbitMQ).
    task_ids: set[str] | None


def _task_id(raw) -> str | None:
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # an unacked entry: [message, exchange, routing_key]
            message = message[0]
        return message["headers"]["id"]
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _redis_view(client) -> BrokerView:
    pipe = client.pipeline(transaction=False)
    for queue in QUEUES:
        pipe.llen(queue)
    depths = dict(zip(QUEUES, pipe.execute(), strict=True))
    if sum(depths.values()) + client.hlen(UNACKED_KEY) > SCAN_LIMIT:
        return BrokerView(depths, None)
    pipe = client.pipeline(transaction=False)
    for queue in QUEUES:
        pipe.lrange(queue, 0, -1)
    pipe.hvals(UNACKED_KEY)
    ids = {_task_id(raw) for batch in pipe.execute() for raw in batch}
    ids.discard(None)
    return BrokerView(depths, ids)


def _amqp_depths(conn) -> dict[str, int]:
    depths = {}
    for queue in QUEUES:
        channel = conn.channel()
        try:
            depths[queue] = channel.queue_declare(queue, passive=True).message_count
        except Exception:  # not declared yet: no worker ever consumed it, nothing waits
            depths[queue] = 0
        finally:
            with contextlib.suppress(Exception):  # a refused passive declare closed it
                channel.close()
    return depths


def broker_view(app) -> BrokerView:
    """Look at the broker ``app`` sends to (raises if it is unreachable)."""
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1)
        if conn.transport.driver_type == "redis":
            return _redis_view(conn.default_channel.client)
        return BrokerView(_amqp_depths(conn), None)
