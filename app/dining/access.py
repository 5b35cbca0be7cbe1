"""Who a dining request acts for: the one rule every dining route applies.

A dining profile belongs to an end-user ``uid`` (a UUID string) inside an org. Two callers
may act on it:

* the org's own backend, with an API key carrying the ``service`` scope (the seed's
  ``X-Service-Token``): it manages any uid of its org; on user-facing endpoints it names the
  end-user in ``X-User-ID`` (or the path uid stands for it);
* a signed-in platform user, acting on the profile whose uid is their own user id.

``X-User-ID`` is trusted only beside a service key. Sent alone it authenticates nothing (the
route's ``@require`` answers 401), and beside a user's own token it may only repeat that
user's id. A uid that is not a UUID is a 400; a uid other than the acting user's is a 403;
a profile of another org is simply not found (404), as for every tenant record.

This module reads the request; the rule itself, without a request, is
``app.dining.domain.acting`` (task authorization uses it too).
"""

from __future__ import annotations

import uuid

from flask import request

from app.core.errors import ApiError
from app.core.principal import Principal
from app.dining.domain.acting import SERVICE_SCOPE, is_service
from app.platform.auth import current_principal

USER_HEADER = "X-User-ID"

# For the OpenAPI document of user-facing routes: `@blp.doc(parameters=[USER_ID_PARAMETER])`.
USER_ID_PARAMETER = {
    "in": "header",
    "name": USER_HEADER,
    "required": False,
    "schema": {"type": "string", "format": "uuid", "maxLength": 45},
    "description": "The end-user a service key acts for (400 without it when a service key "
    "calls with no uid in the path). Beside a user's own token it is not needed and may only "
    "repeat that user's id (403 otherwise); alone it authenticates nothing (401).",
}

# `POST /chat` has no uid in its path, and the seed requires the header on it: every caller
# names the user (a service key the end-user, a user token its own id), so the document can
# say "required" and mean it.
CHAT_USER_ID_PARAMETER = dict(
    USER_ID_PARAMETER,
    required=True,
    description="Required on this route (400 VALIDATION_ERROR naming X-User-ID without it). "
    "With a service key: the end-user it acts for. With a user's own token: that user's id "
    "(another id is a 403). Alone it authenticates nothing (401).",
)


BAD_UID = "uid or X-User-ID is not a UUID (VALIDATION_ERROR)"


def uid_parameters(*names: str) -> list[dict]:
    """OpenAPI path parameters that are UUIDs: ``@blp.route(rule, parameters=...)``."""
    return [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": "string", "format": "uuid", "maxLength": 45},
        }
        for name in names
    ]


def parse_uid(value: str | None, field: str = "uid") -> str:
    """The canonical form (lower-case, hyphenated) of a UUID, or a 400 naming ``field``."""
    try:
        if not value or len(value) > 45:
            raise ValueError
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError, TypeError):
        raise ApiError(
            400, "VALIDATION_ERROR", f"{field} must be a UUID", {field: ["Not a valid UUID."]}
        ) from None


def acting_uid(
    path_uid: str | None = None,
    principal: Principal | None = None,
    header_required: bool = False,
) -> str:
    """The uid this request acts for, after checking the caller may act for it.

    ``path_uid`` is the ``{uid}`` of the route, if it has one. ``header_required`` makes
    ``X-User-ID`` required of every caller (a route documented with
    ``CHAT_USER_ID_PARAMETER``). Call it after ``@require``.
    """
    principal = principal or current_principal()
    path = parse_uid(path_uid) if path_uid is not None else None
    header = request.headers.get(USER_HEADER)
    if header is None and header_required:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "Invalid input",
            {USER_HEADER: [f"This route names the user it acts for in {USER_HEADER}."]},
        )
    named = parse_uid(header, USER_HEADER) if header is not None else None

    if is_service(principal):
        acting = named or path
        if acting is None:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "Invalid input",
                {USER_HEADER: [f"A service key names the user it acts for in {USER_HEADER}."]},
            )
    elif principal.kind == "api_key":
        raise ApiError(
            403,
            "FORBIDDEN",
            f"Dining profiles need the user's own token or an API key with the "
            f"{SERVICE_SCOPE} scope",
        )
    else:
        own = principal.user_id
        acting = parse_uid(own) if own else None
        if acting is None:
            raise ApiError(403, "FORBIDDEN", "This caller has no user id to act for")
        if named is not None and named != acting:
            raise ApiError(403, "FORBIDDEN", f"{USER_HEADER} is trusted only with a service key")
    if path is not None and path != acting:
        raise ApiError(403, "FORBIDDEN", "The uid in the path is not the acting user")
    return acting
