"""Chat, step two: a message (and the last turns) → search parameters, offline or by the LLM.
The five steps themselves are in :mod:`workers.dining.answer`.

The offline decomposition reads cuisine (names and telling dishes), area (a known area of the
catalog, or "in/near <Place>"), budget ("under 1500", "cheap", "$$"), vibe, party size and
allergen exclusions ("no peanuts", "shellfish-free", "allergic to sesame"). Earlier user turns
fill what the message leaves out, and their exclusions keep applying. The LLM, when
configured, answers the same fields as JSON; the offline exclusions are always added to its
answer, so a missed "no peanuts" can never unblock peanuts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from app.dining.domain.allergens import normalize, normalize_cuisine
from workers.dining.ranking import price_tier_of, vibe_of

HISTORY_TURNS = 6
UI_TYPES = ("restaurant_list", "map_view", "comparison_chart", "text")

CUISINES = (
    "italian", "thai", "japanese", "sushi", "chinese", "indian", "mexican", "french",
    "korean", "vietnamese", "mediterranean", "greek", "spanish", "american", "lebanese",
    "turkish", "middle eastern", "seafood", "vegetarian", "vegan", "bakery", "cafe",
    "pizzeria", "burgers", "barbecue", "steaks", "dessert", "ice cream", "fast food",
    "continental", "south indian", "north indian", "asian", "bar", "pub", "breakfast",
    "brunch", "ethiopian", "german", "brazilian", "caribbean", "latin american",
)  # fmt: skip
DISHES = {
    "biryani": "indian", "dosa": "south indian", "idli": "south indian", "curry": "indian",
    "tandoori": "indian", "pizza": "italian", "pasta": "italian", "risotto": "italian",
    "sushi": "japanese", "ramen": "japanese", "tempura": "japanese", "taco": "mexican",
    "tacos": "mexican", "burrito": "mexican", "burger": "burgers", "burgers": "burgers",
    "dim sum": "chinese", "noodles": "chinese", "pho": "vietnamese", "kimchi": "korean",
    "falafel": "middle eastern", "kebab": "turkish", "steak": "steaks", "coffee": "cafe",
    "croissant": "bakery", "pad thai": "thai", "paella": "spanish", "tapas": "spanish",
}  # fmt: skip
INTENT_WORDS = {
    "restaurant", "restaurants", "eat", "eating", "dinner", "lunch", "breakfast", "brunch",
    "food", "hungry", "place", "places", "spot", "recommend", "suggest", "find", "dine",
    "dining", "drinks", "meal", "table", "book", "cafe", "bar", "show", "where", "somewhere",
    "options", "compare", "best", "good", "try", "date",
}  # fmt: skip
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "couple": 2,
}  # fmt: skip
_BUDGET_WORDS = {
    "cheap": 1, "inexpensive": 1, "affordable": 2, "budget": 1, "mid range": 2,
    "midrange": 2, "moderate": 2, "pricey": 4, "expensive": 4, "splurge": 4, "fancy": 3,
    "upscale": 3, "fine dining": 4, "luxury": 4,
}  # fmt: skip
_EXCLUDE = re.compile(
    r"\b(?:no|without|avoid(?:ing)?|allergic to|allergy to|can'?t eat|cannot eat|"
    r"free of|hold the|not? any)\s+([a-z][a-z \-]{1,40}?)(?=$|[,.;!?]|\s+(?:but|in|"
    r"near|under|for|with|please|at|around|on)\b)",
    re.I,
)
_FREE = re.compile(r"\b([a-z]+(?:[ \-][a-z]+)?)[ \-]free\b", re.I)
_ALLERGY_NOUN = re.compile(r"\b([a-z]+(?: [a-z]+)?) allerg(?:y|ies|ic)\b", re.I)
_AMOUNT = re.compile(
    r"\b(?:under|below|less than|within|max(?:imum)?|upto|up to|<)\s*"
    r"(₹|rs\.?|inr|\$|usd|€|eur|£)?\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?",
    re.I,
)
_PARTY = re.compile(
    r"\b(?:for|party of|table for|group of|we are|we're)\s+(\d{1,2}|" + "|".join(NUMBERS) + r")"
    r"(?:\s+(?:people|persons|of us|guests|pax))?\b",
    re.I,
)
_WITH_FRIENDS = re.compile(r"\bwith\s+(\d{1,2}|" + "|".join(NUMBERS) + r")\s+(?:friends|others)")
_AREA = re.compile(
    r"\b(?:in|near|around|at|close to)\s+((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,3})"
)


@dataclass
class Query:
    cuisines: list[str] = field(default_factory=list)
    area: str | None = None
    budget_tier: int | None = None
    budget_amount: float | None = None
    vibes: list[str] = field(default_factory=list)
    party_size: int | None = None
    exclude_allergens: list[str] = field(default_factory=list)
    ui_type: str = "restaurant_list"
    names: list[str] = field(default_factory=list)  # restaurants named for a comparison
    intent: bool = False
    strategy: str = "naive"

    @property
    def clarification_needed(self) -> bool:
        return not self.intent

    def as_dict(self) -> dict:
        out = asdict(self)
        out["clarification_needed"] = self.clarification_needed
        return out


def amount_to_tier(amount: float, currency: str | None) -> int:
    """A price ceiling as a tier. Rupee amounts (the seed's ₹1500 for two) and dollar ones
    have their own scales; an amount with no currency ≥ 200 is read as rupees."""
    rupees = currency in ("₹", "rs", "rs.", "inr") or (currency is None and amount >= 200)
    bounds = (500, 1500, 3000) if rupees else (15, 40, 80)
    for tier, bound in enumerate(bounds, start=1):
        if amount <= bound:
            return tier
    return 4


def _number(text: str) -> int | None:
    text = text.lower()
    if text.isdigit():
        return int(text)
    return NUMBERS.get(text)


def _allergens_in_phrase(phrase: str) -> list[str]:
    """The allergens named in a short phrase ("peanuts", "nuts or dairy")."""
    found = []
    for part in re.split(r"\s*(?:,|/|\bor\b|\bnor\b|\band\b|&)\s*", phrase.lower()):
        part = re.sub(r"^(?:no|not|without|any|avoid|nor)\s+", "", part.strip(" -"))
        words = part.split()
        # "peanuts please" → try the longest prefix that names an allergen.
        for size in range(len(words), 0, -1):
            name = normalize(" ".join(words[:size]))
            if name:
                found.append(name)
                break
    return found


def exclusions(message: str) -> list[str]:
    found: list[str] = []
    for regex in (_EXCLUDE, _FREE, _ALLERGY_NOUN):
        for match in regex.finditer(message):
            for name in _allergens_in_phrase(match.group(1)):
                if name not in found:
                    found.append(name)
    return found


def decompose(
    message: str,
    history: Iterable[dict] = (),
    *,
    known_cuisines: Iterable[str] = (),
    known_areas: Iterable[str] = (),
) -> Query:
    """The offline decomposition of ``message``, completed from the user's earlier turns."""
    query = _parse(message, known_cuisines, known_areas)
    earlier = [
        h.get("content", "") for h in list(history)[-HISTORY_TURNS:] if h.get("role") == "user"
    ]
    for text in reversed(earlier):  # most recent first
        before = _parse(text, known_cuisines, known_areas)
        query.cuisines = query.cuisines or before.cuisines
        query.area = query.area or before.area
        if query.budget_tier is None:
            query.budget_tier, query.budget_amount = before.budget_tier, before.budget_amount
        query.vibes = query.vibes or before.vibes
        query.party_size = query.party_size or before.party_size
        query.exclude_allergens += [
            a for a in before.exclude_allergens if a not in query.exclude_allergens
        ]
    return query


def _parse(message: str, known_cuisines: Iterable[str], known_areas: Iterable[str]) -> Query:
    text = " ".join(message.split())
    low = text.lower()
    words = set(re.findall(r"[a-z']+", low))
    q = Query()
    q.exclude_allergens = exclusions(text)
    excluded_spans = " ".join(m.group(0).lower() for m in _EXCLUDE.finditer(text))
    vocabulary = {normalize_cuisine(c) for c in (*CUISINES, *known_cuisines) if c}
    for cuisine in sorted(vocabulary, key=len, reverse=True):
        pattern = rf"\b{re.escape(cuisine)}\b"
        mentioned = re.search(pattern, low) and not re.search(pattern, excluded_spans)
        if cuisine and mentioned and cuisine not in q.cuisines:
            q.cuisines.append(cuisine)
    for dish, cuisine in DISHES.items():
        if re.search(rf"\b{re.escape(dish)}\b", low) and cuisine not in q.cuisines:
            q.cuisines.append(cuisine)
    # Longer names first, so "indian" does not also claim a "south indian" mention.
    q.cuisines = [c for c in q.cuisines if not any(c != o and c in o for o in q.cuisines)]
    for area in sorted({a for a in known_areas if a}, key=len, reverse=True):
        if re.search(rf"\b{re.escape(area.lower())}\b", low):
            q.area = area
            break
    if q.area is None:
        match = _AREA.search(text)
        if match and normalize_cuisine(match.group(1)) not in vocabulary:
            q.area = match.group(1).strip(" .,")
    amount = _AMOUNT.search(text)
    if amount:
        value = float(amount.group(2).replace(",", "")) * (1000 if amount.group(3) else 1)
        currency = (amount.group(1) or "").lower().rstrip(".") or None
        q.budget_amount, q.budget_tier = value, amount_to_tier(value, currency)
    else:
        symbols = re.search(r"(?<!\S)(\${1,4})(?!\S)", text)
        if symbols:
            q.budget_tier = price_tier_of(symbols.group(1))
        else:
            for phrase, tier in _BUDGET_WORDS.items():
                if re.search(rf"\b{phrase}\b", low):
                    q.budget_tier = tier
                    break
    for word in sorted(words | {p for p in ("fine dining", "kid friendly") if p in low}):
        vibe = vibe_of(word)
        if vibe and vibe not in q.vibes:
            q.vibes.append(vibe)
    if "date" in words and "romantic" not in q.vibes:
        q.vibes.append("romantic")
    party = _PARTY.search(text) or _WITH_FRIENDS.search(low)
    if party:
        n = _number(party.group(1))
        if n and 1 <= n <= 50:
            q.party_size = n + (1 if party.re is _WITH_FRIENDS else 0)
    if re.search(r"\b(map|where (?:is|are)|near me|nearby|directions)\b", low):
        q.ui_type = "map_view"
    if re.search(r"\b(compare|comparison|versus|vs\.?|which is better)\b", low):
        q.ui_type = "comparison_chart"
        body = re.sub(r"^\s*(?:please\s+)?(?:compare|comparison of)\s+", "", text, flags=re.I)
        q.names = [n.strip() for n in re.split(r"\s+(?:vs\.?|versus|and|or)\s+|,", body) if n]
    q.intent = bool(
        q.cuisines
        or q.area
        or q.budget_tier
        or q.vibes
        or q.party_size
        or q.exclude_allergens
        or words & INTENT_WORDS
    )
    return q


# --- the LLM's decomposition -----------------------------------------------------------------

SYSTEM = (
    "You turn a restaurant request into search parameters. Answer one JSON object with the "
    "keys: cuisines (list of cuisine names), area (string or null), budget_tier (1-4 or null), "
    "vibes (list from: romantic, quiet, lively, family, casual, upscale, outdoor), party_size "
    "(integer or null), exclude_allergens (allergens the user wants to avoid, as named), "
    "ui_type (restaurant_list, map_view, comparison_chart or text), clarification_needed "
    "(true when the message asks for nothing a restaurant search can answer). "
    "Use only what the conversation says."
)


def from_llm(answer: dict, offline: Query) -> Query:
    """The LLM's answer, validated field by field; offline exclusions always kept."""

    def strings(value, limit=10) -> list[str]:
        if not isinstance(value, list):
            return []
        return [str(v).strip()[:60] for v in value[:limit] if str(v).strip()]

    q = Query(strategy="openai")
    q.cuisines = [normalize_cuisine(c) for c in strings(answer.get("cuisines"))]
    area = answer.get("area")
    q.area = str(area).strip()[:100] if isinstance(area, str) and area.strip() else None
    tier = answer.get("budget_tier")
    q.budget_tier = tier if isinstance(tier, int) and 1 <= tier <= 4 else offline.budget_tier
    q.budget_amount = offline.budget_amount
    q.vibes = [v for v in map(vibe_of, strings(answer.get("vibes"))) if v]
    party = answer.get("party_size")
    q.party_size = party if isinstance(party, int) and 1 <= party <= 50 else offline.party_size
    named = [normalize(a) for a in strings(answer.get("exclude_allergens"), 20)]
    q.exclude_allergens = list(dict.fromkeys([*offline.exclude_allergens, *filter(None, named)]))
    ui = answer.get("ui_type")
    q.ui_type = ui if ui in UI_TYPES else offline.ui_type
    q.names = offline.names
    q.intent = not bool(answer.get("clarification_needed")) or offline.intent
    return q


def prompt(message: str, history: Iterable[dict]) -> str:
    turns = [f"{h['role']}: {h['content']}" for h in list(history)[-HISTORY_TURNS:]]
    return "\n".join([*turns, f"user: {message}"])
