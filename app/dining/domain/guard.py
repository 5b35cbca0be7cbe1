"""The allergen guard: the one decision, for feeds, expand and chat, about whether a restaurant
may be shown to a user, and what to tell them about allergens when it is.

Rules (docs/dining.md, "Allergen guard"):

- A user allergen that is *present* at a restaurant — in its declared allergens, in a menu
  item's declared allergens, or in a menu item's ingredients through the ingredient map — with
  severity ``severe`` or ``anaphylactic`` (or an unknown severity: safety first) **blocks** the
  restaurant: it is never suggested. An allergen a chat message excludes ("no peanuts") blocks
  the same way, for that query.
- A present allergen of ``mild`` or ``moderate`` severity gives a warning, confidence ``high``
  when declared, ``medium`` when inferred from ingredients.
- A cuisine prior (Thai → peanuts and fish, sushi → fish, …) of at least 0.4 for an allergen
  the data does not show, at a restaurant whose menu is unknown, gives a warning with confidence
  ``low``: priors never block and never clear (a known menu that lacks the allergen outranks
  a prior).
- A restaurant with no allergen data at all is never called safe: the analysis says
  "no allergen data" with confidence ``low``.

This module is pure (no database, no Flask): callers hand it plain facts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from app.dining.domain import allergens as vocab

BLOCKING = frozenset({"severe", "anaphylactic"})
KNOWN_SEVERITIES = ("mild", "moderate", "severe", "anaphylactic")
# A query exclusion ("no peanuts") is treated as a blocking allergy for that query.
EXCLUDED = "excluded"
# A cuisine prior at or above this ("often") warns; below it, only missing data does.
PRIOR_WARNING = 0.4


@dataclass(frozen=True)
class Allergy:
    allergen: str  # canonical name
    severity: str  # mild · moderate · severe · anaphylactic · excluded

    @property
    def blocking(self) -> bool:
        # An unknown severity is read as the worst case: the guard fails closed.
        return self.severity not in ("mild", "moderate")


@dataclass(frozen=True)
class AllergenFacts:
    """What is known about one restaurant's allergens."""

    declared: frozenset[str] = frozenset()  # restaurant- and menu-level declarations
    from_ingredients: frozenset[str] = frozenset()  # inferred from menu ingredients
    has_menu: bool = False
    cuisines: tuple[str, ...] = ()

    @property
    def present(self) -> frozenset[str]:
        return self.declared | self.from_ingredients

    @property
    def has_data(self) -> bool:
        return self.has_menu or bool(self.declared)

    @property
    def confidence(self) -> str:
        """How much the data says: a menu (ingredients) ``high``; declarations alone
        ``medium``; nothing ``low``."""
        if self.has_menu:
            return "high"
        return "medium" if self.declared else "low"


@dataclass
class Verdict:
    blocked: bool
    blocked_by: list[str]
    warnings: list[dict]
    allergens_present: list[str]
    confidence: str
    has_data: bool
    checked: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        if self.warnings:
            return "warning"
        if self.checked and not self.has_data:
            return "unknown"
        return "safe"

    @property
    def safe(self) -> bool:
        """Safe only when the user has nothing to fear here *and* the data can say so."""
        return self.status == "safe"

    @property
    def allergy_warning(self) -> str | None:
        return "; ".join(w["message"] for w in self.warnings) or None

    def analysis(self) -> dict:
        """The seed's ``allergen_analysis`` (expand), with the reasons spelled out."""
        return {
            "safe_for_user": self.safe,
            "status": self.status,
            "allergens_present": self.allergens_present,
            "blocked_by": self.blocked_by,
            "warnings": self.warnings,
            "confidence": self.confidence,
            "has_allergen_data": self.has_data,
        }


# --- building the inputs ------------------------------------------------------------------------


# Menus repeat the same words thousands of times across a catalog: read each text once.
@lru_cache(maxsize=65536)
def _text_allergens(text: str) -> frozenset[str]:
    return frozenset(vocab.ingredient_allergens(text))


@lru_cache(maxsize=4096)
def _priors(cuisines: tuple[str, ...]) -> dict[str, float]:
    return vocab.cuisine_priors(cuisines)


def canonical(name: str) -> str | None:
    return vocab.normalize(name)


def allergies_of(rows: Iterable) -> list[Allergy]:
    """Allergies from model rows or ``{"allergen", "severity"}`` dicts, normalized."""
    out: dict[str, Allergy] = {}
    for row in rows:
        name = row["allergen"] if isinstance(row, dict) else row.allergen
        severity = row.get("severity") if isinstance(row, dict) else row.severity
        allergen = canonical(name) or str(name).strip().lower()
        current = out.get(allergen)
        candidate = Allergy(allergen, (severity or "").lower())
        # Two spellings of one allergen: the stricter one wins.
        if current is None or (candidate.blocking and not current.blocking):
            out[allergen] = candidate
    return sorted(out.values(), key=lambda a: a.allergen)


