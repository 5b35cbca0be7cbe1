"""Request and response schemas of the dining profile and catalog endpoints."""

from __future__ import annotations

import json

import marshmallow as ma
from marshmallow import INCLUDE, validate

from app.core.schema import Schema
from app.dining.domain import allergens
from app.dining.domain.prefs import (
    DIETARY,
    LIST_KEYS,
    MAX_CUISINES,
    MAX_EXTRA_BYTES,
    PRICE_TIERS,
    normalize_dietary,
)
from app.models.dining import INTERACTION_KINDS, RATING_SCALES, SEVERITIES

Str = ma.fields.String


def _names(max_items: int, max_len: int, extra=(), **kwargs) -> ma.fields.List:
    return ma.fields.List(
        Str(validate=validate.Length(min=1, max=max_len)),
        validate=[validate.Length(max=max_items), *extra],
        **kwargs,
    )


# --- users ---------------------------------------------------------------------------------------


class DiningUserCreateSchema(Schema):
    email = ma.fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))


class DiningUserCreatedSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    created = ma.fields.Boolean()


class DiningAllergyDetailSchema(Schema):
    allergen = Str()
    severity = Str(metadata={"enum": list(SEVERITIES)})
    source = Str(allow_none=True, metadata={"description": "The name as it was given"})


class DiningAllergiesOutSchema(Schema):
    confirmed = ma.fields.List(Str())
    severity = ma.fields.Dict(keys=Str(), values=Str())
    details = ma.fields.List(ma.fields.Nested(DiningAllergyDetailSchema))


class DiningProfileSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    email = Str(allow_none=True)
    preferences = ma.fields.Dict()
    allergies = ma.fields.Nested(DiningAllergiesOutSchema)
    allergy_flags = ma.fields.List(Str())
    dietary_flags = ma.fields.List(Str())
    interaction_count = ma.fields.Integer()
    last_active_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


# --- preferences ---------------------------------------------------------------------------------


class DiningLocationSchema(Schema):
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))


def _location(value) -> bool:
    DiningLocationSchema().load(value)  # raises ValidationError naming lat / lon
    return True


def _known_dietary(values):
    if values is None:
        return
    unknown = [v for v in values if normalize_dietary(v) is None]
    if unknown:
        raise ma.ValidationError(
            f"Unknown dietary flag(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(DIETARY)}"
        )


class DiningPreferencesSchema(Schema):
    """Known keys are validated; any other key is kept as given (bounded in size)."""

    class Meta:
        ordered = True
        unknown = INCLUDE

    dietary = ma.fields.List(
        Str(validate=validate.Length(min=1, max=40), metadata={"enum": list(DIETARY)}),
        validate=[validate.Length(max=20), _known_dietary],
        allow_none=True,
    )
    vibes = _names(30, 50, allow_none=True)
    cuisine_affinity = _names(MAX_CUISINES, 80, allow_none=True)
    cuisine_aversion = _names(MAX_CUISINES, 80, allow_none=True)
    price_comfort = ma.fields.List(
        Str(validate=validate.OneOf(PRICE_TIERS)),
        validate=validate.Length(max=4),
        allow_none=True,
    )
    # A dict checked by DiningLocationSchema: a nullable Nested would be documented as
    # "any object or the location", which tells clients nothing.
    location = ma.fields.Dict(
        allow_none=True,
        validate=lambda value: _location(value),
        metadata={
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
            "required": ["lat", "lon"],
            "additionalProperties": False,
        },
    )
    max_distance_km = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=20000))

    @ma.validates_schema(pass_original=True)
    def _bounded_extras(self, _data, original, **_kwargs):
        if not isinstance(original, dict):
            return
        extras = {k: v for k, v in original.items() if k not in self.fields}
        if len(extras) > 30:
            raise ma.ValidationError("At most 30 keys besides the known ones", "_schema")
        if len(json.dumps(extras, default=str)) > MAX_EXTRA_BYTES:
            raise ma.ValidationError(
                f"Other keys take at most {MAX_EXTRA_BYTES} bytes of JSON", "_schema"
            )

    @ma.post_load
    def _canonical(self, data, **_kwargs):
        if isinstance(data.get("location"), dict):
            data["location"] = DiningLocationSchema().load(data["location"])
        if data.get("dietary"):
            data["dietary"] = [normalize_dietary(d) for d in data["dietary"]]
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                data[key] = [v.strip() for v in data[key] if v.strip()]
        return data


class DiningPreferencesOutSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    preferences = ma.fields.Dict()
    dietary_flags = ma.fields.List(Str())


# --- allergies -----------------------------------------------------------------------------------

ACCEPTED = ", ".join(allergens.CANONICAL_ALLERGENS)


def _unknown(name: str) -> str:
    return f"Unknown allergen {name!r}; accepted: {ACCEPTED} (and their common names)"


# Documented as the names the taxonomy knows (case and plurals are accepted too).
ALLERGEN_NAMES = sorted(allergens.ALLERGEN_SYNONYMS)


class DiningAllergiesSchema(Schema):
    confirmed = ma.fields.List(
        Str(validate=validate.Length(min=1, max=100), metadata={"enum": ALLERGEN_NAMES}),
        validate=validate.Length(max=50),
        required=True,
        metadata={"description": "Allergen names (may be empty, e.g. to PUT no allergies)"},
    )
    # Values are checked in _known_allergens (a `values` field here would make the document
    # accept any key).
    severity = ma.fields.Dict(
        keys=Str(validate=validate.Length(min=1, max=100)),
        load_default=dict,
        validate=validate.Length(max=50),
        metadata={
            "maxProperties": 50,
            "properties": {n: {"type": "string", "enum": list(SEVERITIES)} for n in ALLERGEN_NAMES},
            "additionalProperties": False,
            "description": "{allergen name: severity}",
        },
    )

    @ma.validates_schema
    def _known_allergens(self, data, **_kwargs):
        errors: dict = {}
        for i, name in enumerate(data.get("confirmed") or []):
            if allergens.normalize(name) is None:
                errors.setdefault("confirmed", {})[i] = [_unknown(name)]
        for name, severity in (data.get("severity") or {}).items():
            if allergens.normalize(name) is None:
                errors.setdefault("severity", {})[name] = [_unknown(name)]
            elif severity not in SEVERITIES:
                errors.setdefault("severity", {})[name] = [
                    f"Severity is one of: {', '.join(SEVERITIES)}"
                ]
        if errors:
            raise ma.ValidationError(errors)

    @ma.post_load
    def _canonical(self, data, **_kwargs):
        """{canonical: {"severity": str|None, "source": name as given}} in the order given."""
        items: dict[str, dict] = {}
        for name in data["confirmed"]:
            items.setdefault(allergens.normalize(name), {"severity": None, "source": name})
        for name, severity in data["severity"].items():
            entry = items.setdefault(allergens.normalize(name), {"severity": None, "source": name})
            entry["severity"] = severity
        return items


class DiningAllergiesUpdatedSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    allergy_flags = ma.fields.List(Str())
    allergies = ma.fields.Nested(DiningAllergiesOutSchema)
    updated = ma.fields.Boolean()


# --- interactions --------------------------------------------------------------------------------


class DiningInteractionCreateSchema(Schema):
    restaurant_id = Str(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The restaurant's id, or its external id in the catalog"},
    )
    kind = Str(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    rating = ma.fields.Float(validate=validate.Range(min=0, max=5))
    scale = Str(
        validate=validate.OneOf(RATING_SCALES),
        metadata={"description": "0-2 (the UCI data's scale) or 1-5 (the default)"},
    )

    @ma.validates_schema
    def _rating_fits(self, data, **_kwargs):
        rating = data.get("rating")
        if data.get("kind") != "rated":
            for name in ("rating", "scale"):
                if name in data:
                    raise ma.ValidationError("Only a 'rated' interaction carries it", name)
            return
        data.setdefault("scale", "1-5")
        if rating is None:
            raise ma.ValidationError("A 'rated' interaction needs a rating", "rating")
        low, high = (0, 2) if data["scale"] == "0-2" else (1, 5)
        if not low <= rating <= high:
            raise ma.ValidationError(
                f"On the {data['scale']} scale a rating is {low}..{high}", "rating"
            )


def _interaction_variant(kinds: list[str], rating: tuple[int, int] | None, scale: str | None):
    props = {
        "restaurant_id": {"type": "string", "minLength": 1, "maxLength": 100},
        "kind": {"type": "string", "enum": kinds},
    }
    required = ["restaurant_id", "kind"]
    if rating:
        props["rating"] = {"type": "number", "minimum": rating[0], "maximum": rating[1]}
        props["scale"] = {"type": "string", "enum": [scale]}
        required.append("rating")
        if scale == "0-2":
            required.append("scale")
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}  # fmt: skip


