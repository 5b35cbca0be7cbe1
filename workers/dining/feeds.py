"""Daily feeds: load an org's catalog and interactions once, rank for many users, store.

The catalog (arrays) and the collaborative model are built once per org and kept in the
worker process while the org's restaurants and interactions have not changed (checked by a
cheap count/max query, at most every few seconds), so a batch of 200 users — or a whole
night of batches — pays for them once. One batch is one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import metrics
from app.db import session_scope
from app.dining.domain import guard
from app.models.dining import DiningUser, Feed, Interaction, MenuItem, Restaurant
from workers.dining import proximity
from workers.dining.collab import ItemItem, signal
from workers.dining.ranking import Catalog, Place, Profile, Ranker

log = logging.getLogger("kairos.dining")

FEED_SIZE = 50  # what a feed stores; a request's `limit` (≤ 50) slices it
ACTIVE_DAYS = 30
MODEL_TTL = 600  # seconds a cached org model may be served without re-checking
CHECK_EVERY = 5  # seconds between version checks of a cached org model


def today() -> date:
    return datetime.now(UTC).date()


def place_of(row, menu=None) -> Place:
    """A Place from a ``Restaurant`` row (its menu loaded), or from a plain row of the
    restaurant's columns and its menu as dicts (the catalog's bulk read)."""
    if menu is None:
        facts = guard.facts_of_restaurant(row)
    else:
        facts = guard.facts_of(row.declared_allergens, menu, row.cuisines)
    return Place(
        id=row.id,
        name=row.name,
        cuisines=tuple(row.cuisines or ()),
        price_tier=row.price_tier,
        rating=row.rating,
        lat=row.lat,
        lon=row.lon,
        area=row.area,
        ambience=tuple(row.ambience or ()) + tuple(row.tags or ()),
        facts=facts,
        city=row.city,
        description=row.description,
    )


class Seen(NamedTuple):
    """One interaction as the ranking needs it (read as plain rows: an org has many)."""

    restaurant_id: str
    kind: str
    rating: float | None
    rating_scale: str | None

    rating_unit = Interaction.rating_unit  # the model's one rule for rating scales


_SEEN = (
    Interaction.restaurant_id,
    Interaction.kind,
    Interaction.rating,
    Interaction.rating_scale,
)
_PLACE = tuple(
    getattr(Restaurant, c)
    for c in ("id", "name", "cuisines", "price_tier", "rating", "lat", "lon", "area", "ambience",
              "tags", "declared_allergens", "city", "description")
)  # fmt: skip


def liking(interactions) -> float:
    """One user's word on one place from all their interactions with it: an explicit rating
    wins, then a dismissal, then the strongest implicit signal."""
    rated = [
        signal("rated", i.rating_unit)
        for i in interactions
        if i.kind == "rated" and i.rating is not None
    ]
    if rated:
        return sum(rated) / len(rated)
    if any(i.kind == "dismissed" for i in interactions):
        return -1.0
    return max((signal(i.kind, None) for i in interactions), default=0.0)


@dataclass
class OrgModel:
    version: tuple
    ranker: Ranker
    checked: float
    built: float


class _Cache:
    def __init__(self):
        self.models: dict[str, OrgModel] = {}
        self.lock = threading.Lock()

    def clear(self):
        with self.lock:
            self.models.clear()


cache = _Cache()


def _version(s, org_id: str) -> tuple:
    r = s.execute(
        select(func.count(Restaurant.id), func.max(Restaurant.updated_at)).where(
            Restaurant.org_id == org_id
        )
    ).one()
    i = s.execute(
        select(func.count(Interaction.id), func.max(Interaction.created_at)).where(
            Interaction.org_id == org_id
        )
    ).one()
    return (r[0], str(r[1]), i[0], str(i[1]))


def org_ranker(s, org_id: str) -> Ranker:
    """The org's ranker (catalog + collaborative model), rebuilt only when the data moved."""
    now = time.monotonic()
    with cache.lock:
        model = cache.models.get(org_id)
    if model is not None and now - model.checked < CHECK_EVERY and now - model.built < MODEL_TTL:
        return model.ranker
    version = _version(s, org_id)
    if model is not None and model.version == version and now - model.built < MODEL_TTL:
        model.checked = now
        return model.ranker
    ranker = _build_ranker(s, org_id)
    with cache.lock:
        cache.models[org_id] = OrgModel(version, ranker, now, now)
    return ranker


def _build_ranker(s, org_id: str) -> Ranker:
    menus: dict[str, list[dict]] = {}
    for rid, name, description, ingredients, declared in s.execute(
        select(
            MenuItem.restaurant_id,
            MenuItem.name,
            MenuItem.description,
            MenuItem.ingredients,
            MenuItem.declared_allergens,
        )
        .join(Restaurant, Restaurant.id == MenuItem.restaurant_id)
        .where(Restaurant.org_id == org_id)
    ):
        menus.setdefault(rid, []).append(
            {
                "name": name,
                "description": description,
                "ingredients": ingredients,
                "declared_allergens": declared,
            }
        )
    rows = s.execute(select(*_PLACE).where(Restaurant.org_id == org_id).order_by(Restaurant.id))
    catalog = Catalog(place_of(r, menus.get(r.id, ())) for r in rows)
    likings = org_likings(s, org_id)
    users = {u: n for n, u in enumerate(sorted({u for u, _ in likings}))}
    triples = [
        (users[u], catalog.index[r], w) for (u, r), w in likings.items() if r in catalog.index
    ]
    return Ranker(catalog, ItemItem.fit(triples, catalog.n), org_decay(s, org_id, catalog))


# Interactions that say the user went to the place: where they chose to eat, whatever they
# thought of it (a poor rating is still a trip made).
_WENT = ("rated", "visited", "liked")


