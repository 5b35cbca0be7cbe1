"""dining_quality: hit rate@10 of the dining feed on the UCI restaurant & consumer data.

The data is read where it lies (``../shared/reference/restaurants/uci_restaurant_consumer``,
or ``BENCH_UCI_DIR``): 130 restaurants (coordinates, price, ambience, alcohol, cuisines), 138
user profiles (coordinates, budget, ambience, cuisines) and 1,161 ratings on 0–2.

Protocol: each user's ratings are split at random (fixed seeds) into seen (80 %) and held out
(20 %, at least one, at least one left seen). The feed ranks for every user with a held-out
restaurant rated ≥ 1, knowing only the seen ratings: they feed the collaborative model, the
user's own history and each restaurant's rating (mean seen rating, mapped onto 0–5); the
user's seen restaurants are left out of the candidates, as they are for every method. A hit
is a held-out restaurant rated ≥ 1 among the top 10. Baselines on the same splits: the 10
nearest restaurants to the user (what a diner would try first), popularity (most seen
ratings ≥ 1 first) and random (its exact expectation); every baseline leaves out the seen
restaurants too. The distance decay is fitted per split on the seen ratings only, as an org's
feed fits it on its own interactions.

The model was chosen on TUNING_SEEDS and is reported on REPORT_SEEDS (the splits never
overlap in purpose): ``python -m bench dining_quality`` reports; ``BENCH_DINING_SEEDS=tuning``
prints the tuning figures instead. ``ratio`` = feed ÷ nearest; ``ratio_vs_popularity`` too.
"""

from __future__ import annotations

import csv
import os
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.common import MACHINE, ROOT, log, ratio

REPORT_SEEDS = range(10)
TUNING_SEEDS = range(100, 110)
HELD_OUT = 0.2
K = 10
DATA = Path(
    os.environ.get(
        "BENCH_UCI_DIR", ROOT.parent / "shared/reference/restaurants/uci_restaurant_consumer"
    )
)
PRICE = {"low": 1, "medium": 2, "high": 3}
BUDGET = {"low": ["$"], "medium": ["$$"], "high": ["$$$"]}
USER_VIBE = {"family": "family", "friends": "lively", "solitary": "quiet"}
PLACE_VIBE = {"familiar": "family", "quiet": "quiet"}


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", errors="replace", newline="") as f:
        return list(csv.DictReader(f))


def load():
    cuisines, user_cuisines = defaultdict(list), defaultdict(list)
    for r in _rows("chefmozcuisine.csv"):
        cuisines[r["placeID"]].append(r["Rcuisine"])
    for r in _rows("usercuisine.csv"):
        user_cuisines[r["userID"]].append(r["Rcuisine"])
    places = {}
    for r in _rows("geoplaces2.csv"):
        ambience = [PLACE_VIBE[r["Rambience"]]] if r["Rambience"] in PLACE_VIBE else []
        if r["alcohol"] not in ("No_Alcohol_Served", "?"):
            ambience.append("bar")
        places[r["placeID"]] = {
            "name": r["name"],
            "lat": float(r["latitude"]),
            "lon": float(r["longitude"]),
            "price": PRICE.get(r["price"]),
            "ambience": ambience,
            "cuisines": cuisines.get(r["placeID"], []),
        }
    users = {}
    for r in _rows("userprofile.csv"):
        prefs = {
            "cuisine_affinity": user_cuisines.get(r["userID"], []),
            "price_comfort": BUDGET.get(r["budget"], []),
            "vibes": [USER_VIBE[r["ambience"]]] if r["ambience"] in USER_VIBE else [],
            "location": {"lat": float(r["latitude"]), "lon": float(r["longitude"])},
        }
        users[r["userID"]] = prefs
    ratings = [
        (r["userID"], r["placeID"], int(r["rating"]))
        for r in _rows("rating_final.csv")
        if r["placeID"] in places and r["userID"] in users
    ]
    return places, users, ratings


def split(ratings, seed: int):
    rnd = random.Random(seed)
    by_user = defaultdict(list)
    for u, p, r in ratings:
        by_user[u].append((p, r))
    seen, held = defaultdict(dict), defaultdict(dict)
    for u, rows in by_user.items():
        rows = sorted(rows)
        rnd.shuffle(rows)
        n_held = max(1, round(len(rows) * HELD_OUT)) if len(rows) > 1 else 0
        for p, r in rows[:n_held]:
            held[u][p] = r
        for p, r in rows[n_held:]:
            seen[u][p] = r
    return seen, held


