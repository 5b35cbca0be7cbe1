"""GroupCommit: a lone caller writes at once; callers arriving meanwhile share the next write;
each caller hears its own outcome."""

from __future__ import annotations

import threading

import pytest

from app.batching import GroupCommit


class Recorder:
    """A write that can be held open, so callers pile up behind it."""

    def __init__(self, outcome=lambda item: item * 10):
        self.batches: list[list] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.outcome = outcome

    def __call__(self, items):
        self.batches.append(list(items))
        self.entered.set()
        self.release.wait()
        return [self.outcome(item) for item in items]


def _start(batcher, items, results):
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, _outcome(batcher, i)))
        for i in items
    ]
    for t in threads:
        t.start()
    return threads


def _outcome(batcher, item):
    try:
        return batcher.run(item)
    except Exception as exc:
        return exc


def _wait_queued(batcher, n):
    while True:
        with batcher._lock:
            if len(batcher._pending) >= n:
                return
        threading.Event().wait(0.001)


def test_a_lone_caller_writes_at_once_in_a_batch_of_its_own():
    write = Recorder()
    batcher = GroupCommit(write, window=60)  # the window never applies to nobody announced
    assert batcher.run(3) == 30
    assert write.batches == [[3]]


def test_callers_arriving_during_a_write_share_the_next_one():
    write = Recorder()
    write.release.clear()
    batcher = GroupCommit(write)
    results: dict = {}
    first = _start(batcher, [0], results)
    write.entered.wait()
    rest = _start(batcher, range(1, 6), results)
    _wait_queued(batcher, 5)
    write.release.set()
    for t in first + rest:
        t.join()
    assert write.batches[0] == [0]
    assert sorted(write.batches[1]) == [1, 2, 3, 4, 5] and len(write.batches) == 2
    assert results == {i: i * 10 for i in range(6)}
    assert (batcher.writes, batcher.items) == (2, 6)


def test_max_items_bounds_a_batch():
    write = Recorder()
    write.release.clear()
    batcher = GroupCommit(write, max_items=2)
    results: dict = {}
    threads = _start(batcher, [0], results)
    write.entered.wait()
    threads += _start(batcher, range(1, 6), results)
    _wait_queued(batcher, 5)
    write.release.set()
    for t in threads:
        t.join()
    assert [len(b) for b in write.batches] == [1, 2, 2, 1]
    assert results == {i: i * 10 for i in range(6)}


def test_each_caller_gets_its_own_failure_and_a_failed_write_reaches_all():
    def outcome(item):
        return ValueError(f"bad {item}") if item % 2 else item

    batcher = GroupCommit(Recorder(outcome))
    assert batcher.run(2) == 2
    with pytest.raises(ValueError, match="bad 3"):
        batcher.run(3)

    def broken(items):
        raise ConnectionError("database away")

    batcher = GroupCommit(broken)
    with pytest.raises(ConnectionError):
        batcher.run(1)
    # The lead was handed back: the next caller writes (and fails) on its own.
    with pytest.raises(ConnectionError):
        batcher.run(2)


def test_a_leader_waits_for_announced_callers_within_the_window():
    write = Recorder()
    batcher = GroupCommit(write, window=30, max_items=3)
    results: dict = {}
    announced = [batcher.expect() for _ in range(3)]
    tokens = [a.__enter__() for a in announced]

    def caller(i):
        results[i] = batcher.run(i, tokens[i])
        announced[i].__exit__(None, None, None)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # All three were announced: the first to arrive waited for the others (max_items 3).
    assert write.batches and sorted(write.batches[0]) == [0, 1, 2]
    assert results == {0: 0, 1: 10, 2: 20}


def test_an_announced_caller_that_leaves_releases_the_leader():
    write = Recorder()
    batcher = GroupCommit(write, window=30)
    with batcher.expect():
        pass  # validation failed: it never reaches run()
    assert batcher.run(1) == 10 and write.batches == [[1]]
