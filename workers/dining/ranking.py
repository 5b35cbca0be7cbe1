"""Ranking restaurants for one user: plain data in, scored and explained results out.

Every signal is a number in 0..1 per restaurant, computed for the whole catalog at once
(numpy), and the fit score is their weighted mean over the signals this user
has (a user with no location is not scored on distance):

=========  ======  ====================================================================
signal     weight  how
=========  ======  ====================================================================
cuisine    0.22    1 if a cuisine is in the user's affinities, else 0.2 (0.5 with none)
collab     0.20    what similar users liked (:mod:`workers.dining.collab`)
taste      0.12    cosine of the place's cuisines with those of places the user liked
price      0.12    1 within price comfort, 0.5 one tier away, 0 further
distance   0.12    exp(-km / s), s the org's fitted decay scale (:mod:`.proximity`)
vibe       0.10    share of the user's vibes the place's ambience and tags match
quality    0.12    rating / 5 (0.5 when unknown)
=========  ======  ====================================================================

A cuisine the user avoids multiplies the score by 0.4; a place the user already liked by 0.85
(a feed is for discovery) and one they dismissed or rated poorly is left out. Restaurants the
allergen guard blocks are removed before ranking, and every result is assessed again by the
guard (``app.dining.domain.guard``), which has the last word.

For a user with a location, the order is the fit times the distance weight of
:mod:`.proximity` (people mostly eat near where they are; the fit decides among places at a
similar distance), within ``max_distance_km`` when the user set one, else within the org's
default radius while that leaves enough places. ``fit_score`` stays the fit alone, and a
result ranked above a better fit (or listed at all) only for being close says so
(``distance_decided``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from app.dining.domain import guard
from app.dining.domain.allergens import normalize_cuisine
from app.dining.domain.guard import AllergenFacts, Allergy
from workers.dining.collab import ItemItem
from workers.dining.proximity import DEFAULT as DEFAULT_DECAY
from workers.dining.proximity import Decay, haversine_km

WEIGHTS = {
    "cuisine": 0.22,
    "collab": 0.20,
    "taste": 0.12,
    "price": 0.12,
    "distance": 0.12,
    "vibe": 0.10,
    "quality": 0.12,
}
AVERSION_FACTOR = 0.4
REVISIT_FACTOR = 0.85
PRICE_SYMBOLS = {1: "$", 2: "$$", 3: "$$$", 4: "$$$$"}
_PRICE_WORDS = {"low": 1, "cheap": 1, "budget": 1, "medium": 2, "moderate": 2, "high": 3}

# Words that name one vibe, from user preferences and restaurant ambience/tags alike.
VIBES = {
    "romantic": {"romantic", "intimate", "couples", "date", "candlelit", "great for couples"},
    "quiet": {"quiet", "calm", "cozy", "cosy", "peaceful"},
    "lively": {"lively", "nightlife", "music", "buzzing", "bar", "party", "vibrant"},
    "family": {"family", "familiar", "kid friendly", "kids", "family friendly"},
    "casual": {"casual", "informal", "relaxed"},
    "upscale": {"upscale", "fine dining", "formal", "elegant", "fancy"},
    "outdoor": {"outdoor", "terrace", "rooftop", "garden", "patio"},
}
_VIBE_OF = {word: vibe for vibe, words in VIBES.items() for word in words | {vibe}}
VIBE_TAGS = {"romantic": "Great for couples", "family": "Good for families"}


def norm(text) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())


def vibe_of(word) -> str | None:
    return _VIBE_OF.get(norm(word))


def price_tier_of(value) -> int | None:
    """1..4 from an int, "$$", or a word (low · medium · high)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if 1 <= value <= 4 else None
    text = str(value).strip().lower()
    if text and set(text) == {"$"}:
        return min(len(text), 4)
    if text.isdigit():
        return price_tier_of(int(text))
    return _PRICE_WORDS.get(text)


@dataclass
class Place:
    id: str
    name: str
    cuisines: tuple[str, ...] = ()
    price_tier: int | None = None
    rating: float | None = None
    lat: float | None = None
    lon: float | None = None
    area: str | None = None
    ambience: tuple[str, ...] = ()
    facts: AllergenFacts = field(default_factory=AllergenFacts)
    city: str | None = None
    description: str | None = None


