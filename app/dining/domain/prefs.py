"""Taste preferences: the known keys, their vocabularies, and the deep merge.

The merge (PATCH /users/{uid}/preferences): objects merge key by key, arrays are unioned
(existing order first, then new items, no duplicates; strings compare case-insensitively),
scalars are replaced, and ``null`` removes a key (as in JSON Merge Patch), which is the way
to shrink an array: clear it, then send what should stay.
"""

from __future__ import annotations

import copy
import json

PRICE_TIERS = ("$", "$$", "$$$", "$$$$")
DIETARY = (
    "vegetarian",
    "vegan",
    "pescatarian",
    "eggetarian",
    "jain",
    "halal",
    "kosher",
    "gluten-free",
    "dairy-free",
    "nut-free",
    "low-carb",
    "keto",
    "paleo",
    "low-sodium",
    "diabetic",
)
# Cuisine names are free text (a catalog names its own), so a list is bounded by the largest
# cuisine vocabulary a user may list in full, never below it: UCI's restaurant data names 103
# cuisines among its users' favourites, and one of its users lists every one.
MAX_CUISINES = 200
LIST_KEYS = ("dietary", "vibes", "cuisine_affinity", "cuisine_aversion", "price_comfort")
MAX_EXTRA_BYTES = 8192


def normalize_dietary(value: str) -> str | None:
    key = "-".join(value.lower().replace("_", " ").replace("-", " ").split())
    return key if key in DIETARY else None


def _dedupe_key(item):
    if isinstance(item, str):
        return ("s", item.casefold())
    return ("j", json.dumps(item, sort_keys=True, default=str))


def union(existing: list, new: list) -> list:
    """Existing items, then new ones not already present, in order."""
    seen = set()
    out = []
    for item in list(existing) + list(new):
        key = _dedupe_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def deep_merge(base: dict, patch: dict) -> dict:
    """A new dict: ``patch`` merged into ``base`` (neither is modified)."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = union(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def dietary_flags(preferences: dict) -> list[str]:
    return [d for d in preferences.get("dietary") or [] if isinstance(d, str)]
