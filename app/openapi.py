"""How the OpenAPI document states the real contract of each route, derived from how the
route is declared: its auth (marked by ``require``), the records its arguments name, its
body, the methods of its path; and schema-level overrides a document needs (``Meta.openapi``,
strict nullable references). Used by the smorest bases in :mod:`app.http`."""

from __future__ import annotations

from copy import deepcopy

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.pagination import PAGE_RANGE

SECURITY = [{"bearer": []}, {"apiKey": []}, {"serviceToken": []}]
AUTH_MARK = "_kairos_auth"
# On a view whose body is documented by hand (``blp.doc(requestBody=…)``): the route parses
# it itself and states its own answers, so the body's fields imply no 404 and no optionality.
MANUAL_BODY_MARK = "_kairos_manual_body"


def mark_auth(fn, role: str, scope: str | None = None):
    """Record on a view that it authenticates (``require`` does this), so the OpenAPI
    document states its security and its 401/403 answers."""
    setattr(fn, AUTH_MARK, (role, scope))
    return fn


def marked(fn, mark: str):
    """A mark of ours on ``fn`` or any function it wraps (``functools.wraps`` copies marks
    outward and records ``__wrapped__`` inward), or None."""
    for _ in range(32):
        if fn is None:
            return None
        value = getattr(fn, "__dict__", {}).get(mark)
        if value:
            return value
        fn = getattr(fn, "__wrapped__", None)
    return None


def auth_of(fn) -> tuple[str, str | None] | None:
    """(role, scope) of the ``require`` wrapping ``fn``, or None for a public view."""
    return marked(fn, AUTH_MARK)


def _schema_instance(schema):
    if isinstance(schema, type) and issubclass(schema, ma.Schema):
        return schema()
    return schema if isinstance(schema, ma.Schema) else None


def _body_schema(doc) -> ma.Schema | None:
    content = doc.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema = _schema_instance(media.get("schema"))
        if schema is not None:
            return schema
    return None


def _is_record_reference(name: str) -> bool:
    return name.endswith(("_id", "Id", "_ids", "Ids"))


def names_records(doc, parameters, body_too: bool = True) -> bool:
    """Arguments that name records (``job_id``, ``groupIds``…): an unknown or another org's
    one is a 404, wherever it is passed."""
    names = [p.get("name", "") for p in parameters if isinstance(p, dict)]
    for p in parameters:
        schema = _schema_instance(p.get("schema")) if isinstance(p, dict) else None
        if schema is not None:
            names += [f.data_key or n for n, f in schema.load_fields.items()]
    body = _body_schema(doc) if body_too else None
    if body is not None:
        names += [f.data_key or n for n, f in body.load_fields.items()]
    return any(_is_record_reference(n) for n in names)


def body_required_only_if_fields_are(doc) -> None:
    """A body whose fields are all optional may be left out (the server reads it as {}): say
    so, rather than promise a 400 for a missing body that nothing checks. A schema whose
    ``Meta.openapi`` is a `oneOf` of branches that each require a field needs its body."""
    body = _body_schema(doc)
    if body is None or any(f.required for f in body.load_fields.values()):
        return
    override = getattr(getattr(type(body), "Meta", None), "openapi", None) or {}
    branches = override.get("oneOf") or [{}]
    if not all(branch.get("required") for branch in branches):
        doc["requestBody"]["required"] = False


