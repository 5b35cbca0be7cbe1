"""Dining tasks: thin wiring from TrackedTask to the algorithms beside this module."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db import session_scope
from app.models.dining import ChatMessage, DiningUser, Interaction, Restaurant
from workers import llm
from workers.base import TaskError, TrackedTask
from workers.celery_app import celery
from workers.dining import answer as chat_steps
from workers.dining import (
    detail,
    intake,  # noqa: F401  (registers dining.import and dining.summary)
)
from workers.dining.feeds import build_feeds, due_users, org_ranker, place_of, profiles, today
from workers.dining.ranking import Catalog, Ranker

log = logging.getLogger("kairos.dining")

BATCH_SIZE = 200


def _user(s, org_id: str, user_id: str) -> DiningUser:
    user = s.scalar(
        select(DiningUser)
        .where(DiningUser.org_id == org_id, DiningUser.id == user_id)
        .options(selectinload(DiningUser.allergies))
    )
    if user is None:  # deleted since the request
        raise TaskError("User not found", code="USER_NOT_FOUND")
    return user


# --- feeds ---------------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="dining.build_feed")
def build_feed(self, user_id):
    self.progress(10, stage="ranking")
    feeds = build_feeds(self.attempt.org_id, [user_id], task_id=self.request.id)
    if not feeds:
        raise TaskError("User not found", code="USER_NOT_FOUND")
    feed = feeds[0]
    return {
        "user_id": user_id,
        "feed_date": feed.feed_date.isoformat(),
        "generated_at": feed.generated_at.isoformat(),
        "count": len(feed.items),
    }


@celery.task(name="dining.build_feed_batch", ignore_result=True)
def build_feed_batch(org_id, user_ids, feed_date=None):
    """One batch of the nightly precomputation: its record is the feeds it stores."""
    day = date.fromisoformat(feed_date) if feed_date else None
    feeds = build_feeds(org_id, list(user_ids), day, origin="batch")
    log.info("dining_feed_batch", extra={"org_id": org_id, "feeds": len(feeds)})
    return len(feeds)


@celery.task(name="dining.precompute_feeds", ignore_result=True)
def precompute_feeds(batch_size=BATCH_SIZE):
    """Beat: today's feeds for users active in the last 30 days who have none yet."""
    day = today()
    with session_scope() as s:
        due = due_users(s, day)
    batches = 0
    for org_id, ids in due.items():
        for start in range(0, len(ids), batch_size):
            build_feed_batch.apply_async(
                (org_id, ids[start : start + batch_size], day.isoformat()), queue="feeds"
            )
            batches += 1
    users = sum(len(v) for v in due.values())
    log.info("dining_precompute_sent", extra={"users": users, "batches": batches})
    return {"users": users, "batches": batches}


# --- expand --------------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="dining.expand")
def expand(self, user_id, restaurant_id):
    org_id = self.attempt.org_id
    with session_scope() as s:
        user = _user(s, org_id, user_id)
        row = s.scalar(
            select(Restaurant)
            .where(Restaurant.org_id == org_id, Restaurant.id == restaurant_id)
            .options(selectinload(Restaurant.menu_items))
        )
        if row is None:
            raise TaskError("Restaurant not found", code="RESTAURANT_NOT_FOUND")
        ranker = org_ranker(s, org_id)
        profile = profiles(s, [user])[user.id]
        # The guard reads the row as it is now, never a cached copy.
        place = place_of(row)
        menu_names = [m.name for m in row.menu_items]
        attributes = dict(row.attributes or {})
        mean = s.scalar(
            select(func.avg(Interaction.rating)).where(
                Interaction.restaurant_id == row.id,
                Interaction.kind == "rated",
                Interaction.rating_scale == "1-5",
            )
        )
        mean_02 = s.scalar(
            select(func.avg(Interaction.rating)).where(
                Interaction.restaurant_id == row.id,
                Interaction.kind == "rated",
                Interaction.rating_scale == "0-2",
            )
        )
    self.progress(40, stage="scoring")
    if restaurant_id not in ranker.catalog.index:  # imported since the model was cached
        ranker = Ranker(Catalog([place]), None)
    scored = ranker.one(profile, restaurant_id, fresh=place)
    units = [v for v in ((mean - 1) / 4 if mean else None, mean_02 / 2 if mean_02 else None) if v]
    user_rating = sum(units) / len(units) if units else None
    verdict = scored.verdict
    radar = detail.radar(place, profile, scored.km, user_rating, attributes, ranker.decay)
    summary, strategy = _summary(self, place, scored.tags, verdict, menu_names)
    return {
        "restaurant": {
            "id": place.id,
            "name": place.name,
            "cuisine_types": list(place.cuisines),
            "price_tier": detail.PRICE_SYMBOLS.get(place.price_tier),
            "rating": place.rating,
            "area": place.area,
            "city": place.city,
            "lat": place.lat,
            "lon": place.lon,
            "fit_score": scored.fit_score,
            "fit_tags": scored.tags,
            "distance_km": None if scored.km is None else round(scored.km, 2),
            "distance_decided": False,  # one place, described: no list it could rank in
            "recommended": not verdict.blocked,
        },
        "ai_summary": summary,
        "highlights": detail.highlights(place, scored.tags, menu_names),
        "radar_scores": radar,
        "radar_method": detail.RADAR_METHOD,
        "allergen_analysis": verdict.analysis(),
        "strategy": strategy,
    }


def _summary(task, place, tags, verdict, menu_names) -> tuple[str, str]:
    client = llm.from_settings()
    offline = detail.summary(place, tags, verdict)
    if client is None:
        return offline, "naive"
    facts = detail.llm_facts(place, tags, verdict, menu_names)
    try:
        text = client.complete_text(detail.SUMMARY_SYSTEM, facts, on_token=task.token).strip()
    except llm.LLMError as exc:
        # Everything else in an expand is data; a summary is not worth failing it for.
        log.info("dining_summary_offline", extra={"error": exc.message})
        return offline, "naive"
    if not text:
        return offline, "naive"
    note = detail.guard_note(verdict)
    # The guard's words are not left to the model: they always follow its text.
    return (f"{text} {note}" if note else text), "openai"


# --- chat ----------------------------------------------------------------------------------------


@celery.task(base=TrackedTask, bind=True, name="dining.chat")
def chat(self, user_id, message, history=()):
    org_id = self.attempt.org_id
    history = list(history or [])[-chat_steps.HISTORY_TURNS :]
    with session_scope() as s:
        user = _user(s, org_id, user_id)
        ranker = org_ranker(s, org_id)
        profile = profiles(s, [user])[user.id]
    payload = chat_steps.answer(
        ranker, profile, message, history, llm.from_settings(), self.progress
    )
    with session_scope() as s:
        s.add(ChatMessage(user_id=user_id, role="user", content=message))
        s.add(ChatMessage(user_id=user_id, role="assistant", content=payload["text_response"]))
    return payload
