"""Who may act for a dining uid, without a request: a service key (an API key with the
``service`` scope) for any uid of its org, anyone else only for their own user id.

The request side (``X-User-ID``, the path uid) is ``app.dining.access``; task authorization
(``dining.summary``) applies this rule directly.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.core.errors import NotFound
from app.core.principal import Principal
from app.models.dining import DiningUser

SERVICE_SCOPE = "service"


def is_service(principal: Principal) -> bool:
    return principal.kind == "api_key" and SERVICE_SCOPE in principal.scopes


def may_act_for(principal: Principal, uid: str) -> bool:
    """The rule without a request (task authorization): a service key acts for any uid of
    its org, anyone else only for their own user id."""
    if is_service(principal):
        return True
    if principal.kind == "api_key" or not principal.user_id:
        return False
    try:
        return str(uuid.UUID(principal.user_id)) == str(uuid.UUID(uid))
    except ValueError:
        return False


def find_profile(session, uid: str, principal: Principal) -> DiningUser | None:
    return session.scalar(
        select(DiningUser).where(DiningUser.org_id == principal.org_id, DiningUser.uid == uid)
    )


def get_profile(session, uid: str, principal: Principal) -> DiningUser:
    """The org's profile for ``uid``, or 404 ``USER_NOT_FOUND`` (also for another org's)."""
    row = find_profile(session, uid, principal)
    if row is None:
        raise NotFound("user")
    return row
