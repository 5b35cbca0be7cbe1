"""Request and response schemas of the dining profile and catalog endpoints."""

from __future__ import annotations

import json

import marshmallow as ma
from marshmallow import INCLUDE, validate

from app.dining import allergens
from app.dining.prefs import DIETARY, LIST_KEYS, MAX_EXTRA_BYTES, PRICE_TIERS, normalize_dietary
from app.http import Schema
from app.models.dining import INTERACTION_KINDS, RATING_SCALES, SEVERITIES

Str = ma.fields.String


def _names(max_items: int, max_len: int, extra=(), **kwargs) -> ma.fields.List:
    return ma.fields.List(
        Str(validate=validate.Length(min=1, max=max_len)),
        validate=[validate.Length(max=max_items), *extra],
        **kwargs,
    )


# --- users ---------------------------------------------------------------------------------------


class UserCreateSchema(Schema):
    email = ma.fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))


class UserCreatedSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    created = ma.fields.Boolean()


class AllergyDetailSchema(Schema):
    allergen = Str()
    severity = Str(metadata={"enum": list(SEVERITIES)})
    source = Str(allow_none=True, metadata={"description": "The name as it was given"})


class AllergiesOutSchema(Schema):
    confirmed = ma.fields.List(Str())
    severity = ma.fields.Dict(keys=Str(), values=Str())
    details = ma.fields.List(ma.fields.Nested(AllergyDetailSchema))


class ProfileSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    email = Str(allow_none=True)
    preferences = ma.fields.Dict()
    allergies = ma.fields.Nested(AllergiesOutSchema)
    allergy_flags = ma.fields.List(Str())
    dietary_flags = ma.fields.List(Str())
    interaction_count = ma.fields.Integer()
    last_active_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


# --- preferences ---------------------------------------------------------------------------------


class LocationSchema(Schema):
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))


def _known_dietary(values):
    if values is None:
        return
    unknown = [v for v in values if normalize_dietary(v) is None]
    if unknown:
        raise ma.ValidationError(
            f"Unknown dietary flag(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(DIETARY)}"
        )


class PreferencesSchema(Schema):
    """Known keys are validated; any other key is kept as given (bounded in size)."""

    class Meta:
        ordered = True
        unknown = INCLUDE

    dietary = _names(20, 40, extra=(_known_dietary,), allow_none=True)
    vibes = _names(30, 50, allow_none=True)
    cuisine_affinity = _names(50, 80, allow_none=True)
    cuisine_aversion = _names(50, 80, allow_none=True)
    price_comfort = ma.fields.List(
        Str(validate=validate.OneOf(PRICE_TIERS)),
        validate=validate.Length(max=4),
        allow_none=True,
    )
    location = ma.fields.Nested(LocationSchema, allow_none=True)
    max_distance_km = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=20000))

    @ma.validates_schema(pass_original=True)
    def _bounded_extras(self, _data, original, **_kwargs):
        if not isinstance(original, dict):
            return
        extras = {k: v for k, v in original.items() if k not in self.fields}
        if len(extras) > 30:
            raise ma.ValidationError("At most 30 keys besides the known ones", "_schema")
        for key in extras:
            if not 1 <= len(key) <= 64:
                raise ma.ValidationError("Keys are 1 to 64 characters", key[:64] or "_schema")
        if len(json.dumps(extras, default=str)) > MAX_EXTRA_BYTES:
            raise ma.ValidationError(
                f"Other keys take at most {MAX_EXTRA_BYTES} bytes of JSON", "_schema"
            )

    @ma.post_load
    def _canonical(self, data, **_kwargs):
        if data.get("dietary"):
            data["dietary"] = [normalize_dietary(d) for d in data["dietary"]]
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                data[key] = [v.strip() for v in data[key] if v.strip()]
        return data


class PreferencesOutSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    preferences = ma.fields.Dict()
    dietary_flags = ma.fields.List(Str())


# --- allergies -----------------------------------------------------------------------------------

ACCEPTED = ", ".join(allergens.CANONICAL_ALLERGENS)


def _unknown(name: str) -> str:
    return f"Unknown allergen {name!r}; accepted: {ACCEPTED} (and their common names)"


