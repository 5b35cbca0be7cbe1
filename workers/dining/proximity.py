"""How far people go to eat, learned from where an org's users actually ate.

People mostly eat near where they are: on the UCI restaurant data, half of all ratings are
for places within 2.3 km of the user and nine in ten within 10 km, while a few users rate
places in another city. The feed treats that as a discrete choice (a gravity model): the
chance that a user picks place *j* is proportional to a distance weight

    w(d) = (1 − ε) · exp(−d / s) + ε

times how well *j* fits them. ``s`` (the decay scale, km) and ``ε`` (the floor that keeps a
far place possible, for the users who do travel) are fitted by maximum likelihood over the
org's own (user location, liked place) pairs: each pair is one choice among the whole
catalog (a conditional logit). An org with too few located likes uses :data:`DEFAULT`, the
same fit over the UCI data's tuning splits (docs/dining.md says how it was chosen).

The default search radius, used when a user sets no ``max_distance_km``, is where nine in ten
of the org's liked places lie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_PAIRS = 30  # fewer located choices than this: the fit is noise, use the default
MAX_PAIRS = 2000  # a fit over more pairs says nothing new
MAX_CELLS = 4_000_000  # pairs × places held at once (32 MB of float64)
SCALES_KM = np.geomspace(0.25, 50.0, 36)
FLOORS = np.concatenate([[0.0], np.geomspace(1e-4, 0.3, 24)])
RADIUS_QUANTILE = 0.9
MIN_RADIUS_KM = 1.0


@dataclass(frozen=True)
class Decay:
    scale_km: float
    floor: float
    radius_km: float
    pairs: int = 0  # located likes it was fitted on; 0 for the default

    def weight(self, km: np.ndarray) -> np.ndarray:
        """The choice weight of each place at ``km`` (NaN: distance unknown, the floor)."""
        near = (1.0 - self.floor) * np.exp(-np.nan_to_num(km, nan=np.inf) / self.scale_km)
        return near + max(self.floor, 1e-6)

    def closeness(self, km: float | np.ndarray) -> float | np.ndarray:
        """0..1, 1 at the door: the share of the decay left at that distance (for display)."""
        return np.exp(-np.asarray(km) / self.scale_km)

    def as_dict(self) -> dict:
        return {
            "scale_km": round(self.scale_km, 3),
            "floor": round(self.floor, 5),
            "radius_km": round(self.radius_km, 2),
            "fitted_on_pairs": self.pairs,
        }


# Fitted by `fit` on the UCI restaurant & consumer data's tuning splits (seeds 100–109 of
# bench/dining_quality.py, liked = rating ≥ 1); the reported figures use other seeds.
DEFAULT = Decay(scale_km=2.1, floor=0.006, radius_km=9.2)


def fit_choices(
    choices: list[tuple[float, float, int]], lats: np.ndarray, lons: np.ndarray
) -> Decay:
    """The decay fitted on ``choices``: (user lat, user lon, index of the place they went
    to) over a catalog at ``lats``/``lons``. An even spread of at most ``MAX_CELLS`` /
    places pairs is used, so a large org's fit stays bounded in memory and time."""
    if len(choices) < MIN_PAIRS:
        return DEFAULT
    budget = max(MIN_PAIRS, min(MAX_PAIRS, MAX_CELLS // max(len(lats), 1)))
    if len(choices) > budget:
        choices = [choices[i] for i in np.linspace(0, len(choices) - 1, budget).astype(int)]
    km = np.vstack([haversine_km(lat, lon, lats, lons) for lat, lon, _ in choices])
    return fit(km, np.array([i for _, _, i in choices]))


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle km from one point to many (NaN where a place has no coordinates)."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2, lon2 = np.radians(lats), np.radians(lons)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def fit(km: np.ndarray, chosen: np.ndarray) -> Decay:
    """The maximum-likelihood decay for ``km`` (pairs × places: each liking user's distance
    to every place) and ``chosen`` (the place each pair liked). Pairs whose user or chosen
    place has no location are dropped; too few left gives :data:`DEFAULT`."""
    km = np.asarray(km, dtype=float)
    chosen = np.asarray(chosen, dtype=int)
    if km.ndim != 2 or len(chosen) != km.shape[0]:
        raise ValueError("km must be pairs × places and chosen one index per pair")
    picked = km[np.arange(len(chosen)), chosen] if len(chosen) else np.empty(0)
    ok = np.isfinite(picked)
    km, chosen, picked = km[ok], chosen[ok], picked[ok]
    if len(chosen) < MIN_PAIRS:
        return DEFAULT
    far = np.nan_to_num(km, nan=np.inf)
    places = np.isfinite(far).sum(axis=1)  # places this user could be at a distance from
    best = (-math.inf, DEFAULT.scale_km, DEFAULT.floor)
    for scale in SCALES_KM:
        # Σ_j w(d_j) = (1 − ε) Σ_j exp(−d_j/s) + ε·n: one pass over the matrix per scale.
        near_sum = np.exp(-far / scale).sum(axis=1)
        near_pick = np.exp(-picked / scale)
        for floor in FLOORS:
            numerator = (1.0 - floor) * near_pick + floor
            denominator = (1.0 - floor) * near_sum + floor * places
            with np.errstate(divide="ignore"):
                ll = float(np.mean(np.log(numerator) - np.log(denominator)))
            if ll > best[0]:
                best = (ll, float(scale), float(floor))
    radius = max(MIN_RADIUS_KM, float(np.quantile(picked, RADIUS_QUANTILE)))
    return Decay(scale_km=best[1], floor=best[2], radius_km=radius, pairs=len(chosen))