# The request as OpenAPI can say it: a rating only on "rated", in the range of its scale.
INTERACTION_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    _interaction_variant(
                        [k for k in INTERACTION_KINDS if k != "rated"], None, None
                    ),
                    _interaction_variant(["rated"], (1, 5), "1-5"),
                    _interaction_variant(["rated"], (0, 2), "0-2"),
                ]
            }
        }
    },
}


class DiningInteractionSchema(Schema):
    id = Str()
    uid = Str(metadata={"format": "uuid"})
    restaurant_id = Str()
    external_id = Str(allow_none=True)
    kind = Str()
    rating = ma.fields.Float(allow_none=True)
    rating_scale = Str(allow_none=True)
    created_at = ma.fields.DateTime()
    interaction_count = ma.fields.Integer()


class DiningInteractionQuerySchema(Schema):
    kind = Str(validate=validate.OneOf(INTERACTION_KINDS))


# --- summary -------------------------------------------------------------------------------------


class DiningSummarySchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    summary = Str()
    strategy = Str(metadata={"enum": ["llm", "template"]})


# --- restaurants ---------------------------------------------------------------------------------


class DiningMenuItemOutSchema(Schema):
    id = Str()
    name = Str()
    description = Str(allow_none=True)
    ingredients = ma.fields.List(Str())
    declared_allergens = ma.fields.List(Str())
    price = ma.fields.Float(allow_none=True)


class DiningGeoSchema(Schema):
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)


class DiningRestaurantSchema(Schema):
    id = Str()
    external_id = Str()
    name = Str()
    description = Str(allow_none=True)
    cuisines = ma.fields.List(Str())
    price_tier = ma.fields.Integer(allow_none=True)
    price = ma.fields.Method("_price", metadata={"example": "$$"}, allow_none=True)
    rating = ma.fields.Float(allow_none=True)
    location = ma.fields.Method("_location", metadata={"type": "object"})
    address = Str(allow_none=True)
    area = Str(allow_none=True)
    city = Str(allow_none=True)
    ambience = ma.fields.List(Str())
    tags = ma.fields.List(Str())
    attributes = ma.fields.Dict()
    hours = ma.fields.Dict()
    parking = ma.fields.List(Str())
    payment = ma.fields.List(Str())
    declared_allergens = ma.fields.List(Str())
    source = Str()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()

    def _price(self, row):
        return PRICE_TIERS[row.price_tier - 1] if row.price_tier else None

    def _location(self, row):
        return {"lat": row.lat, "lon": row.lon}


class DiningRestaurantDetailSchema(DiningRestaurantSchema):
    menu = ma.fields.List(ma.fields.Nested(DiningMenuItemOutSchema), attribute="menu_items")


class DiningRestaurantQuerySchema(Schema):
    cuisine = Str(validate=validate.Length(min=1, max=80))
    price = Str(
        validate=validate.OneOf(PRICE_TIERS + ("1", "2", "3", "4")),
        metadata={"description": "A price tier: $ … $$$$ (or 1 … 4)"},
    )
    area = Str(validate=validate.Length(min=1, max=200), metadata={"description": "Area or city"})
    q = Str(validate=validate.Length(min=1, max=200), metadata={"description": "Words in name"})


class DiningImportRequestSchema(Schema):
    """A catalog in the platform's JSON schema; CSV, UCI files and zips go as multipart."""

    # Each row's fields are checked by the worker, so a bad row is reported, not fatal.
    restaurants = ma.fields.List(
        ma.fields.Dict(),
        validate=validate.Length(min=1, max=20000),
        required=True,
    )
