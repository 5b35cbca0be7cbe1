"""What expand and chat say about one restaurant: radar scores, highlights, a summary.

Radar scores (0–100), each derived from data, 50 when nothing is known:

- food: the restaurant's rating (0–5) × 20, blended half and half with the mean rating users
  of the org gave it (0–1 × 100) when there are any;
- service: the mean service rating of the source data (``attributes.service_rating``, 0–2 as
  in the UCI data, or 0–5), else the users' mean rating, else the rating;
- ambiance: 40 + 20 per ambience or vibe tag the place has (at most 3 count), + 20 when one of
  them is a vibe the user asked for;
- value: the rating relative to the price: rating × 20 + 15 × (2.5 − price tier), clamped;
- location: exp(−km / s) × 100 from the user's location, ``s`` the org's fitted distance
  decay (:mod:`workers.dining.proximity`); 50 without one.
"""

from __future__ import annotations

from workers.dining.proximity import DEFAULT as DEFAULT_DECAY
from workers.dining.proximity import Decay
from workers.dining.ranking import PRICE_SYMBOLS, Place, Profile, vibe_of

RADAR_METHOD = {
    "food": "rating × 20, averaged with the mean user rating when there is one",
    "service": "source service rating, else mean user rating, else rating",
    "ambiance": "40 + 20 per ambience tag (max 3) + 20 for a vibe the user wants",
    "value": "rating × 20 + 15 × (2.5 − price tier)",
    "location": "exp(−km / s) × 100 from the user's location, s the fitted distance decay",
}


def _clamp(x: float) -> int:
    return int(max(0, min(100, round(x))))


def radar(
    place: Place,
    profile: Profile | None = None,
    km: float | None = None,
    user_rating: float | None = None,  # mean rating_unit (0..1) over the org's users
    attributes: dict | None = None,
    decay: Decay = DEFAULT_DECAY,
) -> dict[str, int]:
    attributes = attributes or {}
    rating = place.rating
    food = rating * 20 if rating is not None else None
    if user_rating is not None:
        food = user_rating * 100 if food is None else (food + user_rating * 100) / 2
    service = _service(attributes)
    if service is None:
        service = user_rating * 100 if user_rating is not None else food
    vibes = {v for v in map(vibe_of, place.ambience) if v}
    ambiance = 40 + 20 * min(3, len(vibes)) if vibes else 50
    if profile is not None and vibes & profile.vibes:
        ambiance += 20
    if rating is not None and place.price_tier is not None:
        value = rating * 20 + 15 * (2.5 - place.price_tier)
    elif rating is not None:
        value = rating * 20
    else:
        value = 50
    location = 100 * float(decay.closeness(km)) if km is not None else 50
    return {
        "ambiance": _clamp(ambiance),
        "service": _clamp(service if service is not None else 50),
        "food": _clamp(food if food is not None else 50),
        "value": _clamp(value),
        "location": _clamp(location),
    }


def _service(attributes: dict) -> float | None:
    raw = attributes.get("service_rating")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    scale = 2.0 if value <= 2.0 and attributes.get("rating_scale", "0-2") == "0-2" else 5.0
    return value / scale * 100


def highlights(place: Place, fit_tags: list[str], menu_names: list[str] = ()) -> list[str]:
    """Short facts worth a glance, all from data (never invented)."""
    out = []
    if place.rating is not None:
        out.append(f"Rated {place.rating:.1f} / 5")
    if place.cuisines:
        out.append(" · ".join(place.cuisines[:3]))
    if place.price_tier:
        out.append(f"Price {PRICE_SYMBOLS[place.price_tier]}")
    vibes = sorted({v for v in map(vibe_of, place.ambience) if v})
    if vibes:
        out.append(", ".join(v.capitalize() for v in vibes) + " atmosphere")
    if menu_names:
        out.append("On the menu: " + ", ".join(menu_names[:3]))
    out += [t for t in fit_tags if t not in out][:3]
    return out[:6]


def summary(place: Place, fit_tags: list[str], verdict) -> str:
    """An offline summary: what the place is, why it fits, what the guard says."""
    kind = " / ".join(place.cuisines[:2]) or "restaurant"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    where = f" in {place.area}" if place.area else (f" in {place.city}" if place.city else "")
    price = f", {PRICE_SYMBOLS[place.price_tier]}" if place.price_tier else ""
    rating = f", rated {place.rating:.1f}" if place.rating is not None else ""
    parts = [f"{place.name} is {article} {kind} place{where}{price}{rating}."]
    if fit_tags and not verdict.blocked:
        parts.append("Why it fits: " + ", ".join(t.lower() for t in fit_tags[:3]) + ".")
    note = guard_note(verdict)
    return " ".join([*parts, note] if note else parts)


def guard_note(verdict) -> str | None:
    """The guard's words, which a summary always carries (an LLM's included)."""
    if verdict.blocked:
        return "Not recommended for you: it contains " + ", ".join(verdict.blocked_by) + "."
    if verdict.warnings:
        return "Allergen note: " + verdict.allergy_warning + "."
    return None


def llm_facts(place: Place, fit_tags: list[str], verdict, menu_names: list[str]) -> str:
    """The facts the LLM may use for a summary, and nothing else."""
    lines = [
        f"name: {place.name}",
        f"cuisines: {', '.join(place.cuisines) or 'unknown'}",
        f"area: {place.area or place.city or 'unknown'}",
        f"price: {PRICE_SYMBOLS.get(place.price_tier, 'unknown')}",
        f"rating: {place.rating if place.rating is not None else 'unknown'}",
        f"ambience: {', '.join(place.ambience) or 'unknown'}",
        f"why it fits this user: {', '.join(fit_tags) or 'nothing in particular'}",
        f"menu: {', '.join(menu_names[:8]) or 'unknown'}",
        f"allergen status for this user: {verdict.status}; {verdict.allergy_warning or ''}",
    ]
    if place.description:
        lines.append(f"description: {place.description[:500]}")
    return "\n".join(lines)


SUMMARY_SYSTEM = (
    "Write two sentences describing a restaurant for a diner, using only the facts given. "
    "Never call a restaurant safe for an allergy unless the allergen status says safe; repeat "
    "any allergen note."
)
