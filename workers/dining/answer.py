"""Chat: the five steps from a message to a GenerativeUIPayload.

context_loaded (profile and last turns) → decomposed (:mod:`workers.dining.chat`, offline or
LLM) → search_complete (hard filters: cuisine, area, budget; relaxed budget, then area, then
cuisine when nothing matches) → evaluated (the ranker, with the query's cuisines and budget
folded into the profile) → guard_complete (the profile's allergies plus the message's
exclusions; the ranker never returns what the guard blocks).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.dining.domain import guard
from workers.dining import detail
from workers.dining.chat import (
    HISTORY_TURNS,
    SYSTEM,
    Query,
    decompose,
    from_llm,
    prompt,
)
from workers.dining.proximity import DEFAULT as DEFAULT_DECAY
from workers.dining.proximity import Decay
from workers.dining.ranking import norm
from workers.llm import LLMError

# --- search and the answer ---------------------------------------------------------------------


def search(catalog, query: Query) -> tuple[np.ndarray, list[str]]:
    """Places matching the query's hard filters (cuisine, area, budget; named places for a
    comparison), and which filters had to be dropped — budget, then area, then cuisine —
    when nothing matched them all."""
    n = catalog.n
    if query.ui_type == "comparison_chart" and query.names:
        wanted = [norm(name) for name in query.names]
        named = np.array([any(w and w in norm(p.name) for w in wanted) for p in catalog.places])
        if named.any():
            return named, []
    filters: dict[str, np.ndarray] = {}
    if query.cuisines:
        filters["cuisine"] = catalog.cuisine_mask(query.cuisines)
    if query.area:
        area = norm(query.area)
        filters["area"] = np.array([area in a for a in catalog.areas], dtype=bool)
    if query.budget_tier:
        filters["budget"] = ~(catalog.price > query.budget_tier)  # unknown price passes
    relaxed: list[str] = []
    for drop in ("budget", "area", "cuisine", None):
        mask = np.ones(n, dtype=bool)
        for m in filters.values():
            mask &= m
        if mask.any() or not filters:
            return mask, relaxed
        if drop in filters:
            filters.pop(drop)
            relaxed.append(drop)
    return np.zeros(n, dtype=bool), relaxed


def describe(query: Query) -> str:
    """ "romantic Italian restaurants in Koramangala within ₹1500 for 2" """
    words = [*query.vibes, *(c.title() for c in query.cuisines[:2]), "restaurants"]
    text = " ".join(words)
    if query.area:
        text += f" in {query.area}"
    if query.budget_amount:
        text += f" under {query.budget_amount:g}"
    elif query.budget_tier:
        text += f" at {'$' * query.budget_tier} or less"
    if query.party_size:
        text += f" for {query.party_size}"
    return text


CLARIFY = (
    "What are you in the mood for? Tell me a cuisine, an area, a budget or a vibe — for "
    "example: romantic Italian in Koramangala under 1500, no peanuts."
)


def text_response(query: Query, count: int, relaxed: list[str], excluded: int) -> str:
    if query.clarification_needed:
        return CLARIFY
    what = describe(query)
    if count == 0:
        return f"I could not find {what} that I can safely suggest."
    text = f"Here {'is' if count == 1 else 'are'} {count} {what}."
    if relaxed:
        text += f" Nothing matched every filter, so I relaxed: {', '.join(relaxed)}."
    if query.exclude_allergens:
        text += f" Places known to contain {', '.join(query.exclude_allergens)} are left out."
    if excluded:
        text += f" {excluded} place{'s' if excluded != 1 else ''} left out for your allergies."
    return text


# --- the five steps ------------------------------------------------------------------------------

LIMITS = {"restaurant_list": 5, "map_view": 10, "comparison_chart": 4, "text": 5}


def answer(ranker, profile, message: str, history, client=None, report=None) -> dict:
    """Run the five steps for one message; ``report(percent, stage=, message=)`` hears each
    step as it ends. Returns the GenerativeUIPayload."""
    report = report or (lambda *a, **k: None)
    history = list(history or [])[-HISTORY_TURNS:]
    catalog = ranker.catalog
    report(
        10,
        stage="context_loaded",
        message=f"Loaded user profile ({len(profile.allergies)} allergies, "
        f"{len(profile.history)} places known, {len(history)} earlier turns)",
    )

    query = decompose(
        message, history, known_cuisines=catalog.cuisines, known_areas=catalog.area_names
    )
    notice = None
    if client is not None:
        try:
            query = from_llm(client.complete_json(SYSTEM, prompt(message, history)), query)
        except LLMError as exc:
            # A chat answers now or not at all: the offline reading stands in, and says so.
            notice = f"The language model could not help ({exc.message}); read offline."
    report(30, stage="decomposed", message=notice or "Query decomposed into search parameters")

    if query.clarification_needed:
        mask, relaxed = np.zeros(catalog.n, dtype=bool), []
    else:
        mask, relaxed = search(catalog, query)
    report(55, stage="search_complete", message=f"Found {int(mask.sum())} restaurants")

    allergies = guard.with_exclusions(profile.allergies, query.exclude_allergens)
    budget = set(range(1, query.budget_tier + 1)) if query.budget_tier else None
    asked = replace(
        profile,
        affinity=profile.affinity | set(query.cuisines),
        price_comfort=budget or profile.price_comfort,
    )
    results = ranker.rank(
        asked, LIMITS[query.ui_type], candidates=mask, extra_vibes=query.vibes, allergies=allergies
    )
    report(80, stage="evaluated", message=f"Ranked and annotated {len(results)} results")

    excluded = int((mask & catalog.blocked_mask(allergies)).sum())
    warned = sum(1 for r in results if r.verdict.warnings)
    report(
        95,
        stage="guard_complete",
        message=f"AllergyGuard: {warned} warning{'s' if warned != 1 else ''} flagged, "
        f"{excluded} excluded",
    )
    out = payload(query, results, relaxed, excluded, ranker.decay)
    if notice:
        out["notice"] = notice
    return out


def payload(
    query: Query, results, relaxed: list[str], excluded: int, decay: Decay = DEFAULT_DECAY
) -> dict:
    restaurants, warnings = [], []
    for r in results:
        item = r.as_item()
        item["radar_scores"] = detail.radar(r.place, None, r.km, decay=decay)
        item["ai_summary"] = detail.summary(r.place, r.tags, r.verdict)
        restaurants.append(item)
        for w in r.verdict.warnings:
            warnings.append({"restaurant_id": r.place.id, "restaurant_name": r.place.name, **w})
    return {
        "ui_type": query.ui_type if restaurants else "text",
        "text_response": text_response(query, len(restaurants), relaxed, excluded),
        "restaurants": restaurants,
        "allergy_warnings": warnings,
        "has_allergy_warnings": bool(warnings),
        "clarification_needed": query.clarification_needed,
        "query": query.as_dict(),
        "strategy": query.strategy,
    }
