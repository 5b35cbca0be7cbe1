"""dining_feeds: a night's daily feeds, built on the feeds queue, against one request at a time.

A fresh stack: SQLite database (``BENCH_DATABASE_URL`` for another), migrations, one org with
N_PLACES restaurants (cuisines, price, rating, coordinates, ambience; 30 % with a menu of three
dishes whose ingredients carry allergens) and N_USERS diners active today (preferences, a
location, 30 % with one or two allergies, severe half the time, and INTERACTIONS each: likes,
visits and ratings clustered by cuisine, so the collaborative model has structure).

Platform: ``dining.precompute_feeds`` (the beat task) finds every active user without today's
feed and sends batches of 200 as plain tasks on the feeds queue; one worker process pool
(prefork, WORKER_CONCURRENCY) builds them — each process builds the org's catalog arrays and
collaborative model once, ranks 200 users, writes the batch in one transaction. Wall time runs
from the beat task's start to the last feed stored.

Baseline: what the API process would do if it built each feed when asked, one request at a
time: ``build_feeds(org, [user])`` per user in this process, each its own transaction, with the
org model kept warm between requests (the cold first request is reported apart). It runs over
BASELINE_USERS users and its rate is what N_USERS would take. ``ratio`` = feeds/s platform ÷
baseline. Sizes: BENCH_DINING_USERS, BENCH_DINING_PLACES.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime

from bench.common import MACHINE, WORKER_CONCURRENCY, Stack, log, ratio

N_USERS = int(os.environ.get("BENCH_DINING_USERS", "10000"))
N_PLACES = int(os.environ.get("BENCH_DINING_PLACES", "5000"))
BASELINE_USERS = int(os.environ.get("BENCH_DINING_BASELINE_USERS", "300"))
INTERACTIONS = 8
STALL_S = 180
SEED = 11
CUISINES = (
    "Italian", "Thai", "Japanese", "Sushi", "Indian", "Mexican", "French", "Chinese",
    "Korean", "Mediterranean", "American", "Cafe", "Seafood", "Vegan", "Burgers", "Bakery",
)  # fmt: skip
VIBES = ("romantic", "quiet", "lively", "family", "casual", "upscale", "outdoor")
DISHES = (
    ("Pad thai", ["rice noodles", "peanuts", "egg", "tamarind"]),
    ("Margherita", ["flour", "mozzarella", "tomato", "basil"]),
    ("Salmon nigiri", ["rice", "salmon", "soy sauce"]),
    ("Prawn curry", ["shrimp", "coconut milk", "curry leaves"]),
    ("Hummus plate", ["chickpeas", "tahini", "olive oil"]),
    ("Garden salad", ["lettuce", "cucumber", "olive oil"]),
    ("Pesto pasta", ["pasta", "pesto", "parmesan"]),
)
ALLERGENS = ("peanuts", "shellfish", "milk", "sesame", "tree nuts", "fish", "wheat", "eggs")
SEVERITY = ("mild", "moderate", "severe", "anaphylactic")


def seed(org_id: str) -> list[str]:
    """Write the catalog, the diners and their interactions; returns the diners' row ids."""
    from sqlalchemy import insert

    from app.db import session_scope
    from app.models import Org
    from app.models.dining import DiningAllergy, DiningUser, Interaction, MenuItem, Restaurant

    rnd = random.Random(SEED)
    now = datetime.now(UTC)
    with session_scope() as s:
        s.add(Org(id=org_id, name="bench-dining"))
    places, menus = [], []
    for i in range(N_PLACES):
        pid = str(uuid.UUID(int=rnd.getrandbits(128)))
        cuisines = rnd.sample(CUISINES, rnd.choice((1, 1, 2)))
        places.append(
            {
                "id": pid,
                "org_id": org_id,
                "external_id": f"p{i}",
                "name": f"Place {i}",
                "cuisines": cuisines,
                "price_tier": rnd.randint(1, 4),
                "rating": round(rnd.uniform(2.5, 5.0), 1),
                "lat": 12.9 + rnd.uniform(-0.15, 0.15),
                "lon": 77.6 + rnd.uniform(-0.15, 0.15),
                "area": f"Area {i % 40}",
                "ambience": rnd.sample(VIBES, 2),
                "declared_allergens": rnd.sample(ALLERGENS, rnd.choice((0, 0, 1))),
                "created_at": now,
                "updated_at": now,
            }
        )
        if rnd.random() < 0.3:
            for position, (name, ingredients) in enumerate(rnd.sample(DISHES, 3)):
                menus.append(
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                        "restaurant_id": pid,
                        "position": position,
                        "name": name,
                        "ingredients": ingredients,
                        "declared_allergens": [],
                    }
                )
    by_cuisine: dict[str, list[str]] = {}
    for p in places:
        for c in p["cuisines"]:
            by_cuisine.setdefault(c, []).append(p["id"])
    users, allergies, interactions = [], [], []
    for _ in range(N_USERS):
        uid = str(uuid.UUID(int=rnd.getrandbits(128)))
        taste = rnd.sample(CUISINES, 2)
        users.append(
            {
                "id": uid,
                "org_id": org_id,
                "uid": str(uuid.UUID(int=rnd.getrandbits(128))),
                "preferences": {
                    "cuisine_affinity": taste,
                    "vibes": rnd.sample(VIBES, 1),
                    "price_comfort": ["$" * rnd.randint(1, 3)],
                    "location": {
                        "lat": 12.9 + rnd.uniform(-0.1, 0.1),
                        "lon": 77.6 + rnd.uniform(-0.1, 0.1),
                    },
                },
                "dietary_flags": [],
                "interaction_count": INTERACTIONS,
                "last_active_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        if rnd.random() < 0.3:
            for allergen in rnd.sample(ALLERGENS, rnd.randint(1, 2)):
                allergies.append(
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                        "user_id": uid,
                        "allergen": "crustacean shellfish" if allergen == "shellfish" else allergen,
                        "severity": rnd.choice(SEVERITY),
                        "created_at": now,
                    }
                )
        for _ in range(INTERACTIONS):
            pool = by_cuisine.get(rnd.choice(taste)) or [p["id"] for p in places]
            kind = rnd.choice(("liked", "visited", "rated", "viewed"))
            interactions.append(
                {
                    "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                    "org_id": org_id,
                    "user_id": uid,
                    "restaurant_id": rnd.choice(pool),
                    "kind": kind,
                    "rating": rnd.randint(3, 5) if kind == "rated" else None,
                    "rating_scale": "1-5" if kind == "rated" else None,
                    "created_at": now,
                }
            )
    for model, rows in (
        (Restaurant, places),
        (MenuItem, menus),
        (DiningUser, users),
        (DiningAllergy, allergies),
        (Interaction, interactions),
    ):
        for i in range(0, len(rows), 2000):
            with session_scope() as s:
                s.execute(insert(model), rows[i : i + 2000])
    return [u["id"] for u in users]


def feeds_today() -> int:
    from sqlalchemy import func, select

    from app.db import session_scope
    from app.models.dining import Feed
    from workers.dining.feeds import today

    with session_scope() as s:
        return s.scalar(select(func.count()).where(Feed.feed_date == today()))


def baseline(org_id: str, user_ids: list[str]) -> dict:
    from sqlalchemy import delete

    from app.db import session_scope
    from app.models.dining import Feed
    from workers.dining.feeds import build_feeds, cache

    cache.clear()
    started = time.perf_counter()
    build_feeds(org_id, [user_ids[0]])
    cold = time.perf_counter() - started
    sample = user_ids[1 : BASELINE_USERS + 1]
    started = time.perf_counter()
    for uid in sample:
        build_feeds(org_id, [uid])
    warm = time.perf_counter() - started
    with session_scope() as s:  # the platform run builds every feed itself
        s.execute(delete(Feed))
    rate = len(sample) / warm
    return {
        "feeds_per_s": round(rate, 1),
        "ms_per_feed": round(1000 * warm / len(sample), 2),
        "cold_first_request_s": round(cold, 2),
        "users_measured": len(sample),
        "wall_s_for_all_users_extrapolated": round(N_USERS / rate + cold, 1),
    }


def run() -> dict:
    from app.config import configure, get_settings, load_settings
    from app.db import init_engine

    with Stack("dining-feeds") as stack:
        env = stack.env()
        if os.environ.get("BENCH_DATABASE_URL"):
            env["KAIROS_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        configure(load_settings(env))
        init_engine(get_settings().database_url)
        stack.migrate()
        org_id = str(uuid.uuid4())
        t0 = time.monotonic()
        user_ids = seed(org_id)
        log(f"seeded {N_USERS} users, {N_PLACES} restaurants in {time.monotonic() - t0:.1f}s")

        base = baseline(org_id, user_ids)
        log(f"baseline: {base}")

        stack.celery_worker("feeds-worker", "workers.celery_app", queues="feeds")
        from workers.dining.tasks import precompute_feeds

        started = time.monotonic()
        sent = precompute_feeds()
        done, moved = 0, time.monotonic()
        while done < N_USERS:
            time.sleep(0.5)
            count = feeds_today()
            if count > done:
                done, moved = count, time.monotonic()
            elif time.monotonic() - moved > STALL_S:
                # A shared Redis db flushed by another bench loses the queued batches.
                raise TimeoutError(f"stalled at {done} of {N_USERS} feeds for {STALL_S}s")
        wall = time.monotonic() - started
        platform = {
            "wall_s": round(wall, 2),
            "feeds_per_s": round(N_USERS / wall, 1),
            "feeds": N_USERS,
            "batches": sent["batches"],
        }
        log(f"platform: {platform}")
    return {
        "bench": "dining_feeds",
        "ratio": ratio(platform["feeds_per_s"], base["feeds_per_s"]),
        "platform": platform,
        "baseline": base,
        "settings": {
            "users": N_USERS,
            "restaurants": N_PLACES,
            "interactions_per_user": INTERACTIONS,
            "feed_size": 50,
            "batch_size": 200,
            "worker": f"prefork x{WORKER_CONCURRENCY}, feeds queue",
            "database": os.environ.get("BENCH_DATABASE_URL", "sqlite (file under var/)"),
            "machine": MACHINE,
        },
    }