@dataclass
class Profile:
    uid: str
    affinity: set[str] = field(default_factory=set)
    aversion: set[str] = field(default_factory=set)
    price_comfort: set[int] = field(default_factory=set)
    vibes: set[str] = field(default_factory=set)
    lat: float | None = None
    lon: float | None = None
    allergies: list[Allergy] = field(default_factory=list)
    history: dict[str, float] = field(default_factory=dict)  # place id → liking in -1..1
    max_km: float | None = None  # the user's own limit (preferences.max_distance_km)

    @classmethod
    def from_preferences(cls, uid, prefs: dict | None, allergies=(), history=None) -> Profile:
        prefs = prefs or {}
        location = prefs.get("location") if isinstance(prefs.get("location"), dict) else {}
        lat = location.get("lat", prefs.get("lat"))
        lon = location.get("lon", location.get("lng", prefs.get("lon")))
        return cls(
            uid=uid,
            affinity={normalize_cuisine(c) for c in _list(prefs.get("cuisine_affinity"))},
            aversion={normalize_cuisine(c) for c in _list(prefs.get("cuisine_aversion"))},
            price_comfort={t for t in map(price_tier_of, _list(prefs.get("price_comfort"))) if t},
            vibes={v for v in map(vibe_of, _list(prefs.get("vibes"))) if v},
            lat=_float(lat),
            lon=_float(lon),
            allergies=list(allergies),
            history=dict(history or {}),
            max_km=_float(prefs.get("max_distance_km")),
        )