def org_decay(s, org_id: str, catalog: Catalog) -> proximity.Decay:
    """The org's distance decay, fitted on where its located users went to eat."""
    went = s.execute(
        select(Interaction.user_id, Interaction.restaurant_id)
        .where(Interaction.org_id == org_id, Interaction.kind.in_(_WENT))
        .distinct()
        .order_by(Interaction.user_id, Interaction.restaurant_id)
    ).all()
    went = [(u, catalog.index[r]) for u, r in went if r in catalog.index]
    if len(went) < proximity.MIN_PAIRS:
        return proximity.DEFAULT
    where = {}
    for uid, prefs in s.execute(
        select(DiningUser.id, DiningUser.preferences).where(DiningUser.org_id == org_id)
    ):
        p = Profile.from_preferences(uid, prefs)
        if p.lat is not None and p.lon is not None:
            where[uid] = (p.lat, p.lon)
    choices = [(*where[u], i) for u, i in went if u in where]
    decay = proximity.fit_choices(choices, catalog.lat, catalog.lon)
    log.info("dining_distance_decay_fitted", extra={"org_id": org_id, **decay.as_dict()})
    return decay


def org_likings(s, org_id: str) -> dict[tuple[str, str], float]:
    """(user id, restaurant id) → liking, over the org's whole interactions matrix."""
    grouped: dict[tuple[str, str], list] = {}
    for user_id, *rest in s.execute(
        select(Interaction.user_id, *_SEEN).where(Interaction.org_id == org_id)
    ):
        seen = Seen(*rest)
        grouped.setdefault((user_id, seen.restaurant_id), []).append(seen)
    return {key: liking(rows) for key, rows in grouped.items()}


def profiles(s, users: list[DiningUser]) -> dict[str, Profile]:
    """Profiles (preferences, allergies, own history) for many users in three queries."""
    ids = [u.id for u in users]
    history: dict[str, dict[str, list]] = {i: {} for i in ids}
    for user_id, *rest in s.execute(
        select(Interaction.user_id, *_SEEN).where(Interaction.user_id.in_(ids))
    ):
        seen = Seen(*rest)
        history[user_id].setdefault(seen.restaurant_id, []).append(seen)
    return {
        u.id: Profile.from_preferences(
            u.uid,
            u.preferences,
            guard.allergies_of(u.allergies),
            {rid: liking(rows) for rid, rows in history[u.id].items()},
        )
        for u in users
    }


def feed_items(ranker: Ranker, profile: Profile, limit: int = FEED_SIZE) -> list[dict]:
    """What a feed stores per restaurant: the ranking's own word only. Names, prices and the
    guard's verdict are read fresh when the feed is served (10,000 feeds stay small)."""
    return [
        {
            "id": scored.place.id,
            "fit_score": scored.fit_score,
            "fit_tags": scored.tags,
            "distance_km": None if scored.km is None else round(scored.km, 2),
            "distance_decided": scored.distance_decided,
        }
        for scored in ranker.rank(profile, limit)
    ]


def build_feeds(
    org_id: str,
    user_ids: list[str],
    feed_date: date | None = None,
    task_id: str | None = None,
    origin: str = "request",
) -> list[Feed]:
    """Build and store the feeds of ``user_ids`` (DiningUser ids of ``org_id``) for the day,
    replacing any built earlier that day: ranking reads in one session, the batch is written
    in one short transaction (SQLite's one writer is held only for the write)."""
    feed_date = feed_date or today()
    started = time.monotonic()
    with session_scope() as s:
        users = s.scalars(
            select(DiningUser)
            .where(DiningUser.org_id == org_id, DiningUser.id.in_(user_ids))
            .options(selectinload(DiningUser.allergies))
        ).all()
        if not users:
            return []
        ranker = org_ranker(s, org_id)
        by_user = profiles(s, users)
    now = datetime.now(UTC)
    feeds = [
        Feed(
            user_id=user.id,
            feed_date=feed_date,
            items=feed_items(ranker, by_user[user.id]),
            meta={
                "allergy_fingerprint": guard.fingerprint(by_user[user.id].allergies),
                "catalog_size": ranker.catalog.n,
                "strategy": "hybrid",
            },
            task_id=task_id,
            generated_at=now,
        )
        for user in users
    ]
    ids = [f.user_id for f in feeds]
    for attempt in range(2):
        try:
            with session_scope() as s:
                s.execute(delete(Feed).where(Feed.user_id.in_(ids), Feed.feed_date == feed_date))
                s.add_all(feeds)
                s.flush()
                s.expunge_all()
            metrics.DINING_FEEDS_BUILT.labels(origin).inc(len(feeds))
            metrics.DINING_FEED_SECONDS.observe(time.monotonic() - started)
            return feeds
        except IntegrityError:
            # Another builder stored one of these feeds meanwhile: replace it once more.
            if attempt:
                raise
    return feeds


def due_users(s, feed_date: date, now: datetime | None = None) -> dict[str, list[str]]:
    """Org id → ids of users active in the last 30 days who have no feed for ``feed_date``."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=ACTIVE_DAYS)
    recent = select(Interaction.user_id).where(Interaction.created_at >= cutoff)
    has_feed = select(Feed.user_id).where(Feed.feed_date == feed_date)
    rows = s.execute(
        select(DiningUser.org_id, DiningUser.id)
        .where(or_(DiningUser.last_active_at >= cutoff, DiningUser.id.in_(recent)))
        .where(DiningUser.id.not_in(has_feed))
        .order_by(DiningUser.org_id, DiningUser.id)
    ).all()
    out: dict[str, list[str]] = {}
    for org_id, user_id in rows:
        out.setdefault(org_id, []).append(user_id)
    return out
