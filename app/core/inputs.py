"""The one guard on raw input the databases cannot hold or that names nothing.

Used by every schema (a field's text) and every route with path parameters (a path id),
so no workload keeps its own copy. Plain Python: no Flask, no database.
"""

from __future__ import annotations

MAX_PATH_ID = 200  # far above any id, slug or token the API issues

TEXT_PROBLEM = "Must be text without NUL characters or lone surrogates."


def bad_text(text: str) -> bool:
    """NUL cannot be stored in (or even compared with) PostgreSQL text; a lone surrogate
    cannot be encoded into any UTF-8 column."""
    if "\x00" in text:
        return True
    if text.isprintable():  # cheap: printable text holds no surrogate
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_problem(value) -> str | None:
    """The message for a field's value (text, or a list of texts) the database cannot hold."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else ()
    if any(isinstance(text, str) and bad_text(text) for text in texts):
        return TEXT_PROBLEM
    return None


def names_nothing(path_value) -> bool:
    """A path parameter no record can have: text the database cannot hold, or far too long.
    Such a request is a 404 before any query runs."""
    return isinstance(path_value, str) and (len(path_value) > MAX_PATH_ID or bad_text(path_value))
