"""How the OpenAPI document states the real contract of each route, derived from how the
route is declared: its auth (marked by ``require``), the records its arguments name, its
body, the methods of its path; and schema-level overrides a document needs (``Meta.openapi``,
strict nullable references). Used by the smorest bases in :mod:`app.http`."""

from __future__ import annotations

from copy import deepcopy

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

SECURITY = [{"bearer": []}, {"apiKey": []}, {"serviceToken": []}]
AUTH_MARK = "_kairos_auth"


def mark_auth(fn, role: str, scope: str | None = None):
    """Record on a view that it authenticates (``require`` does this), so the OpenAPI
    document states its security and its 401/403 answers."""
    setattr(fn, AUTH_MARK, (role, scope))
    return fn


def auth_of(fn) -> tuple[str, str | None] | None:
    """(role, scope) of the ``require`` wrapping ``fn``, or None for a public view.

    Reads the mark; failing that, recognizes ``require``'s wrapper by its code object and
    reads role and scope from its closure (decorators copy ``__wrapped__``, never code)."""
    for _ in range(32):
        if fn is None:
            return None
        marked = getattr(fn, "__dict__", {}).get(AUTH_MARK)
        if marked:
            return marked
        code = getattr(fn, "__code__", None)
        if code is not None and code.co_qualname.startswith("require.<locals>") and fn.__closure__:
            cells = dict(zip(code.co_freevars, fn.__closure__, strict=True))
            if "role" in cells:
                scope = cells["scope"].cell_contents if "scope" in cells else None
                return cells["role"].cell_contents, scope
        fn = getattr(fn, "__wrapped__", None)
    return None


def documented_query(info: dict) -> frozenset[str] | None:
    """The query parameters an operation documents, or None when it ignores the ones it does
    not know (its query schema says ``unknown = EXCLUDE``: an SVG badge in a README must
    survive `?v=2` or `?style=flat`)."""
    names = set()
    if info.get("pagination"):
        names |= {"page", "page_size"}
    declared = [
        *(info.get("arguments") or {}).get("parameters", []),
        *info.get("manual_doc", {}).get("parameters", []),
    ]
    for param in declared:
        if not isinstance(param, dict) or param.get("in") != "query":
            continue
        if "name" in param:
            names.add(param["name"])
        schema = _schema_instance(param.get("schema"))
        if schema is not None:
            if schema.unknown == ma.EXCLUDE:
                return None
            names |= {f.data_key or n for n, f in schema.load_fields.items()}
    return frozenset(names)


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


def names_records(doc, parameters) -> bool:
    """Arguments that name records (``job_id``, ``groupIds``…): an unknown or another org's
    one is a 404, wherever it is passed."""
    names = [p.get("name", "") for p in parameters if isinstance(p, dict)]
    for p in parameters:
        schema = _schema_instance(p.get("schema")) if isinstance(p, dict) else None
        if schema is not None:
            names += [f.data_key or n for n, f in schema.load_fields.items()]
    body = _body_schema(doc)
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


class ContractPlugin(BasePlugin):
    """Lets a schema state in the document what marshmallow cannot (a `oneOf`, a rule across
    fields): ``Meta.openapi`` replaces the generated JSON schema of its component."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        cls = schema if isinstance(schema, type) else type(schema)
        override = getattr(getattr(cls, "Meta", None), "openapi", None)
        if override is None:
            _tighten_nullable_refs(definition)
            return None
        definition.clear()  # the marshmallow plugin's properties no longer apply
        return deepcopy(override)


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