def evaluate(places, users, ratings, seed: int) -> dict:
    from app.dining.domain import guard
    from workers.dining.collab import ItemItem, signal
    from workers.dining.proximity import fit_choices, haversine_km
    from workers.dining.ranking import Catalog, Place, Profile, Ranker

    seen, held = split(ratings, seed)
    totals = defaultdict(list)
    for u in seen:
        for p, r in seen[u].items():
            totals[p].append(r)
    ids = sorted(places)
    catalog = Catalog(
        Place(
            id=pid,
            name=p["name"],
            cuisines=tuple(p["cuisines"]),
            price_tier=p["price"],
            rating=(2.5 * sum(totals[pid]) / len(totals[pid])) if totals[pid] else None,
            lat=p["lat"],
            lon=p["lon"],
            ambience=tuple(p["ambience"]),
            facts=guard.facts_of([], None, p["cuisines"]),
        )
        for pid, p in ((pid, places[pid]) for pid in ids)
    )
    user_index = {u: n for n, u in enumerate(sorted(seen))}
    triples = [
        (user_index[u], catalog.index[p], signal("rated", r / 2))
        for u in seen
        for p, r in seen[u].items()
    ]
    choices = [
        (users[u]["location"]["lat"], users[u]["location"]["lon"], catalog.index[p])
        for u in seen
        for p in seen[u]
    ]
    decay = fit_choices(choices, catalog.lat, catalog.lon)
    ranker = Ranker(catalog, ItemItem.fit(triples, catalog.n), decay)
    content = Ranker(catalog, None, decay)
    popularity = np.array([sum(1 for r in totals[p] if r >= 1) for p in ids], dtype=float)
    hits = defaultdict(float)
    evaluated = 0
    started = time.perf_counter()
    for u, held_out in held.items():
        positives = {p for p, r in held_out.items() if r >= 1}
        if not positives:
            continue
        evaluated += 1
        candidates = np.ones(catalog.n, dtype=bool)
        for p in seen[u]:
            candidates[catalog.index[p]] = False
        history = {p: signal("rated", r / 2) for p, r in seen[u].items()}
        profile = Profile.from_preferences(u, users[u], [], history)
        for name, model in (("feed", ranker), ("feed_without_collab", content)):
            top = {s.place.id for s in model.rank(profile, K, candidates=candidates)}
            hits[name] += bool(top & positives)
        order = np.argsort(-np.where(candidates, popularity, -1.0), kind="stable")[:K]
        hits["popularity"] += bool({ids[i] for i in order} & positives)
        km = haversine_km(profile.lat, profile.lon, catalog.lat, catalog.lon)
        order = np.argsort(np.where(candidates, km, np.inf), kind="stable")[:K]
        hits["nearest"] += bool({ids[i] for i in order} & positives)
        n, k = int(candidates.sum()), len(positives)
        miss = 1.0
        for i in range(min(K, n)):
            miss *= max(0.0, (n - k - i) / (n - i))
        hits["random"] += 1 - miss
    elapsed = time.perf_counter() - started
    return {
        "users": evaluated,
        "decay_scale_km": decay.scale_km,
        "decay_floor": decay.floor,
        "radius_km": decay.radius_km,
        "rank_ms_per_user": 1000 * elapsed / max(1, evaluated) / 2,
        **{name: h / evaluated for name, h in hits.items()},
    }


def run() -> dict:
    places, users, ratings = load()
    log(f"UCI: {len(places)} restaurants, {len(users)} users, {len(ratings)} ratings")
    tuning = os.environ.get("BENCH_DINING_SEEDS") == "tuning"
    seeds = TUNING_SEEDS if tuning else REPORT_SEEDS
    runs = [evaluate(places, users, ratings, seed) for seed in seeds]

    def mean(key):
        return round(sum(r[key] for r in runs) / len(runs), 4)

    feed, nearest, popular = mean("feed"), mean("nearest"), mean("popularity")
    return {
        "bench": "dining_quality",
        "ratio": ratio(feed, nearest),
        "platform": {
            "hit_rate_at_10": feed,
            "hit_rate_at_10_without_collab": mean("feed_without_collab"),
            "rank_ms_per_user": round(mean("rank_ms_per_user"), 3),
            "decay_scale_km": mean("decay_scale_km"),
            "decay_floor": mean("decay_floor"),
            "default_radius_km": mean("radius_km"),
        },
        "baseline": {
            "nearest_hit_rate_at_10": nearest,
            "popularity_hit_rate_at_10": popular,
            "random_hit_rate_at_10": mean("random"),
            "ratio_vs_popularity": ratio(feed, popular),
            "ratio_vs_random": ratio(feed, mean("random")),
        },
        "settings": {
            "data": "UCI restaurant & consumer (RecSys'11 CARS), read in place",
            "restaurants": len(places),
            "users_evaluated_per_split": round(mean("users"), 1),
            "ratings": len(ratings),
            "held_out": HELD_OUT,
            "relevant": "held-out rating >= 1 (0-2 scale)",
            "seeds": "tuning 100-109" if tuning else "report 0-9 (not used to tune)",
            "k": K,
            "machine": MACHINE,
        },
    }
