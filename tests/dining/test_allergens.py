"""The allergen taxonomy: canonical names, synonyms, ingredient words, cuisine priors."""

from __future__ import annotations

import pytest

from app.dining.domain.allergens import (
    ALLERGEN_SYNONYMS,
    CANONICAL_ALLERGENS,
    EU_ANNEX_II,
    FDA_MAJOR,
    allergens_in,
    confidence_label,
    cuisine_priors,
    ingredient_allergens,
    normalize,
    normalize_many,
)


def test_canonical_names_cover_the_fda_nine_and_the_eu_fourteen():
    assert set(FDA_MAJOR) <= set(CANONICAL_ALLERGENS)
    assert set(EU_ANNEX_II) <= set(CANONICAL_ALLERGENS)
    assert len(FDA_MAJOR) == 9 and len(EU_ANNEX_II) == 14
    assert len(set(CANONICAL_ALLERGENS)) == len(CANONICAL_ALLERGENS) == 15


def test_every_synonym_points_at_a_canonical_allergen_and_every_canonical_name_is_its_own():
    assert set(ALLERGEN_SYNONYMS.values()) == set(CANONICAL_ALLERGENS)
    for name in CANONICAL_ALLERGENS:
        assert normalize(name) == name


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("prawns", "crustacean shellfish"),
        ("Shrimp", "crustacean shellfish"),
        ("shellfish", "crustacean shellfish"),
        ("groundnut", "peanuts"),
        ("Peanut", "peanuts"),
        ("almond", "tree nuts"),
        ("Almonds", "tree nuts"),
        ("tree-nut allergy", "tree nuts"),
        ("nuts", "tree nuts"),
        ("oysters", "molluscs"),
        ("squid", "molluscs"),
        ("anchovies", "fish"),
        ("dairy", "milk"),
        ("cow's milk", "milk"),
        ("egg whites", "eggs"),
        ("soya", "soy"),
        ("sesame seeds", "sesame"),
        ("coeliac", "gluten"),
        ("barley", "gluten"),
        ("spelt", "wheat"),
        ("sulfites", "sulphites"),
        ("Sulphur dioxide", "sulphites"),
        ("lupine", "lupin"),
        ("celeriac", "celery"),
        ("  MUSTARD  ", "mustard"),
    ],
)
def test_synonyms_plurals_and_case_resolve_to_the_canonical_name(written, canonical):
    assert normalize(written) == canonical


@pytest.mark.parametrize("written", ["pineapple", "", "   ", "coconut", "chicken", "x" * 300, None])
def test_unknown_names_resolve_to_nothing(written):
    assert normalize(written) is None


def test_normalize_many_keeps_first_seen_order_and_reports_unknown_names():
    known, unknown = normalize_many(["Peanuts", "prawns", "groundnut", "kryptonite"])
    assert known == ["peanuts", "crustacean shellfish"]
    assert unknown == ["kryptonite"]


@pytest.mark.parametrize(
    ("ingredient", "allergens"),
    [
        ("butter", {"milk"}),
        ("tahini", {"sesame"}),
        ("Tahini dressing", {"sesame"}),
        ("peanut butter", {"peanuts"}),
        ("coconut milk", set()),
        ("almond milk", {"tree nuts"}),
        ("water chestnuts", set()),
        ("nutmeg", set()),
        ("eggplant", set()),
        ("rice noodles", set()),
        ("wheat noodles", {"wheat", "gluten"}),
        ("soy sauce", {"soy", "wheat", "gluten"}),
        ("fish sauce", {"fish"}),
        ("oyster sauce", {"molluscs", "soy", "wheat", "gluten"}),
        ("fresh prawns", {"crustacean shellfish"}),
        ("Parmesan", {"milk"}),
        ("mayonnaise", {"eggs"}),
        ("miso", {"soy"}),
        ("dijon", {"mustard"}),
        ("white wine", {"sulphites"}),
        ("", set()),
    ],
)
def test_ingredient_words_map_to_the_allergens_they_carry(ingredient, allergens):
    assert ingredient_allergens(ingredient) == allergens


def test_a_dish_description_collects_every_allergen_in_it():
    assert ingredient_allergens("Pad Thai with crushed peanuts, shrimp and fish sauce") == {
        "peanuts",
        "crustacean shellfish",
        "fish",
    }
    assert allergens_in(["rice", "tofu", "sesame oil"]) == {"soy", "sesame"}


def test_cuisine_priors_take_the_highest_prior_over_the_cuisines_and_read_uci_names():
    thai = cuisine_priors(["Thai"])
    assert thai["peanuts"] >= 0.5 and thai["fish"] >= 0.7
    sushi = cuisine_priors(["Sushi", "Japanese"])
    assert sushi["fish"] >= 0.9 and sushi["soy"] >= 0.8
    assert cuisine_priors(["Dessert-Ice_Cream"])["milk"] >= 0.9
    assert "gluten" in cuisine_priors(["Bar_Pub_Brewery"])
    assert cuisine_priors(["Juice"]) == {}
    assert cuisine_priors([]) == {}


def test_confidence_labels():
    assert [confidence_label(p) for p in (0.95, 0.7, 0.5, 0.1)] == [
        "high",
        "high",
        "medium",
        "low",
    ]
