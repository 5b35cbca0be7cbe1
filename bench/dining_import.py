"""dining_import: catalog rows imported per second, batched upsert vs row at a time.

The catalog: the UCI restaurant files where they lie (``BENCH_UCI_DIR`` or
``../shared/reference/restaurants/uci_restaurant_consumer``, 130 restaurants) plus N_SYNTHETIC
restaurants in the platform's JSON schema with MENU_ITEMS menu items each. Both sides start
from the same parsed rows (parsing is timed apart) and write to a fresh SQLite database (or
``BENCH_DATABASE_URL``):

* platform: the import task's own code — batches of 200, one read of the known external ids
  per batch, one transaction per batch (``workers.dining.intake.upsert``);
* baseline: what a straightforward importer does — per row, look the id up, insert or update,
  commit.

Each side imports twice: the first pass creates, the second updates (idempotence).
``ratio`` = platform rows/s ÷ baseline rows/s over both passes.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.common import MACHINE, ROOT, log, ratio

N_SYNTHETIC = int(os.environ.get("BENCH_DINING_IMPORT_ROWS", "3000"))
MENU_ITEMS = 5
DATA = Path(
    os.environ.get(
        "BENCH_UCI_DIR", ROOT.parent / "shared/reference/restaurants/uci_restaurant_consumer"
    )
)
CUISINES = ["Thai", "Italian", "Japanese", "Mexican", "Indian", "French", "Chinese", "Greek"]
DISHES = [
    ("Pad Thai", ["rice noodles", "peanuts", "egg", "fish sauce"]),
    ("Margherita", ["wheat flour", "tomato", "mozzarella", "basil"]),
    ("Salmon nigiri", ["rice", "salmon", "soy sauce"]),
    ("Paneer tikka", ["paneer", "yogurt", "spices"]),
    ("Green salad", ["lettuce", "cucumber", "olive oil"]),
]


def synthetic(n: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": f"syn-{i}",
                "name": f"Kitchen {i}",
                "cuisines": rng.sample(CUISINES, 2),
                "price_tier": rng.randint(1, 4),
                "rating": round(rng.uniform(2.5, 5), 1),
                "location": {"lat": rng.uniform(12.8, 13.1), "lon": rng.uniform(77.4, 77.8)},
                "area": f"Area {i % 40}",
                "city": "Bengaluru",
                "ambience": rng.sample(["quiet", "lively", "romantic", "family"], 2),
                "declared_allergens": rng.sample(["peanuts", "milk", "prawns", "gluten"], 1),
                "menu": [
                    {"name": name, "ingredients": ingredients, "price": rng.randint(100, 900)}
                    for name, ingredients in rng.sample(DISHES, MENU_ITEMS)
                ],
            }
        )
    return json.dumps({"restaurants": rows}).encode()


def files() -> dict[str, bytes]:
    out = {"catalog.json": synthetic(N_SYNTHETIC)}
    if (DATA / "geoplaces2.csv").exists():
        out.update({p.name: p.read_bytes() for p in DATA.glob("chefmoz*.csv")})
        out["geoplaces2.csv"] = (DATA / "geoplaces2.csv").read_bytes()
    else:
        log(f"UCI files not found at {DATA}: synthetic rows only")
    return out


def baseline_import(org_id: str, rows: list[dict]) -> None:
    from sqlalchemy import select

    from app.db import session_scope
    from app.models.dining import MenuItem, Restaurant
    from workers.dining.intake import FIELDS, _source

    for row in rows:
        with session_scope() as s:
            restaurant = s.scalar(
                select(Restaurant).where(
                    Restaurant.org_id == org_id, Restaurant.external_id == row["id"]
                )
            )
            if restaurant is None:
                restaurant = Restaurant(org_id=org_id, external_id=row["id"])
                s.add(restaurant)
            for name in FIELDS:
                setattr(restaurant, name, row.get(name))
            restaurant.source = _source(row)
            restaurant.updated_at = datetime.now(UTC)
            if row.get("menu") is not None:
                restaurant.menu_items.clear()
                restaurant.menu_items.extend(
                    MenuItem(position=i, **item) for i, item in enumerate(row["menu"])
                )


def platform_import(org_id: str, rows: list[dict]) -> tuple[int, int]:
    from workers.dining.intake import IMPORT_BATCH, upsert

    created = updated = 0
    for start in range(0, len(rows), IMPORT_BATCH):
        c, u = upsert(org_id, rows[start : start + IMPORT_BATCH])
        created, updated = created + c, updated + u
    return created, updated


def _new_org() -> str:
    from app.db import session_scope
    from app.models import Org

    with session_scope() as s:
        org = Org(name=f"bench-{uuid.uuid4().hex[:6]}")
        s.add(org)
        s.flush()
        return org.id


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def run() -> dict:
    from app.config import configure, get_settings, load_settings
    from app.db import init_engine
    from migrations import upgrade
    from workers.dining.importer import parse_files
    from workers.dining.intake import _dedupe

    with tempfile.TemporaryDirectory(prefix="kairos-bench-dining-import-") as tmp:
        env = dict(os.environ, KAIROS_VAR_DIR=tmp, KAIROS_ENV="development")
        env["KAIROS_DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite:///{Path(tmp) / 'bench.db'}"
        )
        configure(load_settings(env))
        upgrade(get_settings().database_url)
        init_engine(get_settings().database_url)

        upload = files()
        started = time.perf_counter()
        parsed = parse_files(upload)
        rows = _dedupe(parsed)
        parse_s = time.perf_counter() - started
        log(f"parsed {len(rows)} rows ({len(parsed.errors)} bad) in {parse_s:.2f}s")

        org = _new_org()
        first = _timed(platform_import, org, rows)
        second = _timed(platform_import, org, rows)
        log(f"platform: create {first:.2f}s, update {second:.2f}s")
        base_org = _new_org()
        base_first = _timed(baseline_import, base_org, rows)
        base_second = _timed(baseline_import, base_org, rows)
        log(f"baseline: create {base_first:.2f}s, update {base_second:.2f}s")

    n = len(rows)
    platform_rate = 2 * n / (first + second)
    baseline_rate = 2 * n / (base_first + base_second)
    return {
        "bench": "dining_import",
        "ratio": ratio(platform_rate, baseline_rate),
        "platform": {
            "rows_per_s": round(platform_rate, 1),
            "create_s": round(first, 2),
            "update_s": round(second, 2),
            "parse_s": round(parse_s, 2),
        },
        "baseline": {
            "rows_per_s": round(baseline_rate, 1),
            "create_s": round(base_first, 2),
            "update_s": round(base_second, 2),
        },
        "settings": {
            "rows": n,
            "uci_rows": sum(1 for r in rows if r.get("_source") == "uci"),
            "menu_items_per_synthetic_row": MENU_ITEMS,
            "batch": 200,
            "database": "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite",
            "machine": MACHINE,
        },
    }
