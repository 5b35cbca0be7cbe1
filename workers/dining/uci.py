"""The UCI "Restaurant & consumer data" files, read as they are published.

``geoplaces2.csv`` holds the restaurants (one row per placeID: name, coordinates, address,
price low/medium/high, Rambience, alcohol, smoking, dress code...). Side files add rows per
placeID: ``chefmozcuisine.csv`` (Rcuisine), ``chefmozhours4.csv`` (hours "08:00-12:00;" for
days "Mon;Tue;"), ``chefmozparking.csv`` (parking_lot), ``chefmozaccepts.csv`` (Rpayment), and
optionally ``rating_final.csv`` (users' 0–2 ratings, averaged onto 0–5).

Facts about the data that the parser handles: ``?`` means unknown; city names are spelled a
dozen ways ("s.l.p.", "slp", "San Luis Potosi"); values drift from the README ("Wine-Beer" vs
"Wine_Beer", "valet parking" vs "valet_parking"); ``geoplaces2.csv`` is UTF-8 but a few names
already hold U+FFFD where the original Latin-1 letter was lost upstream (kept as they are:
the letter cannot be recovered); the side files cover placeIDs that geoplaces2.csv lacks
(counted as unmatched, not errors). The placeID is kept as the external id.
"""

from __future__ import annotations

from collections import defaultdict

from workers.dining.catalog import DAYS, ImportFailed, Parsed, RowError, add_rows, decode_text
from workers.dining.catalog import read_csv as _read_csv

PLACES = "geoplaces2.csv"
FILES = (PLACES, "chefmozcuisine.csv", "chefmozhours4.csv", "chefmozparking.csv",
         "chefmozaccepts.csv", "rating_final.csv")  # fmt: skip
CONSUMER_FILES = ("userprofile.csv", "usercuisine.csv", "userpayment.csv")
PRICE = {"low": 1, "medium": 2, "high": 3}
_CITIES = {
    "san luis potosi": "San Luis Potosi", "san luis potos": "San Luis Potosi",
    "slp": "San Luis Potosi", "s l p": "San Luis Potosi", "soledad": "Soledad",
    "cuernavaca": "Cuernavaca", "jiutepec": "Jiutepec", "victoria": "Ciudad Victoria",
    "cd victoria": "Ciudad Victoria", "ciudad victoria": "Ciudad Victoria",
}  # fmt: skip
_ALCOHOL = {"no_alcohol_served": None, "wine_beer": "wine & beer", "full_bar": "full bar"}
_PAYMENT = {"visa": "Visa", "mastercard_eurocard": "MasterCard", "american_express": "Amex",
            "bank_debit_cards": "debit card", "cash": "cash", "checks": "checks",
            "discover": "Discover", "diners_club": "Diners Club", "carte_blanche": "Carte Blanche",
            "japan_credit_bureau": "JCB", "gift_certificates": "gift certificates"}  # fmt: skip


