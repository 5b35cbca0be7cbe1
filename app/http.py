"""The one response envelope and the one error mapping, plus the shared smorest bases.

Success: ``{"status": "success", "data": …, "message": null, "meta": {…}|null}``
Error:   ``{"status": "error", "data": null, "message": "…", "code": "…", "errors": {…}}``

Every answer goes through here, including werkzeug's own errors, flask-smorest's validation
errors, rate limiting and unhandled exceptions (500, never a stack trace).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

import flask
import marshmallow as ma
from flask import current_app, g, jsonify, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import current_api
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.core.errors import ApiError
from app.core.inputs import names_nothing
from app.core.schema import Schema
from app.openapi import MANUAL_BODY_MARK, ContractPlugin, allowed_methods, options_response
from app.pagination import QueryPage

log = logging.getLogger("kairos.http")
JSON = "application/json"

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


def error_response(status: int, code: str, message: str, errors: dict | None = None, headers=None):
    body = {"status": "error", "data": None, "message": message, "code": code}
    if errors:
        body["errors"] = errors
    resp = jsonify(body)
    resp.status_code = status
    if headers:
        resp.headers.update(headers)
    return resp


def envelope_response(data, status: int = 200, headers: dict | None = None):
    """A success envelope as a ready Response (flask-smorest passes it through): for hot
    routes that build ``data`` themselves instead of dumping it with marshmallow."""
    body = json.dumps(
        {"status": "success", "data": data, "message": None, "meta": None},
        separators=(",", ":"),
        default=str,
    )
    return current_app.response_class(body, status=status, headers=headers, mimetype=JSON)


def _http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "files", "headers"}:
        # webargs nests errors by location; a client cares about the field, not the location.
        merged: dict = {}
        for location, by_field in errors.items():
            if isinstance(by_field, dict):
                # A multipart part without a name reaches webargs as the field None.
                merged.update({str(field or "_body"): msgs for field, msgs in by_field.items()})
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
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = ", ".join(allowed_methods(request.path) or exc.valid_methods or ())
    return error_response(
        status, DEFAULT_CODES.get(status, HTTPStatus(status).name), message, errors, headers
    )


RETRY_AFTER_503 = "5"  # seconds: every 503 says when to come back


def _api_error(exc: ApiError):
    headers = {"Retry-After": RETRY_AFTER_503} if exc.status == 503 else None
    return error_response(exc.status, exc.code, exc.message, exc.errors, headers=headers)


def _dependency_down(exc: Exception) -> bool:
    """Redis or the database unreachable (or SQLite locked past its busy timeout): the
    request may succeed later, so it is a 503 with Retry-After, not a 500."""
    import redis
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and any(
        cue in text for cue in ("database is locked", "connect", "server closed", "timeout")
    )


def _unhandled(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_exception(exc)
    if _dependency_down(exc):
        log.error(
            "dependency_unavailable",
            extra={"path": request.path, "method": request.method, "error": str(exc)[:300]},
        )
        return error_response(
            503,
            "SERVICE_UNAVAILABLE",
            "A service the API depends on is unavailable; try again",
            headers={"Retry-After": RETRY_AFTER_503},
        )
    log.error(
        "unhandled_error", exc_info=exc, extra={"path": request.path, "method": request.method}
    )
    return error_response(500, "INTERNAL_ERROR", "Internal server error")


def register_error_handlers(app) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unhandled)


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


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
    """flask-smorest's Blueprint with the envelope, and a contract every route is born with.

    Each operation's OpenAPI entry gets, from how it is declared: 400 when it takes
    arguments or is paginated; 413 and 415 when it takes a body; 404 when its path has
    parameters; 401, 403 and its security when the view is wrapped by ``require`` (else
    ``security: []``: public); 429 and 503 always. Routes add their own (409, 502…) with
    ``@blp.alt_response``.
    """

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}
    PAGINATION_HEADER_NAME = "X-Pagination"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # hook(operation, *, spec, method): finishes each OpenAPI entry of this blueprint,
        # run by app.openapi.ContractPlugin when the app registers it.
        self.doc_hooks: list = []
        self.before_request(self._refuse_unknown_query)
        self.before_request(self._refuse_implausible_path_ids)

    def doc(self, **kwargs):
        """flask-smorest's ``doc``; a hand-written ``requestBody`` also marks the view
        (app.openapi.MANUAL_BODY_MARK) so the contract reads nothing into its fields."""
        decorator = super().doc(**kwargs)
        if "requestBody" not in kwargs:
            return decorator

        def marking(fn):
            wrapper = decorator(fn)
            setattr(wrapper, MANUAL_BODY_MARK, True)
            return wrapper

        return marking

    def document(self, hook):
        """Register a hook that finishes this blueprint's OpenAPI entries (decorator)."""
        self.doc_hooks.append(hook)
        return hook

    @staticmethod
    def _refuse_implausible_path_ids():
        """A path id no record can have (a NUL, a lone surrogate, hundreds of characters)
        is a 404 before any query: PostgreSQL cannot even compare a NUL."""
        if any(names_nothing(value) for value in (request.view_args or {}).values()):
            raise ApiError(404, "NOT_FOUND", "Not found")

    @staticmethod
    def _refuse_unknown_query():
        """Unknown fields are refused everywhere, query strings included: a query parameter
        the operation does not document is a 400 naming it (a typo never silently does
        nothing). The documented names are the document's own."""
        if not request.args:
            return
        names = current_api.spec_plugin.documented_query(request.endpoint, request.method)
        if names is None:  # this operation ignores parameters it does not know
            return
        unknown = [name for name in request.args if name not in names]
        if unknown:
            raise ApiError(
                400, "VALIDATION_ERROR", "Invalid input", {n: ["Unknown field."] for n in unknown}
            )

    @staticmethod
    def _prepare_response_content(data):
        return {"status": "success", "data": data, "message": None, "meta": g.get("page_meta")}

    @staticmethod
    def _make_doc_response_schema(schema):
        # An error answer documented with alt_response is already the whole envelope.
        if schema is ErrorEnvelopeSchema or isinstance(schema, ErrorEnvelopeSchema):
            return schema
        return envelope_of(schema)

    def paginate(self, pager=QueryPage, **kwargs):
        """Every list route pages its statement with :class:`app.pagination.QueryPage`: the
        view returns an ordered ``select`` (or ``Rows``), never a hand-cut page."""
        return super().paginate(pager, **kwargs)

    def _set_pagination_metadata(self, page_params: PaginationParameters, result, headers):
        g.page_meta = {
            "total": page_params.item_count,
            "page": page_params.page,
            "page_size": page_params.page_size,
        }
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        """Pagination lives in the envelope's ``meta``, not in a header."""


class Flask(flask.Flask):
    """The application: OPTIONS answers with the methods the document lists for the path
    (Flask's documented way to change the default OPTIONS answer is a subclass)."""

    def make_default_options_response(self):
        return options_response(self)


class Api(_Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    # Every operation lists its real error statuses (see ContractPlugin); no catch-all.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        # The marshmallow plugin is replaceable through spec_kwargs (flask-smorest's public
        # way); ours states each operation's contract (app.openapi).
        self.spec_plugin = ContractPlugin(app, self)
        super().init_app(
            app, spec_kwargs={**(spec_kwargs or {}), "marshmallow_plugin": self.spec_plugin}
        )
        # After flask-smorest's own: the last handler registered for a class is Flask's.
        register_error_handlers(app)
        # The SSE stream also takes its credential as ?token= (EventSource sends no headers).
        self.spec.components.security_scheme(
            "tokenQuery", {"type": "apiKey", "in": "query", "name": "token"}
        )
