"""The allergen guard: what blocks, what warns, and that no data is never called safe."""

from __future__ import annotations

from app.dining.domain import guard
from app.dining.domain.guard import Allergy


def allergies(**severities) -> list[Allergy]:
    return guard.allergies_of(
        [{"allergen": name.replace("_", " "), "severity": s} for name, s in severities.items()]
    )


def test_a_severe_allergen_in_the_menu_ingredients_blocks():
    facts = guard.facts_of([], [{"name": "Pad thai", "ingredients": ["rice noodles", "peanuts"]}])
    verdict = guard.assess(allergies(peanut="anaphylactic"), facts)
    assert verdict.blocked and verdict.blocked_by == ["peanuts"]
    assert verdict.status == "blocked" and not verdict.safe


def test_a_severe_allergen_declared_by_the_restaurant_blocks_under_any_spelling():
    facts = guard.facts_of(["Prawns"], [])
    assert guard.assess(allergies(shellfish="severe"), facts).blocked_by == ["crustacean shellfish"]


def test_a_dish_name_counts_when_its_ingredients_forgot_the_allergen():
    facts = guard.facts_of([], [{"name": "Satay skewers", "ingredients": ["chicken"]}])
    assert guard.assess(allergies(peanuts="severe"), facts).blocked


def test_an_unknown_severity_blocks_like_a_severe_one():
    facts = guard.facts_of(["sesame"], [])
    assert guard.assess(allergies(sesame=""), facts).blocked


def test_a_mild_allergen_present_warns_with_high_confidence_when_declared():
    facts = guard.facts_of(["milk"], [{"name": "Salad", "ingredients": ["lettuce"]}])
    verdict = guard.assess(allergies(milk="mild"), facts)
    assert not verdict.blocked
    [warning] = verdict.warnings
    assert warning["source"] == "declared" and warning["confidence"] == "high"
    assert verdict.allergy_warning.startswith("Contains milk")


def test_a_moderate_allergen_found_in_ingredients_warns_with_medium_confidence():
    facts = guard.facts_of([], [{"name": "Toast", "ingredients": ["butter", "bread"]}])
    [warning] = guard.assess(allergies(milk="moderate"), facts).warnings
    assert warning["source"] == "ingredients" and warning["confidence"] == "medium"


def test_a_cuisine_prior_warns_with_low_confidence_and_never_blocks():
    facts = guard.facts_of([], None, ["Thai"])
    verdict = guard.assess(allergies(peanuts="anaphylactic", fish="severe"), facts)
    assert not verdict.blocked
    sources = {w["allergen"]: (w["source"], w["confidence"]) for w in verdict.warnings}
    assert sources == {"peanuts": ("cuisine_prior", "low"), "fish": ("cuisine_prior", "low")}
    assert verdict.confidence == "low"


def test_a_known_menu_without_the_allergen_outranks_the_cuisine_prior():
    facts = guard.facts_of(
        [], [{"name": "Green curry", "ingredients": ["tofu", "basil"]}], ["Thai"]
    )
    verdict = guard.assess(allergies(peanuts="severe"), facts)
    assert verdict.safe and verdict.confidence == "high"


def test_no_allergen_data_is_never_safe():
    facts = guard.facts_of([], None, ["Steakhouse"])
    verdict = guard.assess(allergies(sesame="severe"), facts)
    assert not verdict.safe and verdict.status == "warning"
    assert verdict.warnings[0]["message"].startswith("No allergen data")
    analysis = verdict.analysis()
    assert analysis["safe_for_user"] is False and analysis["confidence"] == "low"


def test_a_user_without_allergies_has_nothing_to_fear_but_the_confidence_stays_honest():
    verdict = guard.assess([], guard.facts_of([], None))
    assert verdict.safe and verdict.confidence == "low" and verdict.warnings == []


def test_a_query_exclusion_blocks_an_allergen_the_profile_does_not_list():
    facts = guard.facts_of(["peanuts"], [])
    assert not guard.assess(allergies(), facts).blocked
    assert guard.assess(guard.with_exclusions(allergies(), ["no-such", "peanut"]), facts).blocked


def test_an_exclusion_makes_a_mild_allergy_block_for_the_query():
    facts = guard.facts_of(["milk"], [])
    mild = allergies(milk="mild")
    assert not guard.assess(mild, facts).blocked
    assert guard.assess(guard.with_exclusions(mild, ["dairy"]), facts).blocked


def test_two_spellings_of_one_allergen_keep_the_stricter_severity():
    merged = guard.allergies_of(
        [{"allergen": "prawn", "severity": "mild"}, {"allergen": "shrimp", "severity": "severe"}]
    )
    assert merged == [Allergy("crustacean shellfish", "severe")]


def test_the_fingerprint_moves_with_the_allergies():
    a = guard.fingerprint(allergies(peanuts="mild"))
    assert a == guard.fingerprint(allergies(peanuts="mild"))
    assert a != guard.fingerprint(allergies(peanuts="severe"))
    assert a != guard.fingerprint(allergies())


def test_a_declaration_in_other_words_is_read_for_the_allergens_it_names():
    facts = guard.facts_of(["peanut oil", "Contains: milk, eggs"], [])
    assert {"peanuts", "milk", "eggs"} <= facts.declared
    assert guard.assess(allergies(peanuts="severe"), facts).blocked
