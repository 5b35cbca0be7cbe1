"""Group commit: what concurrent callers of one process write, written once for all of them.

A caller hands its item to a :class:`GroupCommit` and blocks until the item is written; the
answer (or the exception) is the item's own. The first caller with nobody writing becomes
the *leader* and writes at once: a lone caller is never delayed. Callers arriving while a
write is in flight queue up and the next leader writes them together (up to ``max_items``):
the busier the process, the bigger the batches, with one write in flight at a time (the
pattern of nerves_hub's analytics buffer and Hatchet's buffered writes, without their timer:
memory is bounded by the callers that are blocked, and latency by one write).

``window`` adds one refinement for callers that announce themselves early
(:meth:`GroupCommit.expect`): a leader that knows such callers are on their way (parsing,
validating) waits for them up to ``window`` seconds or ``max_items``, whichever comes first.
With nobody announced it does not wait.

Only :mod:`threading` primitives: under gunicorn's gevent worker they are patched into
greenlet primitives, in a threaded server or a Celery thread pool they are threads'.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager


class _Slot:
    __slots__ = ("item", "outcome", "done", "lead", "wake")

    def __init__(self, item):
        self.item = item
        self.outcome = None
        self.done = False
        self.lead = False
        self.wake = threading.Event()


class GroupCommit:
    """``write(items) -> outcomes``: one outcome per item, in order; an outcome that is an
    exception is raised in that item's caller. If ``write`` itself raises, every caller of
    the batch gets that exception."""

    def __init__(
        self,
        write: Callable[[list], Sequence],
        *,
        max_items: int = 100,
        window: float = 0.0,
        name: str = "batch",
    ):
        self.write = write
        self.max_items = max(1, max_items)
        self.window = max(0.0, window)
        self.name = name
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._pending: list[_Slot] = []
        self._leading = False
        self._expected = 0
        # Figures for the benches and the docs: how many writes, how many items.
        self.writes = 0
        self.items = 0

    @contextmanager
    def expect(self):
        """Announce a caller that will reach :meth:`run` soon (or leave without it)."""
        with self._lock:
            self._expected += 1
        token = {"arrived": False}
        try:
            yield token
        finally:
            if not token["arrived"]:
                with self._lock:
                    self._expected -= 1
                    self._arrived.notify()

    def run(self, item, expected: dict | None = None):
        slot = _Slot(item)
        with self._lock:
            if expected is not None and not expected["arrived"]:
                expected["arrived"] = True
                self._expected -= 1
            self._pending.append(slot)
            if self._leading:
                self._arrived.notify()
            else:
                self._leading = slot.lead = True
        if not slot.lead:
            slot.wake.wait()
        if slot.lead:
            try:
                self._lead(slot)
            except BaseException:
                self._abdicate(slot)  # killed while waiting (a greenlet's timeout): pass it on
                raise
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome

    def _abdicate(self, own: _Slot) -> None:
        with self._lock:
            if own in self._pending:
                self._pending.remove(own)
            successor = self._pending[0] if self._pending else None
            if successor is None:
                self._leading = False
            else:
                successor.lead = True
        if successor is not None:
            successor.wake.set()

    def _lead(self, own: _Slot) -> None:
        while not own.done:
            with self._lock:
                deadline = time.monotonic() + self.window
                while self._expected > 0 and len(self._pending) < self.max_items:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._arrived.wait(remaining)
                batch = self._pending[: self.max_items]
                del self._pending[: self.max_items]
            try:
                outcomes = list(self.write([slot.item for slot in batch]))
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"{self.name}: {len(outcomes)} outcomes for {len(batch)}")
            except BaseException as exc:  # noqa: BLE001 - every waiting caller must hear it
                outcomes = [exc] * len(batch)
            with self._lock:
                self.writes += 1
                self.items += len(batch)
                for slot, outcome in zip(batch, outcomes, strict=True):
                    slot.outcome, slot.done = outcome, True
                # Hand the lead to the oldest waiter, whose batch then holds itself.
                successor = None
                if self._pending and not own.done:
                    pass  # our own slot is still queued (more than max_items ahead): go on
                elif self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                else:
                    self._leading = False
            for slot in batch:
                if slot is not own:
                    slot.wake.set()
            if successor is not None:
                successor.wake.set()
