"""Dining tasks of the profile side: the catalog import and the taste summary."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import metrics
from app.config import get_settings
from app.db import session_scope
from app.dining.domain import uploads
from app.dining.domain.profiles import profile_dict, summary_template
from app.models.base import new_id
from app.models.dining import DiningUser, MenuItem, Restaurant
from workers import llm
from workers.base import TaskError, TrackedTask
from workers.celery_app import celery
from workers.dining.catalog import Parsed, RowError, read_upload
from workers.dining.importer import parse_files

log = logging.getLogger("kairos.dining")

IMPORT_BATCH = 200
MAX_REPORTED_ERRORS = 200
FIELDS = ("name", "description", "cuisines", "price_tier", "rating", "lat", "lon", "address",
          "area", "city", "ambience", "tags", "attributes", "hours", "parking", "payment",
          "declared_allergens")  # fmt: skip


# --- import -------------------------------------------------------------------------------------


def _source(row: dict) -> str:
    if row.get("_source"):
        return row["_source"]
    return "json" if row["_file"].lower().endswith(".json") else "csv"


def _dedupe(parsed: Parsed) -> list[dict]:
    """The last row of each external id wins; earlier ones are reported, not silently lost."""
    last: dict[str, dict] = {}
    for row in parsed.restaurants:
        earlier = last.get(row["id"])
        if earlier is not None:
            parsed.errors.append(
                RowError(
                    earlier["_file"],
                    earlier["_row"],
                    {"id": [f"Repeated later ({row['_file']} row {row['_row']}); that row wins"]},
                    row["id"],
                )
            )
        last[row["id"]] = row
    return list(last.values())


def upsert(org_id: str, rows: list[dict]) -> tuple[int, int]:
    """Insert or update one batch by (org, external id); returns (created, updated).

    A row that brings a menu replaces the restaurant's menu; a row without one keeps it.
    Two imports of the same ids at once: the batch that loses the race is read again and
    applied as updates.
    """
    try:
        return _upsert(org_id, rows)
    except IntegrityError:
        return _upsert(org_id, rows)


def _upsert(org_id: str, rows: list[dict]) -> tuple[int, int]:
    now = datetime.now(UTC)
    created = updated = 0
    menus: dict[str, list[dict]] = {}
    with session_scope() as s:
        known = {
            r.external_id: r
            for r in s.scalars(
                select(Restaurant).where(
                    Restaurant.org_id == org_id,
                    Restaurant.external_id.in_([row["id"] for row in rows]),
                )
            )
        }
        for row in rows:
            restaurant = known.get(row["id"])
            if restaurant is None:
                restaurant = Restaurant(
                    id=new_id(), org_id=org_id, external_id=row["id"], created_at=now
                )
                s.add(restaurant)
                created += 1
            else:
                updated += 1
            for name in FIELDS:
                setattr(restaurant, name, row.get(name))
            restaurant.source = _source(row)
            restaurant.updated_at = now
            if row.get("menu") is not None:
                menus[restaurant.id] = row["menu"]
        s.flush()
        if menus:
            # Menus are replaced wholesale: one DELETE and one multi-row INSERT per batch,
            # not an ORM collection per restaurant.
            s.execute(delete(MenuItem).where(MenuItem.restaurant_id.in_(list(menus))))
            items = [
                {"id": new_id(), "restaurant_id": rid, "position": i, **item}
                for rid, menu in menus.items()
                for i, item in enumerate(menu)
            ]
            if items:
                s.execute(insert(MenuItem), items)
    return created, updated


@celery.task(base=TrackedTask, bind=True, name="dining.import")
def import_catalog(self, upload_id, files=()):
    org_id = self.attempt.org_id
    packed = uploads.unpack(self.read_upload(upload_id))  # deleted by TrackedTask at the end
    self.progress(5, stage="parsing")
    parsed = parse_files(read_upload(packed, get_settings().dining_import_max_bytes))
    rows = _dedupe(parsed)
    created = updated = 0
    for start in range(0, len(rows), IMPORT_BATCH):
        batch = rows[start : start + IMPORT_BATCH]
        c, u = upsert(org_id, batch)
        created, updated = created + c, updated + u
        done = start + len(batch)
        self.progress(10 + 90 * done / len(rows), stage="importing",
                      message=f"{done} of {len(rows)} restaurants")  # fmt: skip
    errors = sorted(parsed.errors, key=lambda e: (e.file, e.row))
    for outcome, n in (("created", created), ("updated", updated), ("failed", len(errors))):
        metrics.DINING_IMPORT_ROWS.labels(outcome).inc(n)
    # ("created" is a LogRecord attribute: logging refuses it as an extra key)
    counts = {"rows_created": created, "rows_updated": updated, "rows_failed": len(errors)}
    log.info("dining_import", extra={"org_id": org_id, **counts})
    return {
        "sources": sorted(parsed.sources),
        "files": list(files),
        "received": parsed.rows_seen,
        "imported": created + updated,
        "created": created,
        "updated": updated,
        "failed": len(errors),
        "errors": [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
        "errors_truncated": len(errors) > MAX_REPORTED_ERRORS,
        "ignored_fields": sorted(parsed.ignored_fields),
        "skipped_files": sorted(parsed.skipped_files),
        "unmatched": parsed.unmatched,
    }


# --- summary ------------------------------------------------------------------------------------

SUMMARY_SYSTEM = (
    "You write a short, warm, second-person summary (2-4 sentences) of a diner's taste "
    "profile from the JSON facts given. Use only those facts; invent nothing. Mention every "
    "allergy with its severity. No lists, no markdown."
)


def _facts(profile: dict) -> str:
    import json

    allergies = [
        {"allergen": d["allergen"], "severity": d["severity"]}
        for d in profile["allergies"]["details"]
    ]
    return json.dumps(
        {"preferences": profile["preferences"], "dietary": profile["dietary_flags"],
         "allergies": allergies}, ensure_ascii=False, default=str,
    )  # fmt: skip


def _mentions_every_allergy(text: str, profile: dict) -> bool:
    lowered = text.lower()
    return all(
        d["allergen"].split()[0] in lowered and d["severity"] in lowered
        for d in profile["allergies"]["details"]
    )


@celery.task(base=TrackedTask, bind=True, name="dining.summary")
def summary(self, uid):
    org_id = self.attempt.org_id
    with session_scope() as s:
        user = s.scalar(
            select(DiningUser)
            .where(DiningUser.org_id == org_id, DiningUser.uid == uid)
            .options(selectinload(DiningUser.allergies))
        )
        if user is None:
            raise TaskError("User not found", code="USER_NOT_FOUND")
        profile = profile_dict(user)
    template = summary_template(profile)
    client = llm.from_settings()
    if client is None:
        return {"summary": template, "strategy": "template"}
    self.progress(20, stage="writing")
    try:
        text = client.complete_text(SUMMARY_SYSTEM, _facts(profile), on_token=self.token).strip()
    except llm.LLMUnavailable:
        raise
    except llm.LLMError as exc:
        log.warning("dining_summary_llm_failed", extra={"error": exc.message})
        return {"summary": template, "strategy": "template"}
    if not text:
        return {"summary": template, "strategy": "template"}
    if not _mentions_every_allergy(text, profile):
        # Allergies are safety facts: when the model drops one, the template's sentence on
        # allergies is appended so none is ever left out.
        text = f"{text} {template[template.index('You are allergic') :]}"
    return {"summary": text, "strategy": "llm"}
