"""Dining profiles: create, read, delete; preferences, allergies, interactions, summary.

Every route resolves the acting uid through ``app.dining.access`` (service key for any uid
of the org, or the signed-in user for their own), and reads profiles of the caller's org only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.config import get_settings
from app.core.errors import ApiError
from app.db import session_scope
from app.dining import kinds
from app.dining.access import BAD_UID, USER_ID_PARAMETER, acting_uid, uid_parameters
from app.dining.blueprint import blp
from app.dining.domain.acting import find_profile, get_profile
from app.dining.domain.prefs import deep_merge, dietary_flags
from app.dining.domain.profiles import (
    allergies_dict,
    drop_feeds,
    profile_dict,
    set_allergies,
    summary_template,
    touch,
)
from app.dining.schemas import (
    INTERACTION_BODY,
    DiningAllergiesSchema,
    DiningAllergiesUpdatedSchema,
    DiningInteractionCreateSchema,
    DiningInteractionQuerySchema,
    DiningInteractionSchema,
    DiningPreferencesOutSchema,
    DiningPreferencesSchema,
    DiningProfileSchema,
    DiningSummarySchema,
    DiningUserCreatedSchema,
    DiningUserCreateSchema,
)
from app.http import ErrorEnvelopeSchema
from app.models.dining import DiningUser, Interaction, Restaurant
from app.pagination import Rows
from app.platform.accept import (
    TASK_HEADERS,
    documents_pending_task,
    idempotency_key,
    start_task,
)
from app.platform.auth import current_principal, require

# Every uid route takes X-User-ID. It is a path-level parameter: an operation's own
# ``parameters`` list would replace the one its query schema documents (and the API refuses
# a query parameter its document does not name).
UID_PARAMETERS = [*uid_parameters("uid"), dict(USER_ID_PARAMETER)]


def _uid_doc(fn):
    """Documents what every uid route may answer besides its own: a 400 for a bad uid."""
    error = {
        "description": BAD_UID,
        "content": {"application/json": {"schema": ErrorEnvelopeSchema}},
    }
    return blp.doc(responses={400: error})(fn)


SUMMARY_WAIT = 10  # seconds a summary request holds for the LLM before answering 202


def _load(s, uid: str, for_update: bool = False) -> DiningUser:
    stmt = select(DiningUser).where(
        DiningUser.org_id == current_principal().org_id, DiningUser.uid == uid
    )
    if for_update:
        # Writers of one profile take turns, so a merge or a count never works from a stale
        # read: writing the row first takes its lock (PostgreSQL) or the database's write
        # lock (SQLite, whose driver starts the transaction at the first write).
        s.execute(
            update(DiningUser)
            .where(DiningUser.org_id == current_principal().org_id, DiningUser.uid == uid)
            .values(updated_at=datetime.now(UTC))
        )
    user = s.scalar(stmt.options(selectinload(DiningUser.allergies)))
    if user is None:
        raise ApiError(404, "USER_NOT_FOUND", "User not found")
    return user


@blp.route("/users/<uid>", parameters=UID_PARAMETERS)
class UserById(MethodView):
    @require("viewer")
    @blp.arguments(DiningUserCreateSchema, required=False)
    @blp.response(201, DiningUserCreatedSchema)
    @blp.alt_response(
        200, schema=DiningUserCreatedSchema, description="The profile already existed"
    )
    @_uid_doc
    def post(self, body, uid):
        """Create the dining profile of `uid` (idempotent: 201 created, then 200)."""
        uid = acting_uid(uid)
        org_id = current_principal().org_id
        with session_scope() as s:
            if find_profile(s, uid, current_principal()) is not None:
                return {"uid": uid, "created": False}, 200
        try:
            with session_scope() as s:
                s.add(DiningUser(org_id=org_id, uid=uid, email=body.get("email")))
        except IntegrityError:  # a concurrent create of the same uid won
            return {"uid": uid, "created": False}, 200
        return {"uid": uid, "created": True}, 201

    @require("viewer")
    @blp.response(200, DiningProfileSchema)
    @_uid_doc
    def get(self, uid):
        """The profile: preferences, allergies with severity, flags, activity."""
        uid = acting_uid(uid)
        with session_scope() as s:
            return profile_dict(_load(s, uid))

    @require("viewer")
    @blp.response(204)
    @_uid_doc
    def delete(self, uid):
        """Delete the profile with its allergies, interactions, cached feeds and chat."""
        uid = acting_uid(uid)
        with session_scope() as s:
            s.delete(get_profile(s, uid, current_principal()))
        return None


@blp.route("/users/<uid>/preferences", parameters=UID_PARAMETERS)
class Preferences(MethodView):
    @require("viewer")
    @blp.arguments(DiningPreferencesSchema, required=False)
    @blp.response(200, DiningPreferencesOutSchema)
    @_uid_doc
    def patch(self, body, uid):
        """Deep-merge preferences: arrays unioned (order kept, no duplicates), scalars
        replaced, objects merged, `null` removes a key; unknown keys are kept."""
        return _write_preferences(uid, body, replace=False)

    @require("viewer")
    @blp.arguments(DiningPreferencesSchema, required=False)
    @blp.response(200, DiningPreferencesOutSchema)
    @_uid_doc
    def put(self, body, uid):
        """Replace preferences entirely (same validation as PATCH)."""
        return _write_preferences(uid, body, replace=True)


def _write_preferences(uid: str, body: dict, replace: bool) -> dict:
    uid = acting_uid(uid)
    with session_scope() as s:
        user = _load(s, uid, for_update=True)
        base = {} if replace else dict(user.preferences or {})
        merged = deep_merge(base, body)
        # A union may outgrow a list's bound: the merged whole keeps the same bounds.
        problems = DiningPreferencesSchema().validate(merged)
        if problems:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid input", problems)
        user.preferences = merged
        user.dietary_flags = dietary_flags(merged)
        touch(user)
        drop_feeds(s, user)
        return {"uid": uid, "preferences": merged, "dietary_flags": user.dietary_flags}


@blp.route("/users/<uid>/allergies", parameters=UID_PARAMETERS)
class Allergies(MethodView):
    @require("viewer")
    @blp.arguments(DiningAllergiesSchema)
    @blp.response(200, DiningAllergiesUpdatedSchema)
    @_uid_doc
    def patch(self, items, uid):
        """Add confirmed allergies (names normalized to canonical allergens; severity
        mild · moderate · severe · anaphylactic, "severe" when not given). An unknown
        allergen is a 400 that lists the accepted names; nothing is written."""
        return _write_allergies(uid, items, replace=False)

    @require("viewer")
    @blp.arguments(DiningAllergiesSchema)
    @blp.response(200, DiningAllergiesUpdatedSchema)
    @_uid_doc
    def put(self, items, uid):
        """Replace the confirmed allergies with exactly these (an empty list clears them)."""
        return _write_allergies(uid, items, replace=True)


def _write_allergies(uid: str, items: dict, replace: bool) -> dict:
    uid = acting_uid(uid)
    with session_scope() as s:
        user = _load(s, uid, for_update=True)
        set_allergies(s, user, items, replace)
        touch(user)
        # A feed guarded against the old list must never be served again.
        drop_feeds(s, user)
        s.flush()
        allergies = allergies_dict(user)
        return {
            "uid": uid,
            "allergy_flags": allergies["confirmed"],
            "allergies": allergies,
            "updated": True,
        }


@blp.route("/users/<uid>/interactions", parameters=UID_PARAMETERS)
class Interactions(MethodView):
    @require("viewer")
    @blp.arguments(DiningInteractionCreateSchema)
    @blp.response(201, DiningInteractionSchema)
    @blp.doc(requestBody=INTERACTION_BODY)
    @_uid_doc
    def post(self, body, uid):
        """Record what the user did with a restaurant (viewed, liked, visited, dismissed,
        rated with a 0-2 or 1-5 rating); it feeds the recommender."""
        uid = acting_uid(uid)
        principal = current_principal()
        with session_scope() as s:
            user = _load(s, uid, for_update=True)
            ref = body["restaurant_id"]
            restaurant = s.scalar(
                select(Restaurant).where(
                    Restaurant.org_id == principal.org_id,
                    or_(Restaurant.id == ref, Restaurant.external_id == ref),
                )
            )
            if restaurant is None:
                raise ApiError(404, "RESTAURANT_NOT_FOUND", "Restaurant not found")
            row = Interaction(
                org_id=principal.org_id,
                user_id=user.id,
                restaurant_id=restaurant.id,
                kind=body["kind"],
                rating=body.get("rating"),
                rating_scale=body.get("scale") if body.get("rating") is not None else None,
            )
            s.add(row)
            user.interaction_count = (user.interaction_count or 0) + 1
            touch(user, active=True)
            s.flush()
            return _interaction(row, uid, restaurant.external_id, user.interaction_count)

    @require("viewer")
    @blp.arguments(DiningInteractionQuerySchema, location="query")
    @blp.response(200, DiningInteractionSchema(many=True))
    @blp.paginate()
    @_uid_doc
    def get(self, query, uid):
        """The user's interactions, newest first (filter by `kind`)."""
        uid = acting_uid(uid)
        with session_scope() as s:
            user = _load(s, uid)
            user_id, count = user.id, user.interaction_count
        stmt = select(Interaction).where(Interaction.user_id == user_id)
        if query.get("kind"):
            stmt = stmt.where(Interaction.kind == query["kind"])

        def render(s, rows):
            ids = {r.restaurant_id for r in rows}
            external = dict(
                s.execute(
                    select(Restaurant.id, Restaurant.external_id).where(Restaurant.id.in_(ids))
                ).all()
            )
            return [_interaction(r, uid, external.get(r.restaurant_id), count) for r in rows]

        return Rows(stmt.order_by(Interaction.created_at.desc(), Interaction.id), render)


