"""Query helpers of the recruiting routes: ids from paths, listings paged as the caller
speaks (seed skip/limit or page/page_size), case-insensitive word search. (Changes to records
and the application pipeline are domain rules: ``app.recruiting.domain.changes``.)"""

from __future__ import annotations

from flask import request
from sqlalchemy import func

from app.core.errors import NotFound
from app.pagination import SEED_DEFAULT_LIMIT, Rows

MAX_ID = 2**31 - 1


def record_id(value: str, what: str) -> int:
    """An id from a path: ASCII digits within the column's range, else that record is not
    found (404, as for another org's)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        raise NotFound(what)
    return int(value)


# Query parameters only seed 001 spells: a caller using one pages as the seed does.
SEED_PARAMS = ("skip", "limit", "status_filter")


def listing(stmt, query: dict) -> Rows:
    """The rows of ``stmt`` (ordered), paged as the caller speaks: a seed 001 client (any of
    ``SEED_PARAMS`` and no ``page``/``page_size``) gets ``skip``/``limit`` with the seed's
    default of 50; everyone else ``page``/``page_size`` (default 20)."""
    platform_paging = "page" in request.args or "page_size" in request.args
    seed = "skip" in query or "limit" in query
    if seed or (not platform_paging and any(k in query for k in SEED_PARAMS)):
        return Rows(stmt, skip=query.get("skip", 0), limit=query.get("limit", SEED_DEFAULT_LIMIT))
    return Rows(stmt)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words_in(stmt, column, q: str | None):
    """Rows whose ``column`` contains every word of ``q``, ignoring case."""
    for word in (q or "").split():
        stmt = stmt.where(func.lower(column).like(f"%{_escape_like(word.lower())}%", escape="\\"))
    return stmt
