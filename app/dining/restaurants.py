"""The restaurant catalog: import (stored here, parsed by a worker) and listing."""

from __future__ import annotations

import json
import uuid

import marshmallow as ma
from flask import request
from flask.views import MethodView
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.errors import ApiError
from app.core.scoping import scoped
from app.db import session_scope
from app.dining import kinds
from app.dining.blueprint import blp
from app.dining.domain import uploads
from app.dining.schemas import (
    DiningImportRequestSchema,
    DiningRestaurantDetailSchema,
    DiningRestaurantQuerySchema,
    DiningRestaurantSchema,
)
from app.models.dining import Restaurant
from app.platform.accept import documents_task, start_task
from app.platform.auth import current_principal, require

_MULTIPART = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "minItems": 1,
            "maxItems": uploads.MAX_FILES,
            "items": {"type": "string", "format": "binary"},
            "description": "One part per file: *.json / *.csv in the platform's schema, the "
            "UCI files by their names (geoplaces2.csv, chefmozcuisine.csv, chefmozhours4.csv, "
            "chefmozparking.csv, chefmozaccepts.csv, rating_final.csv), or one .zip of them",
        }
    },
}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Invalid input", {field: [message]})


def _multipart_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    parts = [f for key in request.files for f in request.files.getlist(key) if f and f.filename]
    if not parts:
        raise _bad("files", "Upload at least one file (one part per file).")
    if len(parts) > uploads.MAX_FILES:
        raise _bad("files", f"At most {uploads.MAX_FILES} files per import.")
    for index, part in enumerate(parts):
        # Any file is stored: the worker says which it could not read (skipped_files), and
        # fails the import when none is a catalog.
        name = uploads.safe_name(part.filename, f"upload-{index}")
        if name in files:  # the same name twice: keep both
            name = f"{index}-{name}"
        files[name] = part.read()
    return files


def _json_files() -> dict[str, bytes]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", "Expected a JSON object or a multipart upload")
    try:
        data = DiningImportRequestSchema().load(body)
    except ma.ValidationError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", exc.messages) from None
    return {"catalog.json": json.dumps({"restaurants": data["restaurants"]}).encode("utf-8")}


@blp.route("/restaurants/import", methods=["POST"])
@require("member")
@documents_task(blp)
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": DiningImportRequestSchema},
            "multipart/form-data": {"schema": _MULTIPART},
        },
    }
)
def import_restaurants():
    """Import a restaurant catalog (async `dining.import`, idempotent by external id).

    JSON: `{"restaurants": [...]}` in the platform's schema. Multipart:
    one part per file — platform JSON/CSV, the UCI files as published (recognized by name),
    or one zip of them. The task parses and upserts in batches; its result counts created and
    updated restaurants and lists each bad row with its file, row and field errors.
    """
    principal = current_principal()
    files = _multipart_files() if request.mimetype == "multipart/form-data" else _json_files()
    upload_id = uploads.store(principal.org_id, files)
    try:
        accepted = start_task(
            kinds.IMPORT.name, {"upload_id": upload_id, "files": list(files)}, principal=principal
        )
    except BaseException:
        uploads.discard(principal.org_id, upload_id)
        raise
    if accepted.task.params.get("upload_id") != upload_id:  # an earlier request of the key
        uploads.discard(principal.org_id, upload_id)
    return accepted.response()


def _cuisine_clause(cuisine: str):
    """Cuisines are a JSON list: an element matches when it equals the filter ignoring case
    and underscores ("Latin_American" = "latin american"), or when a part of a UCI joint
    name does ("coffee shop" finds "Cafe-Coffee_Shop")."""
    wanted = " ".join(cuisine.lower().replace("_", " ").split())
    needle = f"%{json.dumps(wanted)}%"
    text = func.lower(func.replace(cast(Restaurant.cuisines, String), "_", " "))
    parts = func.replace(text, "-", '", "')
    return or_(text.like(needle), parts.like(needle))


@blp.route("/restaurants")
class Restaurants(MethodView):
    @require("viewer")
    @blp.arguments(DiningRestaurantQuerySchema, location="query")
    @blp.response(200, DiningRestaurantSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """The org's restaurants by name; filter by cuisine, price ($…$$$$ or 1…4), area
        (area or city) and q (words in the name or description)."""
        stmt = scoped(select(Restaurant), Restaurant, current_principal())
        if query.get("cuisine"):
            stmt = stmt.where(_cuisine_clause(query["cuisine"]))
        if query.get("price"):
            price = query["price"]
            stmt = stmt.where(Restaurant.price_tier == (len(price) if "$" in price else int(price)))
        if query.get("area"):
            like = f"%{query['area']}%"
            stmt = stmt.where(or_(Restaurant.area.ilike(like), Restaurant.city.ilike(like)))
        for word in (query.get("q") or "").split()[:10]:
            like = f"%{word}%"
            stmt = stmt.where(or_(Restaurant.name.ilike(like), Restaurant.description.ilike(like)))
        return stmt.order_by(Restaurant.name, Restaurant.id)


@blp.route("/restaurants/<restaurant_id>", methods=["GET"])
@require("viewer")
@blp.response(200, DiningRestaurantDetailSchema)
def get_restaurant(restaurant_id):
    """One restaurant with its menu (by id, or by its external id in the catalog)."""
    with session_scope() as s:
        stmt = scoped(select(Restaurant), Restaurant, current_principal()).options(
            selectinload(Restaurant.menu_items)
        )
        ref = restaurant_id[:100]
        try:
            uuid.UUID(ref)
            by = or_(Restaurant.id == ref, Restaurant.external_id == ref)
        except ValueError:
            by = Restaurant.external_id == ref
        row = s.scalar(stmt.where(by))
        if row is None:
            raise ApiError(404, "RESTAURANT_NOT_FOUND", "Restaurant not found")
        return row
