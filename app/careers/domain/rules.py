"""Rules the careers API and its workers share: which job boards exist and what a source
naming one must look like, and which resume formats a file name announces.

They live in the app core so the API validates requests without importing the workers;
the board adapters check at import time that they implement exactly the boards named here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Board platform → whether a source must name the employer's board on it.
BOARDS: dict[str, bool] = {
    "greenhouse": True,
    "lever": True,
    "ashby": True,
    "smartrecruiters": True,
    "remotive": False,
    "arbeitnow": False,
    "himalayas": False,
}

# A board name becomes a URL path segment; a leading letter or digit rules out "." and "..".
BOARD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

RESUME_FORMATS = ("latex", "markdown")
FORMAT_ALIASES = {"latex": "latex", "tex": "latex", "markdown": "markdown", "md": "markdown"}
RESUME_EXTENSIONS = {
    ".tex": "latex",
    ".latex": "latex",
    ".md": "markdown",
    ".markdown": "markdown",
}


def open_boards() -> list[dict]:
    """The boards a search uses when it names none and the profile saved none: every platform
    that lists all its jobs without an employer's board name."""
    return [{"platform": name} for name, needs_board in sorted(BOARDS.items()) if not needs_board]


def validate_sources(sources: Iterable) -> dict[int, str]:
    """Problems by position: unknown platform, missing board, board with bad characters."""
    problems = {}
    for index, raw in enumerate(sources):
        problem = source_problem(raw)
        if problem:
            problems[index] = problem
    return problems


def source_problem(raw: object) -> str | None:
    if isinstance(raw, Mapping):
        platform, board = raw.get("platform"), raw.get("board")
    elif hasattr(raw, "platform"):  # the workers' Source dataclass
        platform, board = raw.platform, getattr(raw, "board", None)
    else:
        return "each source is an object with a platform and, for most platforms, a board"
    if not isinstance(platform, str) or not platform.strip():
        return "platform is required"
    name = platform.strip().lower()
    if name not in BOARDS:
        return f"unknown platform {platform!r}; known: {', '.join(sorted(BOARDS))}"
    if not BOARDS[name]:
        return None  # a board given anyway is ignored
    if board is not None and not isinstance(board, str):
        return "board must be a string"
    if not (board or "").strip():
        return f"{name} needs a board (the employer's name in its job board address)"
    if not BOARD_NAME.fullmatch(board.strip()):
        return "board may contain only letters, digits, '.', '_' and '-' (a letter or digit first)"
    return None


def detect_format(filename: str) -> str | None:
    """The format a file name's extension says ("latex" or "markdown"), else None."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return RESUME_EXTENSIONS.get(suffix)


# An export's stored path when its bytes are in the blob store: "blob:<key>".
EXPORT_BLOB = "blob:"