def with_exclusions(allergies: Iterable[Allergy], excluded: Iterable[str]) -> list[Allergy]:
    """The profile's allergies plus a query's exclusions, which block like severe ones."""
    out = {a.allergen: a for a in allergies}
    for name in excluded:
        allergen = canonical(name) or str(name).strip().lower()
        if allergen not in out or not out[allergen].blocking:
            out[allergen] = Allergy(allergen, EXCLUDED)
    return sorted(out.values(), key=lambda a: a.allergen)


def _declared(name) -> set[str]:
    """A declaration as canonical allergens: a known name, else whatever allergens its words
    carry ("peanut oil", "contains shrimp"), else the name itself (kept, never dropped)."""
    known = canonical(name)
    if known:
        return {known}
    return set(_text_allergens(str(name))) or {str(name).strip().lower()}


def facts_of(
    declared_allergens: Iterable[str] | None,
    menu: Iterable | None = None,
    cuisines: Iterable[str] | None = None,
) -> AllergenFacts:
    """Facts from a restaurant's declarations and menu; ``menu`` holds model rows or dicts
    with ``ingredients`` and ``declared_allergens``."""
    declared: set[str] = set()
    inferred: set[str] = set()
    for name in declared_allergens or ():
        declared |= _declared(name)
    has_menu = False
    for item in menu or ():
        has_menu = True
        get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k, None)
        for name in get("declared_allergens") or ():
            declared |= _declared(name)
        texts = list(get("ingredients") or [])
        # A dish name can carry an allergen its ingredient list forgot ("peanut noodles").
        texts += [t for t in (get("name"), get("description")) if t]
        for text in texts:
            inferred |= _text_allergens(str(text))
    return AllergenFacts(
        frozenset(declared),
        frozenset(inferred - declared),
        has_menu,
        tuple(sorted({vocab.normalize_cuisine(c) for c in cuisines or () if str(c).strip()})),
    )


def facts_of_restaurant(restaurant) -> AllergenFacts:
    """Facts from a ``Restaurant`` row (its menu items loaded)."""
    return facts_of(restaurant.declared_allergens, restaurant.menu_items, restaurant.cuisines)


def fingerprint(allergies: Iterable[Allergy]) -> str:
    """Changes whenever the allergies that matter to the guard change (a cached feed built
    for other allergies is not served)."""
    body = json.dumps(sorted((a.allergen, a.severity) for a in allergies))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


# --- the decision ----------------------------------------------------------------------


def _label(allergen: str) -> str:
    return allergen.replace("_", " ")


def assess(allergies: Iterable[Allergy], facts: AllergenFacts) -> Verdict:
    allergies = list(allergies)
    blocked_by: list[str] = []
    warnings: list[dict] = []
    priors = _priors(facts.cuisines) if facts.cuisines else {}
    for allergy in allergies:
        name, severity = allergy.allergen, allergy.severity
        if name in facts.present:
            source = "declared" if name in facts.declared else "ingredients"
            if allergy.blocking:
                blocked_by.append(name)
                continue
            confidence = "high" if source == "declared" else "medium"
            where = "declared by the restaurant" if source == "declared" else "in menu ingredients"
            warnings.append(
                {
                    "allergen": name,
                    "severity": severity,
                    "source": source,
                    "confidence": confidence,
                    "message": f"Contains {_label(name)} ({where}); your allergy is {severity}",
                }
            )
        elif not facts.has_menu and priors.get(name, 0.0) >= PRIOR_WARNING:
            cuisine = next(c for c in facts.cuisines if name in _priors((c,)))
            warnings.append(
                {
                    "allergen": name,
                    "severity": severity,
                    "source": "cuisine_prior",
                    "confidence": "low",
                    "prior": priors[name],
                    "message": f"{cuisine.title()} cuisine often uses {_label(name)}; "
                    "ask the restaurant",
                }
            )
        elif not facts.has_data:
            warnings.append(
                {
                    "allergen": name,
                    "severity": severity,
                    "source": "no_data",
                    "confidence": "low",
                    "message": f"No allergen data: {_label(name)} cannot be ruled out",
                }
            )
    return Verdict(
        blocked=bool(blocked_by),
        blocked_by=sorted(blocked_by),
        warnings=warnings,
        allergens_present=sorted(facts.present),
        confidence=facts.confidence,
        has_data=facts.has_data,
        checked=[a.allergen for a in allergies],
    )


def blocked(allergies: Iterable[Allergy], facts: AllergenFacts) -> bool:
    """The blocking rule alone (cheap): is a blocking allergen present?"""
    return any(a.blocking and a.allergen in facts.present for a in allergies)


def summary(verdicts: Iterable[Verdict]) -> str:
    verdicts = list(verdicts)
    flagged = sum(1 for v in verdicts if v.warnings)
    return f"AllergyGuard: {flagged} warning{'s' if flagged != 1 else ''} flagged"
