"""Distance in the feed: a decay fitted to where people went, a radius, and a ranking that
knows the user's location without forgetting what they like."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from workers.dining import proximity
from workers.dining.proximity import Decay, fit_choices, haversine_km
from workers.dining.ranking import Catalog, Place, Profile, Ranker

HOME = (22.15, -100.98)  # a user's location; places are laid out east of it


def east(km: float) -> tuple[float, float]:
    """The point ``km`` due east of HOME."""
    return HOME[0], HOME[1] + km / (111.32 * math.cos(math.radians(HOME[0])))


def place(pid: str, km: float, cuisine: str = "Mexican", rating: float = 4.0) -> Place:
    lat, lon = east(km)
    return Place(id=pid, name=pid, cuisines=(cuisine,), rating=rating, lat=lat, lon=lon)


def simulated_choices(scale_km: float, n_users: int = 400, seed: int = 7):
    """Users spread over a city choose among 60 places with chance ∝ exp(−km / scale)."""
    rnd = random.Random(seed)
    lats = np.array([HOME[0] + rnd.uniform(-0.1, 0.1) for _ in range(60)])
    lons = np.array([HOME[1] + rnd.uniform(-0.1, 0.1) for _ in range(60)])
    choices = []
    for _ in range(n_users):
        lat, lon = HOME[0] + rnd.uniform(-0.1, 0.1), HOME[1] + rnd.uniform(-0.1, 0.1)
        weights = np.exp(-haversine_km(lat, lon, lats, lons) / scale_km)
        pick = rnd.choices(range(60), weights=weights.tolist())[0]
        choices.append((lat, lon, pick))
    return choices, lats, lons


def test_the_decay_is_fitted_to_where_people_went():
    choices, lats, lons = simulated_choices(scale_km=3.0)
    decay = fit_choices(choices, lats, lons)
    assert 2.0 <= decay.scale_km <= 4.5
    assert decay.pairs == len(choices)
    went = [haversine_km(la, lo, lats, lons)[i] for la, lo, i in choices]
    assert decay.radius_km == pytest.approx(float(np.quantile(went, 0.9)))


def test_too_few_choices_give_the_default_decay():
    choices, lats, lons = simulated_choices(scale_km=3.0, n_users=proximity.MIN_PAIRS - 1)
    assert fit_choices(choices, lats, lons) is proximity.DEFAULT


def test_a_fit_is_refused_for_misshapen_input():
    with pytest.raises(ValueError):
        proximity.fit(np.zeros((3, 4)), np.array([0, 1]))


def test_the_nearer_of_two_equal_places_ranks_first_and_shows_its_distance():
    ranker = Ranker(Catalog([place("far", 6.0), place("near", 0.5)]))
    profile = Profile(uid="u", lat=HOME[0], lon=HOME[1])
    ranked = ranker.rank(profile, 2)
    assert [s.place.id for s in ranked] == ["near", "far"]
    items = [s.as_item() for s in ranked]
    assert items[0]["distance_km"] == pytest.approx(0.5, abs=0.01)
    assert items[1]["distance_km"] == pytest.approx(6.0, abs=0.01)


def test_a_user_s_max_distance_is_a_hard_limit():
    ranker = Ranker(Catalog([place("a", 1.0), place("b", 4.0), place("c", 8.0)]))
    profile = Profile(uid="u", lat=HOME[0], lon=HOME[1], max_km=5.0)
    assert {s.place.id for s in ranker.rank(profile, 10)} == {"a", "b"}


def test_without_a_limit_the_default_radius_holds_while_it_leaves_enough_places():
    decay = Decay(scale_km=2.0, floor=0.01, radius_km=5.0)
    places = [place(f"in{i}", 1.0 + i * 0.5) for i in range(4)] + [place("out", 30.0)]
    ranker = Ranker(Catalog(places), None, decay)
    profile = Profile(uid="u", lat=HOME[0], lon=HOME[1])
    assert "out" not in {s.place.id for s in ranker.rank(profile, 4)}
    # Asking for more than the radius holds widens it: a sparse area is not an empty feed.
    assert "out" in {s.place.id for s in ranker.rank(profile, 5)}


def test_strong_cuisine_preferences_are_not_drowned_by_distance():
    nearby = [place(f"taqueria{i}", 0.2 + 0.1 * i, "Mexican", 3.5) for i in range(10)]
    liked = [place(f"trattoria{i}", 1.5 + 0.2 * i, "Italian", 4.5) for i in range(3)]
    ranker = Ranker(Catalog(nearby + liked))
    profile = Profile(uid="u", lat=HOME[0], lon=HOME[1], affinity={"italian"}, vibes=set())
    top = [s.place.id for s in ranker.rank(profile, 10)]
    assert {"trattoria0", "trattoria1"} <= set(top)  # not only the ten nearest


def test_a_place_listed_for_being_close_says_so():
    near = place("corner", 0.1, "Mexican", 3.0)
    fits = [place(f"trattoria{i}", 12.0 + i, "Italian", 4.8) for i in range(2)]
    ranker = Ranker(Catalog([near, *fits]), None, Decay(2.0, 0.01, 50.0))
    profile = Profile(uid="u", lat=HOME[0], lon=HOME[1], affinity={"italian"})
    ranked = {s.place.id: s for s in ranker.rank(profile, 2)}
    corner = ranked["corner"]
    assert corner.distance_decided is True
    assert "Ranked up for being close (0.1 km)" in corner.tags
    assert corner.as_item()["distance_decided"] is True
    assert ranked["trattoria0"].distance_decided is False


def test_a_user_without_a_location_is_ranked_by_fit_alone():
    ranker = Ranker(Catalog([place("near", 0.5, rating=3.0), place("far", 50.0, rating=4.9)]))
    ranked = ranker.rank(Profile(uid="u"), 2)
    assert [s.place.id for s in ranked] == ["far", "near"]
    assert all(s.km is None and not s.distance_decided for s in ranked)
