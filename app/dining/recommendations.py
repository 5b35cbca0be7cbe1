"""Recommendations: the day's feed and one restaurant expanded.

``GET /recommendations/{uid}`` serves today's feed from the ``dining_feeds`` table. A miss (or
``refresh``) enqueues ``dining.build_feed`` on the feeds queue and holds the request up to
``Prefer: wait=N`` seconds (5 by default); a feed not ready by then is a 202 with the task.
Whatever it serves, the allergen guard judges again against the user's allergies and the
restaurants as they are now: a feed is a day old at most, an allergy is never stale.

``GET /recommendations/{uid}/{rid}/expand`` runs ``dining.expand`` the same way and keeps the
answer in Redis for the day, keyed by everything it depends on.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import metrics
from app.core.errors import ApiError
from app.core.schema import Schema
from app.db import session_scope
from app.dining import kinds
from app.dining.access import USER_ID_PARAMETER, acting_uid, uid_parameters
from app.dining.blueprint import blp
from app.dining.domain import guard
from app.dining.domain.acting import get_profile
from app.models.dining import DiningUser, Feed, Restaurant
from app.platform import task_service
from app.platform.accept import PREFER_HEADER, Accepted, documents_pending_task
from app.platform.auth import current_principal, require
from app.redis_conn import get_redis

log = logging.getLogger("kairos.dining")

DEFAULT_WAIT = 5  # seconds a request holds for a feed or an expand being built
EXPAND_TTL = 24 * 3600
PRICE_SYMBOLS = {1: "$", 2: "$$", 3: "$$$", 4: "$$$$"}
_UID_DOC = {"parameters": [USER_ID_PARAMETER]}


class UserHeaderSchema(Schema):
    """``X-User-ID``, documented beside the query parameters (a manual doc entry would
    replace them). ``app.dining.access`` checks it; other headers pass through."""

    class Meta:
        ordered = True
        unknown = ma.EXCLUDE

    x_user_id = ma.fields.String(
        data_key=USER_ID_PARAMETER["name"],
        validate=validate.Length(max=45),
        metadata={"description": USER_ID_PARAMETER["description"], "format": "uuid"},
    )


class RecommendationsQuery(Schema):
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    refresh = ma.fields.Boolean(load_default=False)


class RestaurantFitSchema(Schema):
    """A restaurant as a recommendation shows it: what it is, where, and how it fits."""

    id = ma.fields.String()
    name = ma.fields.String()
    cuisine_types = ma.fields.List(ma.fields.String())
    price_tier = ma.fields.String(allow_none=True)
    rating = ma.fields.Float(allow_none=True)
    area = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    fit_score = ma.fields.Integer(metadata={"minimum": 0, "maximum": 100})
    fit_tags = ma.fields.List(ma.fields.String())
    distance_km = ma.fields.Float(
        allow_none=True,
        metadata={"description": "From the user's location; null when either has none."},
    )
    distance_decided = ma.fields.Boolean(
        metadata={
            "description": "True when closeness, not fit, earned the place its rank: the "
            "fit alone would have listed it lower or not at all (fit_tags say so too)."
        }
    )


class FeedItemSchema(RestaurantFitSchema):
    allergy_safe = ma.fields.Boolean()
    allergy_status = ma.fields.String(metadata={"enum": ["safe", "warning", "unknown"]})
    allergy_warning = ma.fields.String(allow_none=True)
    allergy_warnings = ma.fields.List(ma.fields.Dict())
    allergen_confidence = ma.fields.String(metadata={"enum": ["high", "medium", "low"]})
    has_allergy_warnings = ma.fields.Boolean()


class FeedSchema(Schema):
    uid = ma.fields.String()
    feed_date = ma.fields.String()
    restaurants = ma.fields.List(ma.fields.Nested(FeedItemSchema))
    generated_at = ma.fields.DateTime()
    from_cache = ma.fields.Boolean()
    task_id = ma.fields.String(allow_none=True)


class ExpandRestaurantSchema(RestaurantFitSchema):
    city = ma.fields.String(allow_none=True)
    recommended = ma.fields.Boolean()


class RadarSchema(Schema):
    ambiance = ma.fields.Integer()
    service = ma.fields.Integer()
    food = ma.fields.Integer()
    value = ma.fields.Integer()
    location = ma.fields.Integer()


class ExpandSchema(Schema):
    restaurant = ma.fields.Nested(ExpandRestaurantSchema)
    ai_summary = ma.fields.String()
    highlights = ma.fields.List(ma.fields.String())
    radar_scores = ma.fields.Nested(RadarSchema)
    radar_method = ma.fields.Dict()
    allergen_analysis = ma.fields.Dict()
    strategy = ma.fields.String()
    from_cache = ma.fields.Boolean()


def today():
    return datetime.now(UTC).date()


def _accepted(accepted: Accepted):
    # Still being built: the task, always 202 (this route's 200 is the answer itself).
    return accepted.response(202)


def _failed(task):
    error = task.error or {}
    code = error.get("code") or "TASK_ERROR"
    if code.endswith("_NOT_FOUND"):
        return ApiError(404, code, error.get("message") or "Not found")
    return ApiError(503, code, error.get("message") or "The task failed; try again")


def _run(kind, params: dict) -> tuple[Accepted, bool]:
    """Enqueue an internal task for the caller and hold for it: (accepted, finished)."""
    principal = current_principal()
    task = task_service.enqueue_internal(principal, kind, params)
    accepted = Accepted(task, created=True).hold(principal, DEFAULT_WAIT)
    if accepted.task.state in ("failed", "cancelled"):
        raise _failed(accepted.task)
    return accepted, accepted.task.state == "succeeded"


# --- the feed ------------------------------------------------------------------------------------


def _load_user(s, uid: str) -> DiningUser:
    user = get_profile(s, uid, current_principal())
    _ = user.allergies  # loaded while the session is open
    return user


def guarded(items: list[dict], allergies: list[guard.Allergy], limit: int, s) -> list[dict]:
    """The first ``limit`` stored items that the guard still lets through, with the
    restaurant as it is now and what the guard says today (a menu may have changed since the
    feed was built)."""
    ids = [item["id"] for item in items]
    rows = {
        r.id: r
        for r in s.scalars(
            select(Restaurant)
            .where(Restaurant.id.in_(ids))
            .options(selectinload(Restaurant.menu_items))
        )
    }
    out = []
    for item in items:
        row = rows.get(item["id"])
        if row is None:
            continue  # removed from the catalog since
        verdict = guard.assess(allergies, guard.facts_of_restaurant(row))
        if verdict.blocked:
            metrics.DINING_GUARD_BLOCKED_AT_SERVE.inc()
            log.warning("dining_feed_item_blocked_at_serve", extra={"restaurant_id": row.id})
            continue
        out.append(
            {
                "id": row.id,
                "name": row.name,
                "cuisine_types": list(row.cuisines or ()),
                "price_tier": PRICE_SYMBOLS.get(row.price_tier),
                "rating": row.rating,
                "area": row.area,
                "lat": row.lat,
                "lon": row.lon,
                "fit_score": item["fit_score"],
                "fit_tags": item["fit_tags"],
                # Feeds built before distance was stored have neither: unknown, not decided.
                "distance_km": item.get("distance_km"),
                "distance_decided": item.get("distance_decided", False),
                "allergy_safe": verdict.safe,
                "allergy_status": verdict.status,
                "allergy_warning": verdict.allergy_warning,
                "allergy_warnings": verdict.warnings,
                "allergen_confidence": verdict.confidence,
                "has_allergy_warnings": bool(verdict.warnings),
            }
        )
        if len(out) >= limit:
            break
    return out


def _serve(s, uid, user, allergies, limit, from_cache):
    feed = s.scalar(select(Feed).where(Feed.user_id == user.id, Feed.feed_date == today()))
    if feed is None:
        return None
    if feed.meta.get("allergy_fingerprint") != guard.fingerprint(allergies):
        return None  # built for other allergies: never served
    return {
        "uid": uid,
        "feed_date": feed.feed_date.isoformat(),
        "restaurants": guarded(feed.items, allergies, limit, s),
        "generated_at": feed.generated_at,
        "from_cache": from_cache,
        "task_id": feed.task_id,
    }


@blp.route(
    "/recommendations/<uid>", methods=["GET"], parameters=[*uid_parameters("uid"), PREFER_HEADER]
)
@require("viewer")
@blp.arguments(RecommendationsQuery, location="query")
@blp.arguments(UserHeaderSchema, location="headers")
@blp.response(200, FeedSchema)
@documents_pending_task(blp, "The feed is being built: the task", idempotent=False)
def recommendations(query, _headers, uid):
    """Today's personalised feed (cached for the day; `refresh=true` rebuilds it).

    A feed not built yet is built by a worker; the request holds up to `Prefer: wait=N`
    seconds (5 by default), then answers 202 with the task.
    """
    uid = acting_uid(uid)
    with session_scope() as s:
        user = _load_user(s, uid)
        allergies = guard.allergies_of(user.allergies)
        if not query["refresh"]:
            served = _serve(s, uid, user, allergies, query["limit"], from_cache=True)
            if served is not None:
                metrics.DINING_FEEDS_SERVED.labels("hit").inc()
                return served
        user_id = user.id
    accepted, done = _run(kinds.BUILD_FEED, {"user_id": user_id})
    if not done:
        return _accepted(accepted)
    with session_scope() as s:
        user = _load_user(s, uid)
        allergies = guard.allergies_of(user.allergies)
        served = _serve(s, uid, user, allergies, query["limit"], from_cache=False)
    if served is None:
        # The allergies changed while it was built: build again, and say so with the task.
        task = task_service.enqueue_internal(
            current_principal(), kinds.BUILD_FEED, {"user_id": user_id}
        )
        return _accepted(Accepted(task, created=True))
    metrics.DINING_FEEDS_SERVED.labels("built").inc()
    return served


# --- expand --------------------------------------------------------------------------------------


def _expand_key(org_id, user, rid, updated, allergies) -> str:
    parts = (org_id, user.id, rid, today().isoformat(), guard.fingerprint(allergies))
    stamp = f"{user.updated_at.timestamp():.6f}:{updated.timestamp():.6f}"
    return "kairos:dining:expand:" + ":".join(parts) + ":" + stamp


@blp.route(
    "/recommendations/<uid>/<rid>/expand",
    methods=["GET"],
    parameters=[*uid_parameters("uid", "rid"), PREFER_HEADER],
)
@require("viewer")
@blp.response(200, ExpandSchema)
@documents_pending_task(blp, "Being prepared: the task", idempotent=False)
@blp.doc(**_UID_DOC)
def expand(uid, rid):
    """One restaurant in detail for the user: summary, highlights, radar scores (0–100, how
    each is derived is in `radar_method`) and the allergen analysis for this user."""
    uid = acting_uid(uid)
    principal = current_principal()
    if len(rid) > 36:
        raise ApiError(404, "RESTAURANT_NOT_FOUND", "Restaurant not found")
    with session_scope() as s:
        user = _load_user(s, uid)
        row = s.scalar(
            select(Restaurant).where(Restaurant.org_id == principal.org_id, Restaurant.id == rid)
        )
        if row is None:
            raise ApiError(404, "RESTAURANT_NOT_FOUND", "Restaurant not found")
        key = _expand_key(
            principal.org_id, user, rid, row.updated_at, guard.allergies_of(user.allergies)
        )
        user_id = user.id
    redis = get_redis()
    cached = redis.get(key)
    if cached:
        return {**json.loads(cached), "from_cache": True}
    accepted, done = _run(kinds.EXPAND, {"user_id": user_id, "restaurant_id": rid})
    if not done:
        return _accepted(accepted)
    redis.set(key, json.dumps(accepted.task.result), ex=EXPAND_TTL)
    return {**accepted.task.result, "from_cache": False}