def _list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _float(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


@dataclass
class Scored:
    place: Place
    score: float  # 0..1
    signals: dict[str, float]
    tags: list[str]
    verdict: guard.Verdict
    km: float | None = None
    distance_decided: bool = False  # its rank is its closeness's doing, not its fit's

    @property
    def fit_score(self) -> int:
        return max(0, min(100, round(self.score * 100)))

    def as_item(self) -> dict:
        """A feed / chat result: the seed's RestaurantResult fields, plus the guard's word."""
        p, v = self.place, self.verdict
        return {
            "id": p.id,
            "name": p.name,
            "cuisine_types": list(p.cuisines),
            "price_tier": PRICE_SYMBOLS.get(p.price_tier),
            "rating": p.rating,
            "area": p.area,
            "lat": p.lat,
            "lon": p.lon,
            "fit_score": self.fit_score,
            "fit_tags": self.tags,
            "distance_km": None if self.km is None else round(self.km, 2),
            "distance_decided": self.distance_decided,
            "allergy_safe": v.safe,
            "allergy_status": v.status,
            "allergy_warning": v.allergy_warning,
            "allergy_warnings": v.warnings,
            "allergen_confidence": v.confidence,
            "has_allergy_warnings": bool(v.warnings),
        }


class Catalog:
    """A restaurant catalog as arrays, built once and shared by every user it ranks for."""

    def __init__(self, places: Iterable[Place]):
        self.places = list(places)
        self.index = {p.id: i for i, p in enumerate(self.places)}
        n = len(self.places)
        keys = [[normalize_cuisine(c) for c in p.cuisines] for p in self.places]
        self.cuisines = sorted({c for row in keys for c in row})
        self.cuisine_index = {c: j for j, c in enumerate(self.cuisines)}
        self.C = self._incidence(keys, self.cuisine_index)
        self.vibes = sorted(VIBES)
        self.vibe_index = {v: j for j, v in enumerate(self.vibes)}
        self.place_vibes = [frozenset(filter(None, map(vibe_of, p.ambience))) for p in self.places]
        self.V = self._incidence(self.place_vibes, self.vibe_index)
        self.price = np.array([p.price_tier or np.nan for p in self.places], dtype=float)
        self.rating = np.array(
            [p.rating if p.rating is not None else np.nan for p in self.places], dtype=float
        )
        self.lat = np.array([p.lat if p.lat is not None else np.nan for p in self.places])
        self.lon = np.array([p.lon if p.lon is not None else np.nan for p in self.places])
        self.areas = [norm(p.area or "") + " | " + norm(p.city or "") for p in self.places]
        self.area_names = sorted({x for p in self.places for x in (p.area, p.city) if x})
        self.allergens = sorted({a for p in self.places for a in p.facts.present})
        self.allergen_index = {a: j for j, a in enumerate(self.allergens)}
        self.P = self._incidence([list(p.facts.present) for p in self.places], self.allergen_index)
        c_norm = np.sqrt(self.C.sum(axis=1))
        c_norm[c_norm == 0] = 1.0
        self.c_norm = c_norm
        self.n = n

    @staticmethod
    def _incidence(rows: Iterable, index: dict) -> np.ndarray:
        """Places × names, dense: a catalog has thousands of places and tens of cuisines, where
        dense products beat sparse ones (and cost a few MB)."""
        rows = list(rows)
        out = np.zeros((len(rows), max(len(index), 1)), dtype=np.float32)
        for i, names in enumerate(rows):
            for name in names:
                j = index.get(name)
                if j is not None:
                    out[i, j] = 1.0
        return out

    def _vector(self, names: Iterable[str], index: dict) -> np.ndarray:
        vec = np.zeros(max(len(index), 1), dtype=np.float32)
        for name in names:
            if name in index:
                vec[index[name]] = 1.0
        return vec

    def blocked_mask(self, allergies: Iterable[Allergy]) -> np.ndarray:
        """Places where a blocking allergen of the user is present (the guard's rule)."""
        blocking = [a.allergen for a in allergies if a.blocking]
        vec = self._vector(blocking, self.allergen_index)
        if not vec.any():
            return np.zeros(self.n, dtype=bool)
        return self.P @ vec > 0

    def cuisine_mask(self, cuisines: Iterable[str]) -> np.ndarray:
        keys = [normalize_cuisine(c) for c in cuisines]
        return self.C @ self._vector(keys, self.cuisine_index) > 0


class Ranker:
    def __init__(
        self, catalog: Catalog, collab: ItemItem | None = None, decay: Decay = DEFAULT_DECAY
    ):
        self.catalog = catalog
        self.collab = collab
        self.decay = decay

    def signals(self, profile: Profile, extra_vibes: Iterable[str] = ()) -> dict[str, np.ndarray]:
        """Each available signal as an array over the catalog."""
        cat = self.catalog
        out: dict[str, np.ndarray] = {}
        if profile.affinity:
            out["cuisine"] = np.where(cat.cuisine_mask(profile.affinity), 1.0, 0.2)
        liked = {
            cat.index[pid]: w for pid, w in profile.history.items() if pid in cat.index and w > 0
        }
        if liked:
            rows = list(liked)
            taste = np.asarray([liked[i] for i in rows], dtype=np.float32) @ cat.C[rows]
            t_norm = np.linalg.norm(taste)
            if t_norm > 0:
                out["taste"] = (cat.C @ taste) / (cat.c_norm * t_norm)
            if self.collab is not None and self.collab.S.nnz:
                out["collab"] = self.collab.scores(liked).astype(float)
        if profile.price_comfort:
            tiers = np.array(sorted(profile.price_comfort), dtype=float)
            gap = np.min(np.abs(cat.price[:, None] - tiers[None, :]), axis=1)
            price = np.select([gap == 0, gap == 1], [1.0, 0.5], 0.0)
            out["price"] = np.where(np.isnan(cat.price), 0.5, price)
        if profile.lat is not None and profile.lon is not None:
            km = haversine_km(profile.lat, profile.lon, cat.lat, cat.lon)
            out["distance"] = np.where(np.isnan(km), 0.3, self.decay.closeness(km))
            out["_km"] = km
        vibes = set(profile.vibes) | {v for v in map(vibe_of, extra_vibes) if v}
        if vibes:
            vec = cat._vector(vibes, cat.vibe_index)
            out["vibe"] = (cat.V @ vec) / len(vibes)
        out["quality"] = np.where(np.isnan(cat.rating), 0.5, np.clip(cat.rating / 5.0, 0, 1))
        return out

    def scores(self, profile: Profile, extra_vibes: Iterable[str] = ()):
        """(fit in 0..1 per place, signals, km per place or None, aversion mask or None)."""
        cat = self.catalog
        sig = self.signals(profile, extra_vibes)
        km = sig.pop("_km", None)
        total = sum(WEIGHTS[k] for k in sig)
        score = sum(WEIGHTS[k] * v for k, v in sig.items()) / total
        aversion = cat.cuisine_mask(profile.aversion) if profile.aversion else None
        if aversion is not None:
            score = np.where(aversion, score * AVERSION_FACTOR, score)
        for pid, w in profile.history.items():
            i = cat.index.get(pid)
            if i is not None and w > 0:
                score[i] *= REVISIT_FACTOR
        return score, sig, km, aversion

    def rank(
        self,
        profile: Profile,
        limit: int = 10,
        *,
        candidates: np.ndarray | None = None,
        extra_vibes: Iterable[str] = (),
        allergies: list[Allergy] | None = None,
    ) -> list[Scored]:
        """The best ``limit`` places for the user, never one the guard blocks.

        ``candidates``: a boolean mask narrowing the catalog (a chat query's filters);
        ``allergies``: the allergies to guard against (default: the profile's).
        """
        cat = self.catalog
        if cat.n == 0 or limit <= 0:
            return []
        allergies = profile.allergies if allergies is None else allergies
        score, sig, km, aversion = self.scores(profile, extra_vibes)
        allowed = ~cat.blocked_mask(allergies)
        if candidates is not None:
            allowed &= candidates
        for pid, w in profile.history.items():
            i = cat.index.get(pid)
            if i is not None and w < 0:
                allowed[i] = False
        order, by_fit = score, None
        if km is not None:
            allowed &= self._reach(profile, km, allowed, limit)
            order = score * self.decay.weight(km)
            # What the fit alone would have listed: the rest are here for being close.
            by_fit = set(_top(np.where(allowed, score, -1.0), min(limit, cat.n)).tolist())
        masked = np.where(allowed, order, -1.0)
        # Sorting a few more than asked is enough unless the guard drops many of them.
        k = min(cat.n, 2 * limit + 16)
        while True:
            results = []
            for i in _top(masked, k):
                if not allowed[i] or len(results) >= limit:
                    break
                verdict = guard.assess(allergies, cat.places[i].facts)
                if verdict.blocked:  # the guard has the last word
                    continue
                results.append(self._scored(profile, i, score, sig, km, aversion, verdict))
            if len(results) >= limit or k >= cat.n:
                return self._mark_distance_decided(results, by_fit)
            k = min(cat.n, 4 * k)

    def _mark_distance_decided(self, results: list[Scored], by_fit) -> list[Scored]:
        """Distance decided a place's rank when the fit alone would not have listed it, or
        would have put a place listed below it higher."""
        if by_fit is None:
            return results
        best_below = -1.0
        for scored in reversed(results):
            i = self.catalog.index[scored.place.id]
            if i not in by_fit or scored.score < best_below:
                scored.distance_decided = True
                scored.tags = explain_distance(scored.tags, scored.km)
            best_below = max(best_below, scored.score)
        return results

    def _reach(self, profile: Profile, km: np.ndarray, allowed: np.ndarray, limit: int):
        """The places within reach: the user's own ``max_distance_km`` is a hard limit;
        without one, the org's default radius, unless it leaves fewer than ``limit`` places
        (a sparse area gets the nearest of the rest, by the distance weight, not nothing)."""
        known = ~np.isnan(km)
        if profile.max_km is not None:
            return known & (km <= profile.max_km)
        near = known & (km <= self.decay.radius_km)
        return near if int((near & allowed).sum()) >= limit else np.ones_like(near)

    def one(
        self,
        profile: Profile,
        place_id: str,
        allergies: list[Allergy] | None = None,
        fresh: Place | None = None,
    ) -> Scored | None:
        """One place scored for the user (expand). A place the guard blocks is kept, with
        fit 0 and tags that say why: it is described, never suggested. ``fresh``: the place
        as it is now (the guard judges it, not the catalog's copy)."""
        i = self.catalog.index.get(place_id)
        if i is None:
            return None
        allergies = profile.allergies if allergies is None else allergies
        score, sig, km, aversion = self.scores(profile)
        place = fresh or self.catalog.places[i]
        verdict = guard.assess(allergies, place.facts)
        scored = self._scored(profile, i, score, sig, km, aversion, verdict)
        scored.place = place
        if verdict.blocked:
            scored.score = 0.0
            scored.tags = [f"Contains {a}: your allergy" for a in verdict.blocked_by]
        return scored

    def _scored(self, profile, i, score, sig, km, aversion, verdict) -> Scored:
        place = self.catalog.places[i]
        signals = {k: float(v[i]) for k, v in sig.items()}
        distance = None if km is None or np.isnan(km[i]) else float(km[i])
        averse = bool(aversion is not None and aversion[i])
        tags = explain(profile, place, signals, distance, averse, self.catalog.place_vibes[i])
        return Scored(place, float(score[i]), signals, tags, verdict, distance)


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k largest values, largest first."""
    if k >= len(values):
        return np.argsort(-values, kind="stable")
    top = np.argpartition(-values, k)[:k]
    return top[np.argsort(-values[top], kind="stable")]


def explain(
    profile: Profile,
    place: Place,
    signals: dict,
    km: float | None,
    averse: bool,
    vibes: frozenset[str] = frozenset(),
) -> list[str]:
    """fit_tags: why a place is here, strongest reasons first."""
    tags = []
    if signals.get("cuisine") == 1.0:
        tags.append("Matches cuisine preference")
    if profile.history.get(place.id, 0) > 0:
        tags.append("You liked it before")
    if signals.get("collab", 0) >= 0.5:
        tags.append("Popular with people like you")
    if signals.get("taste", 0) >= 0.6:
        tags.append("Similar to places you liked")
    if signals.get("price") == 1.0:
        tags.append("Within budget")
    for vibe in sorted(profile.vibes & vibes):
        tags.append(VIBE_TAGS.get(vibe, f"{vibe.capitalize()} vibe"))
    if km is not None and km <= 2.0:
        tags.append(f"Close to you ({km:.1f} km)")
    if place.rating is not None and place.rating >= 4.5:
        tags.append("Highly rated")
    if averse:
        tags.append("Cuisine you usually avoid")
    return tags


def explain_distance(tags: list[str], km: float | None) -> list[str]:
    """fit_tags of a place distance ranked up: closeness said first, once."""
    if km is None:
        return tags
    rest = [t for t in tags if not t.startswith("Close to you")]
    return [f"Ranked up for being close ({km:.1f} km)", *rest]
