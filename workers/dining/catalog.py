"""Restaurant catalog import: read an upload, parse it, validate each row (pure, no DB).

Accepted:
* the platform's own schema, as JSON (a list of restaurants, or ``{"restaurants": [...]}``)
  or CSV (one restaurant per row; list columns separated by ``;`` or ``|``; ``menu`` may hold a
  JSON list of items);
* the UCI "Restaurant & consumer data" files as published (see ``workers.dining.uci``);
* any of these inside one zip (read with caps on entries and on bytes actually inflated, so a
  zip bomb stops at the cap instead of filling memory).

Every row goes through :class:`RestaurantRow`; a bad row becomes a :class:`RowError` naming
its file, row and fields, and the good rows are imported regardless.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from app.dining.domain import allergens
from workers.base import TaskError

MAX_ZIP_ENTRIES = 50
MAX_ROWS = 50_000
MAX_MENU_ITEMS = 500
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_PRICE_WORDS = {"low": 1, "cheap": 1, "inexpensive": 1, "medium": 2, "moderate": 2,
                "high": 3, "expensive": 3, "luxury": 4, "very high": 4}  # fmt: skip


_ALIASES = (
    ("external_id", "id"),
    ("latitude", "lat"),
    ("longitude", "lon"),
    ("lng", "lon"),
    ("accepts", "payment"),
    ("menu_items", "menu"),
    ("cuisine", "cuisines"),
    ("allergens", "declared_allergens"),
)


class ImportFailed(TaskError):
    def __init__(self, message: str):
        super().__init__(message, code="IMPORT_INVALID")


@dataclass
class RowError:
    file: str
    row: int  # 1-based line (CSV, header = 1) or position (JSON)
    errors: dict
    external_id: str | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "external_id": self.external_id,
                "errors": self.errors}  # fmt: skip


@dataclass
class Parsed:
    restaurants: list[dict] = field(default_factory=list)  # validated, with "_file", "_row"
    errors: list[RowError] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    ignored_fields: set[str] = field(default_factory=set)
    unmatched: dict[str, int] = field(default_factory=dict)
    skipped_files: list[str] = field(default_factory=list)
    rows_seen: int = 0


# --- reading the upload ------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM tolerated); text that is not UTF-8 is read as Windows-1252, the usual
    encoding of spreadsheet exports (and of the original UCI release)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_upload(upload: dict[str, bytes], max_bytes: int) -> dict[str, bytes]:
    """{file name: bytes} of an upload's files, zips expanded (one level, capped)."""
    files: dict[str, bytes] = {}
    budget = max_bytes
    for name in sorted(upload):
        data = upload[name]
        if name.lower().endswith(".zip"):
            budget -= _read_zip(name, data, files, budget)
        else:
            if len(data) > budget:
                raise ImportFailed(f"The upload exceeds {max_bytes} bytes")
            files[name] = data
            budget -= len(data)
    return files


def _read_zip(zip_name: str, blob: bytes, files: dict[str, bytes], budget: int) -> int:
    used = 0
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            entries = [i for i in archive.infolist() if not i.is_dir()]
            if len(entries) > MAX_ZIP_ENTRIES:
                raise ImportFailed(f"{zip_name}: more than {MAX_ZIP_ENTRIES} files")
            for info in entries:
                name = Path(info.filename.replace("\\", "/")).name
                if not name or name.startswith(".") or name.startswith("__MACOSX"):
                    continue
                if info.flag_bits & 0x1:
                    raise ImportFailed(f"{zip_name}: {name} is encrypted")
                if info.file_size > budget - used:  # the declared size may lie; reads are capped
                    raise ImportFailed(f"{zip_name}: the files inside exceed the size cap")
                with archive.open(info) as member:
                    data = member.read(budget - used + 1)
                if len(data) > budget - used:
                    raise ImportFailed(f"{zip_name}: the files inside exceed the size cap")
                used += len(data)
                files[name] = data
    except zipfile.BadZipFile:
        raise ImportFailed(f"{zip_name} is not a valid zip file") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        raise ImportFailed(f"{zip_name} cannot be read: {exc}") from None
    return used


