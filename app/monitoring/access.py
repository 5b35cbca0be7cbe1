"""Who is reading, and which org's monitoring they read.

Monitoring reads are public (the seed's resources, announcements, status page, badges), so
authentication is optional there: a credential, when sent, must be valid (a bad token is a
401, never a silent downgrade to anonymous); without one the caller is anonymous. The org is
named by ``?org=<slug>``, or is the caller's own. A caller reads an org as

- ``anonymous`` — no credential, or a member of another org: PUBLIC and ungrouped resources;
- ``member`` — any role in that org: AUTHENTICATED resources too;
- ``admin`` — owner or admin there: may also ask for HIDDEN ones (``include_hidden``).

Writes keep using ``@require("admin")`` from the platform.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import g
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.core.errors import ApiError, NotFound
from app.core.principal import Principal
from app.db import session_scope
from app.models import Org
from app.platform.auth import authenticate, credential_from_request

LEVELS = ("anonymous", "member", "admin")
SLUG_MAX = 80


@dataclass(frozen=True)
class Reader:
    principal: Principal | None
    org_id: str | None
    level: str  # anonymous | member | admin

    @property
    def is_member(self) -> bool:
        return self.level != "anonymous"


def optional_principal() -> Principal | None:
    """The caller if they sent a credential (or the server runs without auth), else None."""
    if "principal" in g:
        return g.principal
    if credential_from_request() or get_settings().auth == "none":
        return authenticate()
    return None


def level_in(principal: Principal | None, org_id: str | None) -> str:
    if principal is None or org_id is None or principal.org_id != org_id:
        return "anonymous"
    return "admin" if principal.has_role("admin") else "member"


def org_by_slug(slug: str) -> Org:
    with session_scope() as s:
        org = s.scalar(select(Org).where(Org.slug == slug.lower()))
    if org is None:
        raise NotFound("org")
    return org


def reader(org_slug: str | None, *, org_required: bool = True) -> Reader:
    """Resolve the caller and the org they read. Without a slug the caller's own org is
    read; an anonymous caller without a slug gets a 400 naming ``org`` (when required)."""
    principal = optional_principal()
    if org_slug:
        org_id = org_by_slug(org_slug).id
    elif principal is not None:
        org_id = principal.org_id
    elif org_required:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "Invalid input",
            {"org": ["Name the org (?org=<slug>) or authenticate"]},
        )
    else:
        org_id = None
    return Reader(principal, org_id, level_in(principal, org_id))


# --- slugs --------------------------------------------------------------------------------


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "org"


def ensure_slug(org_id: str) -> str:
    """The org's public slug, made on first use: its name, made unique by a piece of its id.

    Registration does not set one (it belongs to the platform), so whoever first needs it
    (creating a resource, reading the org's settings) sets it; racing writers agree, since
    the value depends only on the org.
    """
    with session_scope() as s:
        org = s.get(Org, org_id)
        if org is None:
            raise NotFound("org")
        if org.slug:
            return org.slug
        name, key = slugify(org.name), org.id.replace("-", "")
    # The short form can only clash with a slug an admin chose by hand; the long one is the
    # whole id, which nobody else has.
    for slug in (f"{name}-{key[:8]}", f"{name[:40]}-{key}"):
        try:
            with session_scope() as s:
                s.execute(update(Org).where(Org.id == org_id, Org.slug.is_(None)).values(slug=slug))
                current = s.scalar(select(Org.slug).where(Org.id == org_id))
            return current
        except IntegrityError:
            continue
    raise ApiError(409, "CONFLICT", "Could not give the org a unique slug; choose one")
