"""The one response envelope and the one error mapping, plus the shared smorest bases.

Success: ``{"status": "success", "data": …, "message": null, "meta": {…}|null}``
Error:   ``{"status": "error", "data": null, "message": "…", "code": "…", "errors": {…}}``

Every answer goes through here, including werkzeug's own errors, flask-smorest's validation
errors, rate limiting and unhandled exceptions (500, never a stack trace).
"""

from __future__ import annotations

import json
import logging
import types
from http import HTTPStatus

import marshmallow as ma
from flask import current_app, g, jsonify, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import pagination as _pagination
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.core.errors import ApiError
from app.core.schema import Schema
from app.openapi import (
    SECURITY,
    ContractPlugin,
    allowed_methods,
    auth_of,
    body_required_only_if_fields_are,
    documented_query,
    error_content,
    names_records,
    options_response,
)

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


# --- the contract: what every operation documents, derived from how it is declared -------------

MAX_PAGE = 10_000  # page × page_size stays far inside any database's OFFSET range


def _bounded_pagination_schema(def_page, def_page_size, def_max_page_size):
    base = _unbounded_pagination_schema(def_page, def_page_size, def_max_page_size)
    return type(
        base.__name__,
        (base,),
        {"page": ma.fields.Integer(load_default=def_page, validate=ma.validate.Range(1, MAX_PAGE))},
    )


# flask-smorest builds the page/page_size schema in a module function with no upper bound on
# `page`; a huge page overflowed the database's OFFSET (a 500). Every paginated route gets the
# bound from here, documented as `maximum`.
_unbounded_pagination_schema = _pagination._pagination_parameters_schema_factory
_pagination._pagination_parameters_schema_factory = _bounded_pagination_schema

BODY_LOCATIONS = ("json", "form", "files", "json_or_form")


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
        self._prepare_doc_cbks.append(self._prepare_contract_doc)
        self._query_names: dict[tuple[str, str], frozenset[str] | None] = {}
        self.before_request(self._refuse_unknown_query)

    def _refuse_unknown_query(self):
        """Unknown fields are refused everywhere, query strings included: a query parameter
        the operation does not document is a 400 naming it (a typo never silently does
        nothing). The documented names come from the same declarations as the document."""
        if not request.args:
            return
        endpoint = request.endpoint.rsplit(".", 1)[-1] if request.endpoint else None
        method = request.method.lower()
        if (endpoint, method) not in self._query_names:
            self._query_names[(endpoint, method)] = documented_query(
                self._docs.get(endpoint, {}).get("get" if method == "head" else method, {})
            )
        names = self._query_names[(endpoint, method)]
        if names is None:  # this operation ignores parameters it does not know
            return
        unknown = [name for name in request.args if name not in names]
        if unknown:
            raise ApiError(
                400, "VALIDATION_ERROR", "Invalid input", {n: ["Unknown field."] for n in unknown}
            )

    def add_url_rule(self, rule, endpoint=None, view_func=None, **kwargs):
        super().add_url_rule(rule, endpoint, view_func, **kwargs)
        endpoint = self._endpoints[-1]
        for method, info in self._docs[endpoint].items():
            if method == "parameters":
                continue
            function = getattr(view_func, method) if isinstance(view_func, type) else view_func
            info["contract"] = {"auth": auth_of(function), "path_params": "<" in rule}

    @staticmethod
    def _prepare_contract_doc(doc, doc_info, *, api, spec, method, **kwargs):
        contract = doc_info.get("contract") or {}
        responses = doc.setdefault("responses", {})
        documented = {str(code) for code in responses}

        def add(status: int, description: str | None = None) -> None:
            if str(status) not in documented:
                documented.add(str(status))
                name = HTTPStatus(status).name
                responses[status] = (
                    name
                    if description is None
                    else {"description": description, "content": error_content(api)}
                )

        manual = doc_info.get("manual_doc", {})
        arguments = doc_info.get("arguments") or {}
        declared = [*arguments.get("parameters", []), *manual.get("parameters", [])]
        locations = {p.get("in") for p in declared if isinstance(p, dict)} - {"path"}
        if "requestBody" in manual:
            locations.add("json")
        if locations or doc_info.get("pagination"):
            add(400, "Invalid input (VALIDATION_ERROR, with field errors); nothing was written")
        if "requestBody" in doc or locations & set(BODY_LOCATIONS):
            add(413, "Body too large (PAYLOAD_TOO_LARGE)")
            add(415, "Body is not JSON or a form (UNSUPPORTED_MEDIA_TYPE)")
        if contract.get("path_params") or names_records(doc, declared):
            add(404, "Not found, or another org's (*_NOT_FOUND)")
        body_required_only_if_fields_are(doc)
        auth = contract.get("auth")
        if auth is not None or manual.get("security"):
            add(401, "Missing, invalid, expired or revoked credential (UNAUTHORIZED)")
            add(403, "Role or API-key scope too low (FORBIDDEN)")
            doc.setdefault("security", SECURITY)
            if auth is not None:
                role, scope = auth
                needs = f"Requires the `{role}` role" + (
                    f" and the `{scope}` scope" if scope else ""
                )
                doc["x-kairos-role"] = role
                doc.setdefault("description", "")
                doc["description"] = f"{needs}.\n\n{doc['description']}".strip()
        elif "security" not in manual:
            doc["security"] = []
        # gunicorn answers this itself, as an HTML page, before the API sees the request.
        if "414" not in documented:
            documented.add("414")
            responses[414] = {
                "description": "Request line over 4094 bytes: path and query too long "
                "(answered by the HTTP server as text/html, not in the envelope)",
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
        add(429, "Rate limit exceeded (RATE_LIMITED), with Retry-After")
        add(503, "A dependency (queue, database) is unavailable; try again")
        return doc

    @staticmethod
    def _prepare_response_content(data):
        return {"status": "success", "data": data, "message": None, "meta": g.get("page_meta")}

    @staticmethod
    def _make_doc_response_schema(schema):
        # An error answer documented with alt_response is already the whole envelope.
        if schema is ErrorEnvelopeSchema or isinstance(schema, ErrorEnvelopeSchema):
            return schema
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

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        return super()._init_spec(
            extra_plugins=[*(extra_plugins or ()), ContractPlugin()], **kwargs
        )

    # Every operation lists its real error statuses (see Blueprint); no catch-all "default".
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        app.make_default_options_response = types.MethodType(options_response, app)
        # The SSE stream also takes its credential as ?token= (EventSource sends no headers).
        self.spec.components.security_scheme(
            "tokenQuery", {"type": "apiKey", "in": "query", "name": "token"}
        )

    def _register_error_handlers(self):
        register_error_handlers(self._app)
