"""CORS for ``/api/*`` only, from origins kept in the database (seed 002) plus configuration.

An origin is ``scheme://host[:port]``: no path, no trailing slash, no wildcard. With none
configured, no CORS headers are sent (the secure default). Changes apply at once: each API
process re-reads the list at most every few seconds.

The list is one per installation (a browser's preflight names no org), so, as with runtime
settings, only admins of the operator org change it, and every change is audited. Any org's
admin reads it (the console shows it).
"""

from __future__ import annotations

import threading
import time

import marshmallow as ma
from flask import request
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.core.errors import ApiError
from app.core.schema import Schema
from app.db import session_scope
from app.http import Blueprint, ErrorEnvelopeSchema
from app.models import CorsOrigin
from app.origins import ORIGIN_PATTERN, origin_problem
from app.platform import audit
from app.platform.auth import current_principal, require
from app.platform.operator import require_operator

blp = Blueprint("cors", __name__, url_prefix="/api/v1/admin", description="CORS allowed origins")

CACHE_SECONDS = 5
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
# Every request header a client of the API sends: seed 003's browser chat names its user in
# X-User-ID and its backend its service key in X-Service-Token.
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Prefer, X-API-Key, "
    "X-Kairos-Key, X-Service-Token, X-User-ID"
)


class _OriginCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._origins: frozenset[str] = frozenset()
        self._loaded = 0.0

    def get(self) -> frozenset[str]:
        if time.monotonic() - self._loaded > CACHE_SECONDS:
            with session_scope() as s:
                stored = s.scalars(select(CorsOrigin.origin)).all()
            with self._lock:
                self._origins = frozenset(stored) | frozenset(get_settings().cors_origins)
                self._loaded = time.monotonic()
        return self._origins

    def invalidate(self) -> None:
        self._loaded = 0.0


origins = _OriginCache()


def apply_cors(response):
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith("/api/") or origin not in origins.get():
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers.add("Vary", "Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


class OriginCreateSchema(Schema):
    origin = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=300),
        metadata={"example": "https://app.example.com", "pattern": ORIGIN_PATTERN},
    )

    @ma.validates("origin")
    def _valid(self, value, **_kwargs):
        problem = origin_problem(value)
        if problem:
            raise ma.ValidationError(problem)


class OriginSchema(Schema):
    id = ma.fields.String()
    origin = ma.fields.String()
    created_at = ma.fields.DateTime()


@blp.route("/cors-origins")
class Origins(MethodView):
    @require("admin")
    @blp.response(200, OriginSchema(many=True))
    def get(self):
        """Origins allowed to call the API from a browser (the installation's list)."""
        with session_scope() as s:
            return s.scalars(select(CorsOrigin).order_by(CorsOrigin.created_at)).all()

    @require("admin")
    @blp.arguments(OriginCreateSchema)
    @blp.response(201, OriginSchema)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="Already allowed")
    def post(self, body):
        """Allow an origin (operator org admins; another org's admin gets 403); takes effect
        within seconds, no restart. Audited as `cors_origin.added`."""
        principal = current_principal()
        require_operator(principal, "CORS origins")
        row = CorsOrigin(origin=body["origin"], created_by=principal.user_id)
        try:
            with session_scope() as s:
                s.add(row)
                s.flush()
                audit.record(
                    s, principal, "cors_origin.added", "cors_origin", row.id, None, _audited(row)
                )
        except IntegrityError:
            raise ApiError(409, "CONFLICT", "This origin is already allowed") from None
        origins.invalidate()
        return row


def _audited(row: CorsOrigin) -> dict:
    return {"origin": row.origin}


@blp.route("/cors-origins/<origin_id>", methods=["DELETE"])
@require("admin")
@blp.response(200, OriginSchema)
def delete_origin(origin_id):
    """Stop allowing an origin (operator org admins; another org's admin gets 403). Audited as
    `cors_origin.removed`."""
    principal = current_principal()
    require_operator(principal, "CORS origins")
    with session_scope() as s:
        row = s.get(CorsOrigin, origin_id)
        if row is None:
            raise ApiError(404, "CORS_ORIGIN_NOT_FOUND", "CORS origin not found")
        audit.record(
            s, principal, "cors_origin.removed", "cors_origin", row.id, _audited(row), None
        )
        s.delete(row)
    origins.invalidate()
    return row
