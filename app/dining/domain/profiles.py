"""Dining profiles as the API shows them, and the writes that keep derived data honest."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from app.dining.domain.prefs import PRICE_TIERS
from app.models.dining import DiningAllergy, DiningUser, Feed

SEVERITY_RANK = {"mild": 0, "moderate": 1, "severe": 2, "anaphylactic": 3}


def allergies_dict(user: DiningUser) -> dict:
    rows = sorted(user.allergies, key=lambda a: (-SEVERITY_RANK.get(a.severity, 0), a.allergen))
    return {
        "confirmed": [a.allergen for a in rows],
        "severity": {a.allergen: a.severity for a in rows},
        "details": [
            {"allergen": a.allergen, "severity": a.severity, "source": a.source} for a in rows
        ],
    }


def profile_dict(user: DiningUser) -> dict:
    """The seed's profile shape (plus details the seed leaves out: who wrote what, when)."""
    allergies = allergies_dict(user)
    return {
        "uid": user.uid,
        "email": user.email,
        "preferences": user.preferences or {},
        "allergies": allergies,
        "allergy_flags": allergies["confirmed"],
        "dietary_flags": list(user.dietary_flags or []),
        "interaction_count": user.interaction_count,
        "last_active_at": user.last_active_at,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def drop_feeds(session, user: DiningUser) -> int:
    """Forget the user's cached feeds: they were ranked and guarded with what just changed
    (an allergy above all), so the next request rebuilds instead of serving a stale list."""
    result = session.execute(delete(Feed).where(Feed.user_id == user.id))
    return result.rowcount or 0


def touch(user: DiningUser, active: bool = False) -> None:
    now = datetime.now(UTC)
    user.updated_at = now
    if active:
        user.last_active_at = now


def set_allergies(session, user: DiningUser, items: dict, replace: bool) -> None:
    """Write allergies: ``items`` is {canonical: {"severity": str|None, "source": str}}.

    A new allergy given without a severity is recorded as "severe": when the user has not
    said how bad it is, the guard must treat it as dangerous. PATCH keeps an existing
    allergy's severity unless a new one is given; PUT makes the list exactly ``items``.
    """
    existing = {a.allergen: a for a in user.allergies}
    if replace:
        for name, row in existing.items():
            if name not in items:
                user.allergies.remove(row)
                session.delete(row)
    for name, item in items.items():
        row = existing.get(name)
        if row is None:
            user.allergies.append(
                DiningAllergy(
                    allergen=name,
                    severity=item["severity"] or "severe",
                    source=(item["source"] or name)[:200],
                )
            )
        else:
            if item["severity"]:
                row.severity = item["severity"]
            elif replace:
                row.severity = row.severity or "severe"
            row.source = (item["source"] or row.source or name)[:200]


def summary_template(profile: dict) -> str:
    """A plain statement of the profile: every preference given and every allergy with its
    severity (nothing is left out, nothing is guessed)."""
    prefs = profile.get("preferences") or {}
    parts: list[str] = []

    def listed(values) -> str:
        values = [str(v) for v in values or [] if str(v).strip()]
        if len(values) <= 1:
            return "".join(values)
        return ", ".join(values[:-1]) + " and " + values[-1]

    if prefs.get("cuisine_affinity"):
        parts.append(f"You enjoy {listed(prefs['cuisine_affinity'])} food.")
    if prefs.get("cuisine_aversion"):
        parts.append(f"You avoid {listed(prefs['cuisine_aversion'])} food.")
    if prefs.get("vibes"):
        parts.append(f"You like places that feel {listed(prefs['vibes'])}.")
    prices = [p for p in prefs.get("price_comfort") or [] if p in PRICE_TIERS]
    if prices:
        ordered = sorted(set(prices), key=PRICE_TIERS.index)
        span = ordered[0] if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"
        parts.append(f"Your comfortable price range is {span}.")
    if profile.get("dietary_flags"):
        parts.append(f"Your diet: {listed(profile['dietary_flags'])}.")
    if prefs.get("max_distance_km") is not None:
        parts.append(f"You travel up to {prefs['max_distance_km']:g} km.")
    details = (profile.get("allergies") or {}).get("details") or []
    if details:
        said = listed(f"{d['allergen']} ({d['severity']})" for d in details)
        parts.append(
            f"You are allergic to {said}; recommendations are checked against "
            f"{'it' if len(details) == 1 else 'each of them'}."
        )
    else:
        parts.append("You have no recorded food allergies.")
    if len(parts) == 1:
        parts.insert(0, "You have not told us your tastes yet.")
    return " ".join(parts)
