"""Collapsing the same job seen twice: the same board listed twice, or one opening posted on
several boards."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from workers.careers.boards.base import Posting


def dedupe(postings: Iterable[Posting]) -> list[Posting]:
    """First by (source, source_id), then by fingerprint across platforms. Of each group the
    most complete record is kept, at the place where the group was first seen."""
    by_id = _keep_most_complete(postings, lambda p: (p.source, p.source_id))
    return _keep_most_complete(by_id, lambda p: p.fingerprint)


def _keep_most_complete(
    postings: Iterable[Posting], key: Callable[[Posting], Hashable]
) -> list[Posting]:
    kept: dict[Hashable, Posting] = {}
    for posting in postings:
        k = key(posting)
        current = kept.get(k)
        # Replacing a value keeps the key's original position in the dict.
        if current is None or posting.completeness() > current.completeness():
            kept[k] = posting
    return list(kept.values())
