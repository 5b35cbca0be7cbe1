"""The base of every marshmallow schema: the API's bodies and queries, and the params of
every task kind (which the workers load too, so this is Flask-free); and how a schema's
fields read as JSON schema, for the schemas that restate them in their document."""

from __future__ import annotations

from collections.abc import Mapping

import marshmallow as ma

from app.core.inputs import text_problem


def _json_type_problem(field: ma.fields.Field, value) -> str | None:
    """The JSON type a field's document promises, held strictly: marshmallow would read
    `0` as false and truncate `2.5` to an integer, which the document says are invalid."""
    if isinstance(field, ma.fields.Boolean):
        return None if isinstance(value, bool) else "Not a valid boolean."
    if isinstance(field, ma.fields.Integer):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Not a valid integer."
        return None if isinstance(value, int) or value.is_integer() else "Not a valid integer."
    if isinstance(field, ma.fields.Number):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "Not a valid number."
    return None


class Schema(ma.Schema):
    """Every schema of the API. Unknown fields are refused (marshmallow's RAISE), a JSON
    body's values must have the JSON types the document states (no coercion), and no text
    (body, query or form) may hold what the database cannot store (:mod:`app.core.inputs`)."""

    class Meta:
        ordered = True

    @ma.pre_load
    def _strict_json_types(self, data, **_kwargs):
        if not isinstance(data, Mapping):
            return data
        # Only a plain dict comes from a JSON body; query strings and forms arrive as webargs'
        # MultiDictProxy, where everything is text and reading "true" or "2" is the point.
        typed = type(data) is dict
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            value = data.get(key)
            if value is not None:
                problem = (typed and _json_type_problem(field, value)) or text_problem(value)
                if problem:
                    errors[key] = [problem]
        if errors:
            raise ma.ValidationError(errors)
        return data


def field_properties(schema_cls) -> dict:
    """The JSON schema of each field of a marshmallow schema, as the document would state it
    (for a ``Meta.openapi`` that restates a schema's fields in `oneOf` branches)."""
    from apispec.ext.marshmallow.openapi import OpenAPIConverter

    converter = OpenAPIConverter("3.0.3", lambda _schema: None, None)
    return {
        field.data_key or name: converter.field2property(field)
        for name, field in schema_cls().load_fields.items()
    }