def _interaction(row: Interaction, uid: str, external_id: str | None, count: int) -> dict:
    return {
        "id": row.id,
        "uid": uid,
        "restaurant_id": row.restaurant_id,
        "external_id": external_id,
        "kind": row.kind,
        "rating": row.rating,
        "rating_scale": row.rating_scale,
        "created_at": row.created_at,
        "interaction_count": count,
    }


@blp.route("/users/<uid>/summary", methods=["GET"], parameters=[*UID_PARAMETERS, *TASK_HEADERS])
@require("viewer")
@blp.response(200, DiningSummarySchema)
@documents_pending_task(blp, "The LLM is still writing it: a task", idempotent=True)
@_uid_doc
def user_summary(uid):
    """A taste summary. With an LLM configured it is written by the `dining.summary` task
    (the request holds up to `Prefer: wait=N` seconds, 10 by default, then answers 202 with
    the task); without one, a template states every preference and every allergy with its
    severity, synchronously."""
    idempotency_key()  # documented on the route: a malformed key is a 400 even when unused
    uid = acting_uid(uid)
    with session_scope() as s:
        profile = profile_dict(_load(s, uid))
    if not get_settings().llm_base_url:
        return {"uid": uid, "summary": summary_template(profile), "strategy": "template"}
    accepted = start_task(kinds.SUMMARY.name, {"uid": uid}, default_wait=SUMMARY_WAIT)
    task = accepted.task
    if task.state == "succeeded" and isinstance(task.result, dict):
        return {"uid": uid, **task.result}
    if task.state in ("failed", "cancelled"):
        # The LLM leg failed outright: the template still tells the truth.
        return {"uid": uid, "summary": summary_template(profile), "strategy": "template"}
    # Not written yet: the task, always 202 (this route's 200 is the summary itself).
    return accepted.response(202)
