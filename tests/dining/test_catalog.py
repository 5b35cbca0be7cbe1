"""Catalog parsing (no database): the platform's JSON/CSV schema and the UCI files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from workers.dining.catalog import ImportFailed, decode_text, read_upload
from workers.dining.importer import parse_files

FIXTURES = Path(__file__).parent / "fixtures" / "uci"
REFERENCE = (
    Path(__file__).resolve().parents[3] / "shared/reference/restaurants/uci_restaurant_consumer"
)


def uci_files(*names: str) -> dict[str, bytes]:
    chosen = names or tuple(p.name for p in FIXTURES.iterdir())
    return {name: (FIXTURES / name).read_bytes() for name in chosen}


def by_id(parsed) -> dict[str, dict]:
    return {r["id"]: r for r in parsed.restaurants}


def test_uci_files_become_restaurants_with_their_place_ids():
    parsed = parse_files(uci_files())
    assert parsed.sources == {"uci"}
    rows = by_id(parsed)
    assert set(rows) == {"900001", "900002", "900004"}
    terraza = rows["900001"]
    assert terraza["name"] == "La Terraza Azul"
    assert (terraza["lat"], terraza["lon"]) == (22.151, -100.976)
    assert terraza["city"] == "San Luis Potosi"  # "s.l.p." in the file
    assert terraza["price_tier"] == 3  # "high"
    assert terraza["ambience"] == ["quiet"]
    assert {"full bar", "formal", "smoking area", "accessible", "internet"} <= set(terraza["tags"])
    assert terraza["cuisines"] == ["Mediterranean", "Bar Pub Brewery"]
    assert terraza["hours"]["mon"] == ["13:00-23:30"]
    assert terraza["hours"]["sat"] == ["12:00-16:00", "18:00-23:30"]
    assert terraza["parking"] == ["valet parking"]
    assert terraza["payment"] == ["cash", "Visa", "Amex"]  # VISA and Visa are one card
    assert terraza["rating"] == pytest.approx(3.75)  # mean 1.5 on 0-2, onto 0-5
    assert terraza["attributes"]["space"] == "open"


def test_question_marks_mean_unknown_and_none_is_no_parking():
    memo = by_id(parse_files(uci_files()))["900002"]
    assert memo["address"] is None
    assert "zip" not in memo["attributes"]
    assert memo["parking"] == []
    assert memo["price_tier"] == 1
    assert memo["city"] == "Cuernavaca"
    kaze = by_id(parse_files(uci_files()))["900004"]
    assert kaze["city"] == "Ciudad Victoria"  # "victoria " with a trailing space
    assert kaze["rating"] is None


def test_a_bad_uci_row_is_reported_by_file_row_and_field_and_the_rest_imported():
    parsed = parse_files(uci_files())
    assert len(parsed.errors) == 1
    error = parsed.errors[0].as_dict()
    assert error["file"] == "geoplaces2.csv" and error["row"] == 4
    assert error["external_id"] == "900003"
    assert "lat" in error["errors"]
    # Side-file rows of places the upload does not list are counted, not errors.
    assert parsed.unmatched == {"chefmozcuisine.csv": 1}


def test_side_files_without_geoplaces2_are_refused():
    with pytest.raises(ImportFailed, match="geoplaces2.csv"):
        parse_files(uci_files("chefmozcuisine.csv"))


def test_text_that_is_not_utf8_is_read_as_windows_1252():
    assert decode_text("Café Olé".encode("cp1252")) == "Café Olé"
    assert decode_text("\ufeffplaceID".encode()) == "placeID"
    head, row = (FIXTURES / "geoplaces2.csv").read_text().splitlines()[:2]
    latin = f"{head}\n{row.replace('La Terraza Azul', 'Café Olé')}\n".encode("cp1252")
    parsed = parse_files({"geoplaces2.csv": latin})
    assert parsed.restaurants[0]["name"] == "Café Olé"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_of_the_uci_files_reads_like_the_files():
    archive = _zip({f"data/{k}": v for k, v in uci_files().items()})
    files = read_upload({"uci.zip": archive}, 1_000_000)
    assert set(files) == set(uci_files())
    assert set(by_id(parse_files(files))) == {"900001", "900002", "900004"}


def test_a_zip_bomb_stops_at_the_size_cap():
    bomb = _zip({"catalog.json": b" " * 5_000_000})
    assert len(bomb) < 50_000
    with pytest.raises(ImportFailed, match="exceed"):
        read_upload({"bomb.zip": bomb}, 1_000_000)


def test_a_zip_with_too_many_files_or_no_zip_at_all_is_refused():
    with pytest.raises(ImportFailed, match="more than"):
        read_upload({"many.zip": _zip({f"f{i}.csv": b"x" for i in range(60)})}, 1_000_000)
    with pytest.raises(ImportFailed, match="not a valid zip"):
        read_upload({"many.zip": b"PK\x03\x04 not really"}, 1_000_000)


CATALOG = {
    "restaurants": [
        {
            "id": "r-1",
            "name": "Bangkok Garden",
            "cuisines": ["Thai"],
            "price_tier": "$$",
            "rating": 4.4,
            "location": {"lat": 12.97, "lon": 77.59},
            "area": "Koramangala",
            "city": "Bengaluru",
            "ambience": ["lively"],
            "hours": {"Monday": ["11:00-22:00"]},
            "declared_allergens": ["Peanut", "prawns"],
            "menu": [
                {"name": "Pad Thai", "ingredients": ["rice noodles", "peanuts"], "price": 320},
                {"name": "Green curry", "ingredients": "coconut milk; basil", "price": 380},
            ],
        },
        {"external_id": 42, "name": "Numbered", "price": "low", "latitude": 1, "longitude": 2},
        {
            "id": "r-bad",
            "name": "Too Pricey",
            "price_tier": 9,
            "declared_allergens": ["kryptonite"],
        },
        {"name": "No id"},
    ]
}


def test_the_platform_json_schema_with_aliases_menus_and_canonical_allergens():
    parsed = parse_files({"catalog.json": json.dumps(CATALOG).encode()})
    rows = by_id(parsed)
    garden = rows["r-1"]
    assert garden["price_tier"] == 2
    assert (garden["lat"], garden["lon"]) == (12.97, 77.59)
    assert garden["declared_allergens"] == ["peanuts", "crustacean shellfish"]
    assert garden["hours"] == {"mon": ["11:00-22:00"]}
    assert [m["name"] for m in garden["menu"]] == ["Pad Thai", "Green curry"]
    assert garden["menu"][1]["ingredients"] == ["coconut milk", "basil"]
    numbered = rows["42"]
    assert (numbered["price_tier"], numbered["lat"], numbered["lon"]) == (1, 1.0, 2.0)


def test_bad_json_rows_are_reported_with_their_fields():
    rows = {"restaurants": [*CATALOG["restaurants"], "not an object"]}
    errors = {e.row: e for e in parse_files({"c.json": json.dumps(rows).encode()}).errors}
    assert set(errors) == {3, 4, 5}
    assert errors[3].external_id == "r-bad"
    assert {"price_tier", "declared_allergens"} <= set(errors[3].errors)
    assert "kryptonite" in str(errors[3].errors["declared_allergens"])
    assert "id" in errors[4].errors
    assert errors[5].errors


def test_the_platform_csv_schema_splits_list_columns_and_reads_a_json_menu():
    text = (
        "id,name,cuisines,price_tier,lat,lon,area,declared_allergens,menu,colour\n"
        "c-1,Trattoria,Italian;Pizzeria,$$$,45.1,9.2,Brera,milk|wheat,"
        '"[{""name"": ""Margherita""}]",red\n'
        "c-2,,Italian,2,,,,,,\n"
    )
    parsed = parse_files({"places.csv": text.encode()})
    trattoria = by_id(parsed)["c-1"]
    assert trattoria["cuisines"] == ["Italian", "Pizzeria"]
    assert trattoria["price_tier"] == 3
    assert trattoria["declared_allergens"] == ["milk", "wheat"]
    assert trattoria["menu"][0]["name"] == "Margherita"
    assert parsed.ignored_fields == {"colour"}
    assert [(e.row, list(e.errors)) for e in parsed.errors] == [(3, ["name"])]


def test_an_upload_with_nothing_recognizable_is_refused():
    with pytest.raises(ImportFailed, match="No catalog file"):
        parse_files({"notes.txt": b"hello"})
    with pytest.raises(ImportFailed, match="not valid JSON"):
        parse_files({"c.json": b"{nope"})


def test_the_published_uci_files_parse_completely():
    if not (REFERENCE / "geoplaces2.csv").exists():
        pytest.skip(f"UCI reference files not found at {REFERENCE}")
    files = {p.name: p.read_bytes() for p in REFERENCE.glob("*.csv")}
    parsed = parse_files(files)
    assert len(parsed.restaurants) == 130
    assert parsed.errors == []
    assert sorted(parsed.skipped_files) == ["usercuisine.csv", "userpayment.csv", "userprofile.csv"]
    rows = by_id(parsed)
    assert all(r["lat"] is not None and r["lon"] is not None for r in rows.values())
    assert sum(1 for r in rows.values() if r["cuisines"]) >= 90
    assert {r["city"] for r in rows.values()} >= {
        "San Luis Potosi",
        "Cuernavaca",
        "Ciudad Victoria",
    }
