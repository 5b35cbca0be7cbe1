"""The one pagination of every list route: flask-smorest's post-pagination with a pager
(``Page`` subclass) for SQLAlchemy statements.

A list view decorated ``@blp.paginate()`` returns its ordered ``select`` (or :class:`Rows`
when a page of rows must be turned into answer data, or the caller asked with the seed's
``skip``/``limit``, or a bounded list it already holds); :class:`QueryPage` counts the rows,
fetches the page in one session, and the envelope's ``meta`` reports ``total``, ``page`` and
``page_size``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask_smorest import Page, abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db import session_scope

MAX_PAGE = 10_000  # page × page_size stays far inside any database's OFFSET range
PAGE_RANGE = ma.validate.Range(min=1, max=MAX_PAGE)


@dataclass(frozen=True)
class Rows:
    """What a paginated view returns when the bare statement is not enough.

    ``render(session, rows)`` turns the page's rows into the answer's items (in the same
    session, so it may load what they refer to). ``skip``/``limit`` (the recruiting seed's
    paging) replace ``page``/``page_size`` when given; ``meta`` then reports the page
    ``skip`` falls in and ``limit`` as its size.
    """

    stmt: Select
    render: Callable[[Session, list], list] | None = None
    skip: int | None = None
    limit: int | None = None


SEED_DEFAULT_LIMIT = 50  # the recruiting seed's `limit` when only `skip` is given


class QueryPage(Page):
    """A page of a SQLAlchemy ``select``: the total from a ``count(*)`` over the statement,
    the items from ``LIMIT``/``OFFSET``, both in one session."""

    def __init__(self, collection: Select | Rows | list, page_params):
        try:
            PAGE_RANGE(page_params.page)  # the document states it as the page's maximum
        except ma.ValidationError as exc:
            abort(400, messages={"query": {"page": exc.messages}})
        if isinstance(collection, list):  # a bounded list already in memory
            first = page_params.first_item
            self._count = len(collection)
            self._items = collection[first : first + page_params.page_size]
            super().__init__(collection, page_params)
            return
        rows = collection if isinstance(collection, Rows) else Rows(collection)
        if rows.skip is not None or rows.limit is not None:
            limit = rows.limit or SEED_DEFAULT_LIMIT
            offset = rows.skip or 0
            page_params.page_size = limit
            page_params.page = offset // limit + 1
        else:
            limit = page_params.page_size
            offset = page_params.first_item
        with session_scope() as s:
            counted = rows.stmt.order_by(None).subquery()
            self._count = s.scalar(select(func.count()).select_from(counted))
            fetched = list(s.scalars(rows.stmt.limit(limit).offset(offset)).all())
            self._items = rows.render(s, fetched) if rows.render else fetched
        super().__init__(rows, page_params)

    @property
    def item_count(self) -> int:
        return self._count

    @property
    def items(self) -> list[Any]:
        return self._items
