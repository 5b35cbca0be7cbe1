"""The guard as a property: over generated users and catalogs, no feed, chat answer or expand
ever presents a restaurant holding one of the user's severe allergens as a suggestion.

The oracle reads each restaurant's allergens on its own (declarations through the synonym
table, ingredients and dish names through the ingredient table), not through the guard.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dining.domain import allergens, guard
from workers.dining.answer import answer
from workers.dining.collab import ItemItem
from workers.dining.ranking import Catalog, Place, Profile, Ranker

SPELLINGS = [
    "peanuts", "Peanut", "groundnut", "shellfish", "prawns", "Shrimp", "milk", "dairy",
    "eggs", "egg", "fish", "salmon", "tree nuts", "almonds", "cashew", "wheat", "gluten",
    "soy", "soya", "sesame", "tahini", "mustard", "celery", "molluscs", "squid", "lupin",
    "sulphites",
]  # fmt: skip
INGREDIENTS = [
    "rice", "basil", "peanut butter", "coconut milk", "shrimp paste", "parmesan", "tofu",
    "soy sauce", "egg noodles", "olive oil", "salmon", "almond flakes", "sesame oil",
    "chickpeas", "lettuce", "butter", "water chestnut", "nutmeg", "corn tortilla", "oyster",
    "dijon mustard", "wine", "tomato", "lamb", "chicken", "satay", "pesto", "mayonnaise",
]  # fmt: skip
DISHES = ["Curry", "Noodles", "Salad", "Satay skewers", "Pad thai", "Bowl", "Tacos", "Soup"]
CUISINES = ["Thai", "Italian", "Japanese", "Sushi", "Indian", "Mexican", "Steaks", "Cafe"]
SEVERITIES = ["mild", "moderate", "severe", "anaphylactic", ""]
VIBES = ["romantic", "quiet", "lively", "family", "casual"]

menu_item = st.fixed_dictionaries(
    {
        "name": st.sampled_from(DISHES),
        "ingredients": st.lists(st.sampled_from(INGREDIENTS), max_size=5),
        "declared_allergens": st.lists(st.sampled_from(SPELLINGS), max_size=2),
    }
)
place_spec = st.fixed_dictionaries(
    {
        "cuisines": st.lists(st.sampled_from(CUISINES), min_size=1, max_size=2, unique=True),
        "declared": st.lists(st.sampled_from(SPELLINGS), max_size=3),
        "menu": st.none() | st.lists(menu_item, min_size=1, max_size=4),
        "price": st.none() | st.integers(1, 4),
        "rating": st.none() | st.floats(0, 5),
        "area": st.sampled_from(["Koramangala", "Indiranagar", "Centro"]),
        "ambience": st.lists(st.sampled_from(VIBES), max_size=2),
    }
)
user_spec = st.fixed_dictionaries(
    {
        "allergies": st.dictionaries(
            st.sampled_from(SPELLINGS), st.sampled_from(SEVERITIES), max_size=4
        ),
        "affinity": st.lists(st.sampled_from(CUISINES), max_size=2),
        "vibes": st.lists(st.sampled_from(VIBES), max_size=2),
        "price_comfort": st.lists(st.sampled_from(["$", "$$", "$$$"]), max_size=2),
        "likes": st.lists(st.integers(0, 39), max_size=5),
    }
)


def present(spec: dict) -> set[str]:
    found = {allergens.normalize(d) for d in spec["declared"]}
    for item in spec["menu"] or ():
        found |= {allergens.normalize(d) for d in item["declared_allergens"]}
        found |= allergens.ingredient_allergens(item["name"])
        for ingredient in item["ingredients"]:
            found |= allergens.ingredient_allergens(ingredient)
    return found - {None}


def build(specs: list[dict], users: list[dict]):
    places = [
        Place(
            id=str(i),
            name=f"Place {i}",
            cuisines=tuple(s["cuisines"]),
            price_tier=s["price"],
            rating=s["rating"],
            lat=12.9 + i * 0.001,
            lon=77.6,
            area=s["area"],
            ambience=tuple(s["ambience"]),
            facts=guard.facts_of(s["declared"], s["menu"], s["cuisines"]),
        )
        for i, s in enumerate(specs)
    ]
    catalog = Catalog(places)
    triples = [
        (u, i, 1.0) for u, user in enumerate(users) for i in user["likes"] if i < len(places)
    ]
    return Ranker(catalog, ItemItem.fit(triples, catalog.n))


def profile_of(n: int, user: dict, n_places: int) -> Profile:
    rows = [{"allergen": a, "severity": s} for a, s in user["allergies"].items()]
    prefs = {
        "cuisine_affinity": user["affinity"],
        "vibes": user["vibes"],
        "price_comfort": user["price_comfort"],
        "location": {"lat": 12.9, "lon": 77.6},
    }
    history = {str(i): 1.0 for i in user["likes"] if i < n_places}
    return Profile.from_preferences(f"u{n}", prefs, guard.allergies_of(rows), history)


def blocking(user: dict) -> set[str]:
    """The user's allergens that must never be suggested: severe, anaphylactic, unknown."""
    return {
        allergens.normalize(a)
        for a, s in user["allergies"].items()
        if s not in ("mild", "moderate")
    }


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(place_spec, min_size=1, max_size=40), st.lists(user_spec, min_size=1, max_size=5))
def test_no_feed_suggests_a_restaurant_with_a_severe_allergen_of_the_user(specs, users):
    ranker = build(specs, users)
    for n, user in enumerate(users):
        for scored in ranker.rank(profile_of(n, user, len(specs)), limit=50):
            assert not present(specs[int(scored.place.id)]) & blocking(user)
            assert not scored.verdict.blocked


@SETTINGS
@given(st.lists(place_spec, min_size=1, max_size=40), user_spec, st.data())
def test_an_expand_never_presents_a_blocked_restaurant_as_a_suggestion(specs, user, data):
    ranker = build(specs, [user])
    i = data.draw(st.integers(0, len(specs) - 1))
    scored = ranker.one(profile_of(0, user, len(specs)), str(i))
    if present(specs[i]) & blocking(user):
        assert scored.verdict.blocked and scored.fit_score == 0
        assert scored.verdict.analysis()["safe_for_user"] is False
    else:
        assert not scored.verdict.blocked


@SETTINGS
@given(
    st.lists(place_spec, min_size=1, max_size=40),
    user_spec,
    st.lists(st.sampled_from(SPELLINGS), max_size=2),
    st.sampled_from(["romantic dinner", "thai food in Koramangala", "cheap lunch", "sushi"]),
    st.sampled_from(["restaurant_list", "map", "compare Place 1 vs Place 2"]),
)
def test_no_chat_answer_suggests_a_restaurant_with_a_severe_or_excluded_allergen(
    specs, user, excluded, ask, shape
):
    ranker = build(specs, [user])
    message = f"{ask} {'' if shape == 'restaurant_list' else shape}".strip()
    if excluded:
        message += ", no " + " and no ".join(excluded)
    result = answer(ranker, profile_of(0, user, len(specs)), message, [])
    forbidden = blocking(user) | {allergens.normalize(e) for e in excluded}
    for item in result["restaurants"]:
        assert not present(specs[int(item["id"])]) & forbidden
        assert item["allergy_status"] != "blocked"
