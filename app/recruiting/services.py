"""Query helpers of the recruiting routes: ids from paths, list paging with the seed's
skip/limit, case-insensitive word search. (Changes to records and the application pipeline
are domain rules: ``app.recruiting.domain.changes``.)"""

from __future__ import annotations

from flask import request
from sqlalchemy import func, select

from app.core.errors import NotFound
from app.db import session_scope

SEED_DEFAULT_LIMIT = 50
MAX_ID = 2**31 - 1


def record_id(value: str, what: str) -> int:
    """An id from a path: ASCII digits within the column's range, else that record is not
    found (404, as for another org's)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        raise NotFound(what)
    return int(value)


# Query parameters only seed 001 spells: a caller using one pages as the seed does.
SEED_PARAMS = ("skip", "limit", "status_filter")


def page_of(stmt, page_params, query: dict, *order_by) -> list:
    """One page of rows, paged as the caller speaks: a seed 001 client (any of
    ``SEED_PARAMS`` and no ``page``/``page_size``) gets ``skip``/``limit`` with the seed's
    default of 50; everyone else ``page``/``page_size`` (default 20).

    The envelope's meta reports the page that ``skip`` falls in and ``limit`` as its size.
    """
    platform_paging = "page" in request.args or "page_size" in request.args
    seed = "skip" in query or "limit" in query
    if seed or (not platform_paging and any(k in query for k in SEED_PARAMS)):
        limit = query.get("limit", SEED_DEFAULT_LIMIT)
        offset = query.get("skip", 0)
        page_params.page_size = limit
        page_params.page = offset // limit + 1
    else:
        limit = page_params.page_size
        offset = (page_params.page - 1) * page_params.page_size
    with session_scope() as s:
        page_params.item_count = s.scalar(select(func.count()).select_from(stmt.subquery()))
        return s.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words_in(stmt, column, q: str | None):
    """Rows whose ``column`` contains every word of ``q``, ignoring case."""
    for word in (q or "").split():
        stmt = stmt.where(func.lower(column).like(f"%{_escape_like(word.lower())}%", escape="\\"))
    return stmt
