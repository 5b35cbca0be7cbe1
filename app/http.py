"""The one response envelope and the one error mapping, plus the shared smorest bases.

Success: ``{"status": "success", "data": …, "message": null, "meta": {…}|null}``
Error:   ``{"status": "error", "data": null, "message": "…", "code": "…", "errors": {…}}``

Every answer goes through here, including werkzeug's own errors, flask-smorest's validation
errors, rate limiting and unhandled exceptions (500, never a stack trace).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import marshmallow as ma
from flask import g, jsonify, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

log = logging.getLogger("kairos.http")

DEFAULT_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "UPSTREAM_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """A domain error with the status and code a client can switch on."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


def not_found(what: str) -> ApiError:
    return ApiError(
        404, f"{what.upper().replace(' ', '_')}_NOT_FOUND", f"{what.capitalize()} not found"
    )


def error_response(status: int, code: str, message: str, errors: dict | None = None, headers=None):
    body = {"status": "error", "data": None, "message": message, "code": code}
    if errors:
        body["errors"] = errors
    resp = jsonify(body)
    resp.status_code = status
    if headers:
        resp.headers.update(headers)
    return resp


def _http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "files", "headers"}:
        # webargs nests errors by location; a client cares about the field, not the location.
        merged: dict = {}
        for location, by_field in errors.items():
            if isinstance(by_field, dict):
                merged.update(by_field)
            else:  # a problem with the whole body, e.g. invalid JSON
                merged[location] = by_field
        errors = merged
    if status == 429:
        message = f"Rate limit exceeded ({exc.description})"
        limit = getattr(exc, "limit", None)  # flask-limiter's RateLimitExceeded
        if limit is not None:
            # The end of the current window is at most one window away.
            data = {**data, "headers": {"Retry-After": str(limit.limit.get_expiry())}}
    elif errors:
        message = "Invalid input"
    else:
        message = data.get("message") or HTTPStatus(status).phrase
    headers = dict(data.get("headers") or {})
    if getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(
        status, DEFAULT_CODES.get(status, HTTPStatus(status).name), message, errors, headers
    )


def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.errors)


def _unhandled(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_exception(exc)
    log.exception("unhandled_error", extra={"path": request.path, "method": request.method})
    return error_response(500, "INTERNAL_ERROR", "Internal server error")


def register_error_handlers(app) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unhandled)


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Schema(ma.Schema):
    class Meta:
        ordered = True


class ErrorEnvelopeSchema(Schema):
    status = ma.fields.String(metadata={"example": "error"})
    data = ma.fields.Raw(allow_none=True, metadata={"example": None})
    message = ma.fields.String(metadata={"description": "Human-readable message"})
    code = ma.fields.String(metadata={"description": "Machine-readable code, e.g. TASK_NOT_FOUND"})
    errors = ma.fields.Dict(metadata={"description": "Field errors: {field: [messages]}"})


class MetaSchema(Schema):
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()


_envelopes: dict[str, type] = {}


def envelope_of(schema: ma.Schema | None) -> type | None:
    """The documented shape of a success answer wrapping ``schema``."""
    if schema is None:
        return None
    name = type(schema).__name__.removesuffix("Schema") + ("List" if schema.many else "")
    if name not in _envelopes:
        _envelopes[name] = type(
            f"{name}Envelope",
            (Schema,),
            {
                "status": ma.fields.String(metadata={"example": "success"}),
                "data": ma.fields.Nested(schema),
                "message": ma.fields.String(allow_none=True),
                "meta": ma.fields.Nested(MetaSchema, allow_none=True),
            },
        )
    return _envelopes[name]


class Blueprint(_Blueprint):
    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}
    PAGINATION_HEADER_NAME = "X-Pagination"

    @staticmethod
    def _prepare_response_content(data):
        return {"status": "success", "data": data, "message": None, "meta": g.get("page_meta")}

    @staticmethod
    def _make_doc_response_schema(schema):
        return envelope_of(schema)

    def _set_pagination_metadata(self, page_params: PaginationParameters, result, headers):
        g.page_meta = {
            "total": page_params.item_count,
            "page": page_params.page,
            "page_size": page_params.page_size,
        }
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        """Pagination lives in the envelope's ``meta``, not in a header."""


def paginate(stmt, page_params: PaginationParameters, *order_by) -> list:
    """One page of ``stmt``'s rows in ``order_by`` order; the total goes to the envelope."""
    from sqlalchemy import func, select

    from app.db import session_scope

    with session_scope() as s:
        page_params.item_count = s.scalar(select(func.count()).select_from(stmt.subquery()))
        return s.scalars(
            stmt.order_by(*order_by)
            .limit(page_params.page_size)
            .offset((page_params.page - 1) * page_params.page_size)
        ).all()


class Api(_Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    def _register_error_handlers(self):
        register_error_handlers(self._app)
