"""Public job boards behind one small adapter interface, searched concurrently.

``search()`` fans out one thread per source (the work is waiting on HTTP), each with its own
time budget, so a slow or failing board costs only itself; then filters by the query and
dedupes. Adding a platform is one module with an ``ADAPTER`` and one line in ``_MODULES``.

    outcome = search([Source("greenhouse", "vercel"), Source("remotive")], Query("python"))
    outcome.postings   # deduped Posting objects
    outcome.platforms  # [{"platform", "board", "status": "ok"|"error", "count", ...}, ...]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from itertools import chain

import httpx

from app.careers.domain.rules import BOARDS, validate_sources
from workers.careers.boards import (
    arbeitnow,
    ashby,
    greenhouse,
    himalayas,
    lever,
    remotive,
    smartrecruiters,
)
from workers.careers.boards.base import (
    Adapter,
    Posting,
    Query,
    ScrapingError,
    Source,
    base_url,
)
from workers.careers.boards.dedupe import dedupe
from workers.careers.boards.http import (
    Fetcher,
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    new_client,
)

__all__ = [
    "ADAPTERS",
    "Adapter",
    "LocalRateLimiter",
    "Posting",
    "Query",
    "RateLimiter",
    "RedisRateLimiter",
    "ScrapingError",
    "SearchOutcome",
    "Source",
    "base_url",
    "dedupe",
    "search",
    "validate_sources",
]

log = logging.getLogger("kairos.careers.boards")

_MODULES = (greenhouse, lever, ashby, remotive, arbeitnow, himalayas, smartrecruiters)
ADAPTERS: dict[str, Adapter] = {m.ADAPTER.name: m.ADAPTER for m in _MODULES}

# The API validates sources with the app core's table of boards; it must name exactly these.
if {name: a.needs_board for name, a in ADAPTERS.items()} != BOARDS:
    raise ImportError("app.careers.domain.rules.BOARDS disagrees with the board adapters")
# How long past a platform's budget its thread may run before the search stops waiting for it
# (the budget already bounds each HTTP call; this only guards against the unforeseen).
_GRACE_S = 2.0


@dataclass
class SearchOutcome:
    postings: list[Posting]
    platforms: list[dict]

    def to_dict(self) -> dict:
        return {"postings": [p.to_dict() for p in self.postings], "platforms": self.platforms}


def search(
    sources: Iterable[Source | Mapping],
    query: Query | Mapping | str | None = None,
    *,
    timeout: float = 15.0,
    retries: int = 3,
    http: httpx.Client | None = None,
    limiter: RateLimiter | None = None,
) -> SearchOutcome:
    """Search every source concurrently; never raises for a board's failure.

    ``timeout`` is each platform's whole budget (all pages and retries). ``limiter`` defaults
    to the Redis one, shared by all workers; ``http`` to a new client closed afterwards.
    """
    sources = list(sources)
    query = Query.coerce(query)
    problems = validate_sources(sources)
    client = http or new_client()
    fetcher = Fetcher(client, limiter or RedisRateLimiter(), retries=retries)
    platforms: list[dict] = [{} for _ in sources]
    found: list[list[Posting]] = [[] for _ in sources]
    pool = ThreadPoolExecutor(
        max_workers=max(1, len(sources) - len(problems)), thread_name_prefix="board"
    )
    deadline = time.monotonic() + timeout
    try:
        futures = {}
        for index, raw in enumerate(sources):
            if index in problems:
                platforms[index] = _invalid_entry(raw, problems[index])
                continue
            source = Source.coerce(raw)
            adapter = ADAPTERS[source.platform]
            if not adapter.needs_board:
                source = Source(source.platform)
            futures[index] = pool.submit(_search_board, adapter, source, query, fetcher, deadline)
        for index, future in futures.items():
            try:
                wait = max(0.0, deadline + _GRACE_S - time.monotonic())
                found[index], platforms[index] = future.result(timeout=wait)
            except FutureTimeout:
                source = Source.coerce(sources[index])
                platforms[index] = _error_entry(source, "SCRAPING_ERROR", "timed out")
    finally:
        # An abandoned thread ends on its own once its HTTP timeout fires; nobody waits for it.
        pool.shutdown(wait=False, cancel_futures=True)
        if http is None:
            client.close()
    return SearchOutcome(dedupe(chain.from_iterable(found)), platforms)


def _search_board(
    adapter: Adapter, source: Source, query: Query, fetcher: Fetcher, deadline: float
) -> tuple[list[Posting], dict]:
    try:
        fetched = adapter.fetch(source, fetcher, deadline)
    except ScrapingError as exc:
        log.warning("job search: %s (board %s)", exc, source.board)
        return [], _error_entry(source, exc.code, exc.message)
    except Exception:
        log.exception("job search: %s adapter failed on board %s", adapter.name, source.board)
        return [], _error_entry(source, ScrapingError.code, "unexpected error reading the board")
    matched = [p for p in fetched if query.matches(p)]
    entry = {"platform": source.platform, "board": source.board, "status": "ok"}
    return matched, {**entry, "count": len(matched), "fetched": len(fetched)}


def _error_entry(source: Source, code: str, message: str) -> dict:
    return {
        "platform": source.platform,
        "board": source.board,
        "status": "error",
        "count": 0,
        "code": code,
        "message": message,
    }


def _invalid_entry(raw: object, message: str) -> dict:
    source = Source.coerce(raw) if isinstance(raw, Source | Mapping) else Source(str(raw))
    return _error_entry(source, "VALIDATION_ERROR", message)
