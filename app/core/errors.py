"""Errors with the status and code a client can switch on.

Raised anywhere (a route, the task service, a worker's tool); the web app maps them to the
one error envelope (``app.http``), and a worker turns them into a task's error.
"""

from __future__ import annotations


class ApiError(Exception):
    """A domain error with the status and code a client can switch on."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


class NotFound(ApiError):
    """``<WHAT>_NOT_FOUND`` (404): a record that does not exist, or is another org's."""

    def __init__(self, what: str):
        super().__init__(
            404, f"{what.upper().replace(' ', '_')}_NOT_FOUND", f"{what.capitalize()} not found"
        )