def read_csv(text: str, name: str) -> list[dict]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportFailed(f"{name}: more than {MAX_ROWS} rows")
            rows.append(row)
        return rows
    except csv.Error as exc:
        raise ImportFailed(f"{name}: not readable as CSV ({exc})") from None


# --- one restaurant --------------------------------------------------------------------------


def split_list(value) -> list:
    """A list as given, or a delimited string ("Thai; Vietnamese", "a|b", "a, b")."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        sep = ";" if ";" in value else "|" if "|" in value else ","
        return [part.strip() for part in value.split(sep) if part.strip()]
    return [value]


def _text_list(max_items: int, max_len: int) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=max_len)),
        validate=validate.Length(max=max_items),
        load_default=list,
    )


def _canonical_allergens(values: list[str]) -> list[str]:
    known, unknown = allergens.normalize_many(values)
    if unknown:
        raise ma.ValidationError(
            f"Unknown allergen(s) {', '.join(map(repr, unknown))}; accepted: "
            + ", ".join(allergens.CANONICAL_ALLERGENS)
        )
    return known


class MenuItemRow(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=2000))  # fmt: skip
    ingredients = _text_list(100, 200)
    declared_allergens = _text_list(15, 100)
    price = ma.fields.Float(load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=1_000_000))  # fmt: skip

    @ma.pre_load
    def _lists(self, data, **_kwargs):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("ingredients", "declared_allergens"):
                if key in data:
                    data[key] = split_list(data[key])
            if data.get("price") in ("", "?"):
                data["price"] = None
        return data

    @ma.validates("declared_allergens")
    def _known(self, value, **_kwargs):
        _canonical_allergens(value)

    @ma.post_load
    def _canonical(self, data, **_kwargs):
        data["declared_allergens"] = _canonical_allergens(data["declared_allergens"])
        return data


class RestaurantRow(ma.Schema):
    """A restaurant in the platform's schema (aliases accepted: external_id for id,
    latitude/longitude or location{lat,lon}, price as $…$$$$ or low/medium/high, accepts for
    payment, menu_items for menu)."""

    class Meta:
        unknown = EXCLUDE

    id = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=5000))  # fmt: skip
    cuisines = _text_list(20, 80)
    price_tier = ma.fields.Integer(load_default=None, allow_none=True,
                                   validate=validate.Range(min=1, max=4))  # fmt: skip
    rating = ma.fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=5))  # fmt: skip
    lat = ma.fields.Float(load_default=None, allow_none=True,
                          validate=validate.Range(min=-90, max=90))  # fmt: skip
    lon = ma.fields.Float(load_default=None, allow_none=True,
                          validate=validate.Range(min=-180, max=180))  # fmt: skip
    address = ma.fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=500))  # fmt: skip
    area = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    city = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    ambience = _text_list(20, 50)
    tags = _text_list(50, 50)
    attributes = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=50)),
                                load_default=dict, validate=validate.Length(max=50))  # fmt: skip
    hours = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(DAYS)),
                           values=ma.fields.List(ma.fields.String(validate=validate.Regexp(_RANGE)),
                                                 validate=validate.Length(max=6)),
                           load_default=dict)  # fmt: skip
    parking = _text_list(10, 50)
    payment = _text_list(20, 50)
    declared_allergens = _text_list(15, 100)
    menu = ma.fields.List(ma.fields.Nested(MenuItemRow), load_default=None, allow_none=True,
                          validate=validate.Length(max=MAX_MENU_ITEMS))  # fmt: skip

    @ma.pre_load
    def _aliases(self, data, **_kwargs):
        if not isinstance(data, dict):
            raise ma.ValidationError("A restaurant is an object")
        data = {k: v for k, v in data.items() if v not in ("", "?")}
        for alias, name in _ALIASES:
            if alias in data and name not in data:
                data[name] = data.pop(alias)
        if isinstance(data.get("id"), int | float) and not isinstance(data.get("id"), bool):
            data["id"] = str(data["id"])
        location = data.pop("location", None)
        if isinstance(location, dict):
            data.setdefault("lat", location.get("lat", location.get("latitude")))
            data.setdefault(
                "lon", location.get("lon", location.get("lng", location.get("longitude")))
            )
        if "price" in data and "price_tier" not in data:
            data["price_tier"] = data.pop("price")
        if isinstance(data.get("price_tier"), str):
            data["price_tier"] = _price_tier(data["price_tier"])
        for key in ("cuisines", "ambience", "tags", "parking", "payment", "declared_allergens"):
            if key in data:
                data[key] = split_list(data[key])
        if isinstance(data.get("menu"), str):
            try:
                data["menu"] = json.loads(data["menu"])
            except ValueError:
                raise ma.ValidationError({"menu": ["Not a JSON list of menu items"]}) from None
        if isinstance(data.get("hours"), dict):
            data["hours"] = {str(k).lower()[:3]: split_list(v) for k, v in data["hours"].items()}
        return data

    @ma.validates("declared_allergens")
    def _known(self, value, **_kwargs):
        _canonical_allergens(value)

    @ma.post_load
    def _canonical(self, data, **_kwargs):
        data["declared_allergens"] = _canonical_allergens(data["declared_allergens"])
        data["id"] = data["id"].strip()
        data["name"] = data["name"].strip()
        return data


def _price_tier(text: str):
    value = text.strip().lower()
    if value and set(value) == {"$"} and len(value) <= 4:
        return len(value)
    if value in ("1", "2", "3", "4"):
        return int(value)
    return _PRICE_WORDS.get(value, text)  # unknown words fail validation, named


_row_schema = RestaurantRow()


def validate_row(raw) -> tuple[dict | None, dict]:
    try:
        return _row_schema.load(raw), {}
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, messages


def known_fields() -> set[str]:
    return set(_row_schema.fields) | {a for a, _ in _ALIASES} | {"location", "price"}


# --- whole files -------------------------------------------------------------------------------


def add_rows(parsed: Parsed, name: str, rows: list, first_row: int) -> None:
    """Validate ``rows`` (row numbers from ``first_row``) into ``parsed``."""
    known = known_fields()
    for offset, raw in enumerate(rows):
        parsed.rows_seen += 1
        if parsed.rows_seen > MAX_ROWS:
            raise ImportFailed(f"More than {MAX_ROWS} restaurants in one import")
        number = first_row + offset
        if isinstance(raw, dict):
            parsed.ignored_fields |= {str(k)[:50] for k in raw if k not in known}
        clean, errors = validate_row(raw)
        if clean is None:
            ext = raw.get("id", raw.get("external_id")) if isinstance(raw, dict) else None
            parsed.errors.append(
                RowError(name, number, errors, None if ext is None else str(ext)[:100])
            )
            continue
        clean["_file"], clean["_row"] = name, number
        parsed.restaurants.append(clean)


def parse_json(parsed: Parsed, name: str, data: bytes) -> None:
    try:
        doc = json.loads(decode_text(data))
    except ValueError as exc:
        raise ImportFailed(f"{name}: not valid JSON ({exc})") from None
    rows = doc.get("restaurants") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise ImportFailed(f'{name}: expected a list of restaurants or {{"restaurants": [...]}}')
    parsed.sources.add("json")
    add_rows(parsed, name, rows, 1)


def parse_csv(parsed: Parsed, name: str, data: bytes) -> None:
    rows = read_csv(decode_text(data), name)
    parsed.sources.add("csv")
    # csv.DictReader puts surplus cells under the key None; they are not a field.
    add_rows(parsed, name, [{k: v for k, v in r.items() if k is not None} for r in rows], 2)