def _val(row: dict, key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return None if value in ("", "?") else value


def _key(value: str) -> str:
    return "_".join(value.lower().replace("-", " ").replace("_", " ").split())


def city_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = " ".join(raw.lower().replace(".", " ").split())
    if key in ("city", ""):
        return None
    return _CITIES.get(key, raw.strip().title())


def _pretty(value: str) -> str:
    return value.replace("_", " ").strip()


def _read(files: dict[str, bytes], name: str, columns: tuple[str, ...]) -> list[dict] | None:
    data = next((d for n, d in files.items() if n.lower() == name), None)
    if data is None:
        return None
    rows = _read_csv(decode_text(data), name)
    if rows and not set(columns) <= set(rows[0]):
        raise ImportFailed(f"{name}: expected the columns {', '.join(columns)}")
    return rows


def _by_place(parsed: Parsed, name: str, rows: list[dict] | None, places: set[str], column: str):
    """{placeID: [values]} of a side file; rows of unknown places are counted, bad rows
    reported."""
    out: dict[str, list[str]] = defaultdict(list)
    for number, row in enumerate(rows or (), start=2):
        place, value = _val(row, "placeID"), _val(row, column)
        if place is None or value is None:
            parsed.errors.append(
                RowError(name, number, {column: ["placeID and a value needed"]}, place)
            )
            continue
        if place not in places:
            parsed.unmatched[name] = parsed.unmatched.get(name, 0) + 1
            continue
        out[place].append(value)
    return out


def _hours(parsed: Parsed, rows: list[dict] | None, places: set[str]) -> dict[str, dict]:
    name = "chefmozhours4.csv"
    out: dict[str, dict] = defaultdict(dict)
    for number, row in enumerate(rows or (), start=2):
        place, hours, days = _val(row, "placeID"), _val(row, "hours"), _val(row, "days")
        if place is None or hours is None or days is None:
            parsed.errors.append(
                RowError(name, number, {"hours": ["placeID, hours and days needed"]}, place)
            )
            continue
        if place not in places:
            parsed.unmatched[name] = parsed.unmatched.get(name, 0) + 1
            continue
        ranges = [h.strip() for h in hours.split(";") if h.strip()]
        for day in (d.strip().lower()[:3] for d in days.split(";") if d.strip()):
            if day in DAYS:
                slot = out[place].setdefault(day, [])
                slot.extend(r for r in ranges if r not in slot)
    return out


def _ratings(rows: list[dict] | None) -> dict[str, tuple[float, int]]:
    sums: dict[str, list[float]] = defaultdict(list)
    for row in rows or ():
        place, rating = _val(row, "placeID"), _val(row, "rating")
        try:
            sums[place].append(float(rating))
        except (TypeError, ValueError):
            continue
    # 0..2 onto 0..5, so UCI ratings sit on the same scale as the platform's.
    return {p: (round(sum(v) / len(v) * 2.5, 2), len(v)) for p, v in sums.items() if p}


def _dedupe(values) -> list[str]:
    seen, out = set(), []
    for v in values:
        if v and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


def _restaurant(row: dict, extra: dict) -> dict:
    place = _val(row, "placeID")
    price = _val(row, "price")
    alcohol = _ALCOHOL.get(_key(_val(row, "alcohol") or ""))
    smoking = _key(_val(row, "smoking_area") or "")
    dress = _val(row, "dress_code")
    access = _val(row, "accessibility")
    services = _val(row, "other_services")
    tags = [alcohol, dress if dress == "formal" else None,
            "smoking area" if smoking in ("permitted", "section", "only_at_bar") else None,
            "accessible" if access == "completely" else None,
            "internet" if services == "internet" else None,
            "franchise" if _val(row, "franchise") == "t" else None]  # fmt: skip
    attributes = {k: _val(row, k) for k in ("state", "country", "zip", "alcohol", "smoking_area",
                                            "dress_code", "accessibility", "url", "franchise",
                                            "other_services")}  # fmt: skip
    attributes["space"] = _val(row, "area")  # UCI "area" is open/closed seating, not a district
    rating = extra["ratings"].get(place)
    if rating:
        attributes["rating_count"] = rating[1]
    return {
        "id": place,
        "name": _val(row, "name"),
        "lat": _val(row, "latitude"),
        "lon": _val(row, "longitude"),
        "address": _val(row, "address"),
        "city": city_name(_val(row, "city")),
        "price_tier": PRICE.get((price or "").lower(), price),
        "rating": rating[0] if rating else None,
        "ambience": [_val(row, "Rambience")] if _val(row, "Rambience") else [],
        "tags": [t for t in tags if t],
        "attributes": {k: v for k, v in attributes.items() if v is not None},
        "cuisines": _dedupe(_pretty(c) for c in extra["cuisines"].get(place, [])),
        "hours": extra["hours"].get(place, {}),
        "parking": _dedupe(_pretty(p) for p in extra["parking"].get(place, []) if p != "none"),
        "payment": _dedupe(
            _PAYMENT.get(_key(p), _pretty(p)) for p in extra["payment"].get(place, [])
        ),
    }


def parse(parsed: Parsed, files: dict[str, bytes]) -> None:
    """Add the restaurants of the UCI files in ``files`` to ``parsed``."""
    places_rows = _read(files, PLACES, ("placeID", "latitude", "longitude", "name"))
    if places_rows is None:
        raise ImportFailed(f"The UCI side files need {PLACES}, which lists the restaurants")
    parsed.sources.add("uci")
    places = {p for p in (_val(r, "placeID") for r in places_rows) if p}
    extra = {
        "cuisines": _by_place(parsed, "chefmozcuisine.csv",
                              _read(files, "chefmozcuisine.csv", ("placeID", "Rcuisine")),
                              places, "Rcuisine"),
        "parking": _by_place(parsed, "chefmozparking.csv",
                             _read(files, "chefmozparking.csv", ("placeID", "parking_lot")),
                             places, "parking_lot"),
        "payment": _by_place(parsed, "chefmozaccepts.csv",
                             _read(files, "chefmozaccepts.csv", ("placeID", "Rpayment")),
                             places, "Rpayment"),
        "hours": _hours(parsed, _read(files, "chefmozhours4.csv", ("placeID", "hours", "days")),
                        places),
        "ratings": _ratings(_read(files, "rating_final.csv", ("placeID", "rating"))),
    }  # fmt: skip
    rows = [_restaurant(r, extra) for r in places_rows]
    start = len(parsed.restaurants)
    add_rows(parsed, PLACES, rows, 2)
    for restaurant in parsed.restaurants[start:]:
        restaurant["_source"] = "uci"