def error_content(api) -> dict:
    return {api.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": api.ERROR_SCHEMA}}


def allowed_methods(path: str) -> list[str]:
    """Methods of the most specific rules matching ``path``.

    Werkzeug's own answer (OPTIONS, 405) is the union over every matching rule, so
    ``/jobs/search`` (POST) would also advertise ``/jobs/<job_id>``'s GET and DELETE, which the
    document rightly does not list for that path."""
    adapter = current_app.url_map.bind("localhost")
    found: dict[str, int] = {}
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            rule, _args = adapter.match(path, method=method, return_rule=True)
        except (MethodNotAllowed, NotFound):
            continue
        except HTTPException:  # a redirect: the rule exists for this method
            found[method] = 99
            continue
        found[method] = len(rule.arguments)
    if not found:
        return []
    fewest = min(found.values())
    methods = [m for m, n in found.items() if n == fewest]
    if "GET" in methods:
        methods.append("HEAD")
    return [*methods, "OPTIONS"]


def options_response(app):
    response = app.response_class()
    response.allow.update(allowed_methods(request.path))
    return response


class ContractPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, extended (its documented extension point) to state
    each operation's real contract before the schemas are resolved, and to let a schema
    say in the document what marshmallow cannot.

    - ``Meta.openapi`` on a schema replaces its generated JSON schema (a `oneOf`, a rule
      across fields); nullable nested references are tightened (see below).
    - Every operation gets, from how its view is declared: 400 when it takes parameters or
      a body; 413 and 415 when it takes a body; 404 when its path has parameters or its
      arguments name records; 401, 403, its security and ``x-kairos-role`` when the view is
      wrapped by ``require`` (else ``security: []``: public); 414, 429 and 503 always.
    - A blueprint's ``doc_hooks`` then finish its own operations.
    - The query names each operation documents are kept, so the server can refuse any
      other (:meth:`documented_query`).
    """

    def __init__(self, app, api, **kwargs):
        super().__init__(**kwargs)
        self.app = app
        self.api = api
        # None: the operation ignores query parameters it does not know.
        self.query_names: dict[tuple[str, str], frozenset[str] | None] = {}

    def schema_helper(self, name, definition, schema=None, **kwargs):
        cls = schema if isinstance(schema, type) else type(schema)
        override = getattr(getattr(cls, "Meta", None), "openapi", None)
        generated = super().schema_helper(name, definition, schema=schema, **kwargs)
        if override is not None:
            return deepcopy(override)
        if generated is not None:
            _tighten_nullable_refs(generated)
        return generated

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        lenient = set()
        if rule is not None:
            view = self.app.view_functions[rule.endpoint]
            blueprint = self.app.blueprints.get(rule.endpoint.rpartition(".")[0])
            for method, operation in operations.items():
                function = getattr(getattr(view, "view_class", None), method, view)
                if _ignores_unknown_query(operation):
                    lenient.add(method)
                _bound_pages(operation)
                state_contract(
                    operation,
                    self.api,
                    auth_of(function),
                    bool(rule.arguments),
                    manual_body=bool(marked(function, MANUAL_BODY_MARK)),
                )
                for hook in getattr(blueprint, "doc_hooks", ()):
                    hook(operation, spec=self.spec, method=method)
        super().operation_helper(path=path, operations=operations, **kwargs)
        if rule is not None:
            for method, operation in operations.items():
                names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                key = (rule.endpoint, method)
                self.query_names[key] = None if method in lenient else frozenset(names)

    def documented_query(self, endpoint: str | None, method: str) -> frozenset[str] | None:
        """The query parameters an endpoint's operation documents (HEAD is GET's), or None
        when it ignores the ones it does not know."""
        method = "get" if method.lower() == "head" else method.lower()
        return self.query_names.get((endpoint, method), frozenset())


def _ignores_unknown_query(op: dict) -> bool:
    """A query schema of the route's own that says ``unknown = EXCLUDE`` (an SVG badge in a
    README must survive `?v=2` or `?style=flat`); flask-smorest's page/page_size schema,
    which excludes too, does not count."""
    for param in op.get("parameters", []):
        if not isinstance(param, dict) or param.get("in") != "query":
            continue
        schema = _schema_instance(param.get("schema"))
        if schema is not None and not _is_page_schema(schema) and schema.unknown == ma.EXCLUDE:
            return True
    return False


def _is_page_schema(schema: ma.Schema) -> bool:
    return set(schema.fields) == {"page", "page_size"}


def _bound_pages(op: dict) -> None:
    """flask-smorest's page/page_size parameters, with the bound on ``page`` that
    :class:`app.pagination.QueryPage` enforces (``maximum``)."""
    for param in op.get("parameters", []):
        schema = param.get("schema") if isinstance(param, dict) else None
        if not (isinstance(schema, type) and issubclass(schema, ma.Schema)):
            continue
        fields = schema().fields
        if _is_page_schema(schema()) and PAGE_RANGE not in fields["page"].validators:
            page = ma.fields.Integer(load_default=fields["page"].load_default, validate=PAGE_RANGE)
            param["schema"] = type(schema.__name__, (schema,), {"page": page})


def state_contract(
    op: dict,
    api,
    auth: tuple[str, str | None] | None,
    path_params: bool,
    manual_body: bool = False,
):
    """Complete one operation's entry (see :class:`ContractPlugin`); what the route already
    documents itself (``alt_response``, ``blp.doc``) is kept as it is."""
    responses = op.setdefault("responses", {})
    documented = {str(code) for code in responses}

    def add(status: int, description: str) -> None:
        if str(status) not in documented:
            documented.add(str(status))
            responses[status] = {"description": description, "content": error_content(api)}

    declared = [p for p in op.get("parameters", []) if isinstance(p, dict)]
    if "requestBody" in op or any(p.get("in") != "path" for p in declared):
        add(400, "Invalid input (VALIDATION_ERROR, with field errors); nothing was written")
    if "requestBody" in op:
        add(413, "Body too large (PAYLOAD_TOO_LARGE)")
        add(415, "Body is not JSON or a form (UNSUPPORTED_MEDIA_TYPE)")
    if path_params or names_records(op, declared, body_too=not manual_body):
        add(404, "Not found, or another org's (*_NOT_FOUND)")
    if not manual_body:
        body_required_only_if_fields_are(op)
    if auth is not None or op.get("security"):
        add(401, "Missing, invalid, expired or revoked credential (UNAUTHORIZED)")
        add(403, "Role or API-key scope too low (FORBIDDEN)")
        op.setdefault("security", SECURITY)
        if auth is not None:
            role, scope = auth
            op["x-kairos-role"] = role
            # A docstring's own description is kept whole; a view without one says its role.
            if not op.get("description"):
                scoped = f" and the `{scope}` scope" if scope else ""
                op["description"] = f"Requires the `{role}` role{scoped}."
    elif "security" not in op:
        op["security"] = []
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


def _tighten_nullable_refs(node) -> None:
    """apispec writes ``Nested(…, allow_none=True)`` as ``anyOf: [{type: object, nullable},
    {$ref}]``, whose first branch admits any object; the server refuses unknown fields, so
    the document says ``allOf: [{$ref}], nullable`` instead."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and _is_loose_nullable_ref(value):
                ref = next(v for v in value["anyOf"] if "$ref" in v)
                node[key] = {"allOf": [ref], "nullable": True}
            else:
                _tighten_nullable_refs(value)
    elif isinstance(node, list):
        for item in node:
            _tighten_nullable_refs(item)


def _is_loose_nullable_ref(value: dict) -> bool:
    branches = value.get("anyOf")
    return (
        isinstance(branches, list)
        and len(branches) == 2
        and {"type": "object", "nullable": True} in branches
        and any(isinstance(b, dict) and "$ref" in b for b in branches)
    )