class AllergiesSchema(Schema):
    confirmed = _names(50, 100, load_default=list)
    severity = ma.fields.Dict(
        keys=Str(validate=validate.Length(min=1, max=100)),
        values=Str(validate=validate.OneOf(SEVERITIES)),
        load_default=dict,
        validate=validate.Length(max=50),
    )

    @ma.validates_schema
    def _known_allergens(self, data, **_kwargs):
        errors: dict = {}
        for i, name in enumerate(data.get("confirmed") or []):
            if allergens.normalize(name) is None:
                errors.setdefault("confirmed", {})[i] = [_unknown(name)]
        for name in data.get("severity") or {}:
            if allergens.normalize(name) is None:
                errors.setdefault("severity", {})[name] = [_unknown(name)]
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


class AllergiesUpdatedSchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    allergy_flags = ma.fields.List(Str())
    allergies = ma.fields.Nested(AllergiesOutSchema)
    updated = ma.fields.Boolean()


# --- interactions --------------------------------------------------------------------------------


class InteractionCreateSchema(Schema):
    restaurant_id = Str(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The restaurant's id, or its external id in the catalog"},
    )
    kind = Str(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    rating = ma.fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=5)
    )
    scale = Str(
        load_default="1-5",
        validate=validate.OneOf(RATING_SCALES),
        metadata={"description": "0-2 (the UCI data's scale) or 1-5"},
    )

    @ma.validates_schema
    def _rating_fits(self, data, **_kwargs):
        rating = data.get("rating")
        if data.get("kind") != "rated":
            if rating is not None:
                raise ma.ValidationError("Only a 'rated' interaction carries a rating", "rating")
            return
        if rating is None:
            raise ma.ValidationError("A 'rated' interaction needs a rating", "rating")
        low, high = (0, 2) if data.get("scale") == "0-2" else (1, 5)
        if not low <= rating <= high:
            raise ma.ValidationError(
                f"On the {data['scale']} scale a rating is {low}..{high}", "rating"
            )


class InteractionSchema(Schema):
    id = Str()
    uid = Str(metadata={"format": "uuid"})
    restaurant_id = Str()
    external_id = Str(allow_none=True)
    kind = Str()
    rating = ma.fields.Float(allow_none=True)
    rating_scale = Str(allow_none=True)
    created_at = ma.fields.DateTime()
    interaction_count = ma.fields.Integer()


class InteractionQuerySchema(Schema):
    kind = Str(validate=validate.OneOf(INTERACTION_KINDS))


# --- summary -------------------------------------------------------------------------------------


class SummarySchema(Schema):
    uid = Str(metadata={"format": "uuid"})
    summary = Str()
    strategy = Str(metadata={"enum": ["llm", "template"]})


# --- restaurants ---------------------------------------------------------------------------------


class MenuItemOutSchema(Schema):
    id = Str()
    name = Str()
    description = Str(allow_none=True)
    ingredients = ma.fields.List(Str())
    declared_allergens = ma.fields.List(Str())
    price = ma.fields.Float(allow_none=True)


class GeoSchema(Schema):
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)


class RestaurantSchema(Schema):
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


class RestaurantDetailSchema(RestaurantSchema):
    menu = ma.fields.List(ma.fields.Nested(MenuItemOutSchema), attribute="menu_items")


class RestaurantQuerySchema(Schema):
    cuisine = Str(validate=validate.Length(min=1, max=80))
    price = Str(
        validate=validate.OneOf(PRICE_TIERS + ("1", "2", "3", "4")),
        metadata={"description": "A price tier: $ … $$$$ (or 1 … 4)"},
    )
    area = Str(validate=validate.Length(min=1, max=200), metadata={"description": "Area or city"})
    q = Str(validate=validate.Length(min=1, max=200), metadata={"description": "Words in name"})


class ImportRequestSchema(Schema):
    """A catalog in the platform's JSON schema (or CSV text); files go as multipart instead."""

    # Rows are checked one by one by the worker, so a bad row is reported, not fatal.
    restaurants = ma.fields.List(
        ma.fields.Raw(metadata={"type": "object"}),
        validate=validate.Length(min=1, max=20000),
        load_default=None,
    )
    csv = Str(validate=validate.Length(min=1, max=5_000_000), load_default=None)

    @ma.validates_schema
    def _one_source(self, data, **_kwargs):
        if (data.get("restaurants") is None) == (data.get("csv") is None):
            raise ma.ValidationError("Send either restaurants (JSON) or csv (text)", "_schema")
