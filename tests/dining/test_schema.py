"""The dining migration creates exactly what the dining models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.models import Base

# Both databases: migrations create what the models describe.
pytestmark = pytest.mark.both_databases


def _dining(name, type_, parent_names):
    table = name if type_ == "table" else parent_names.get("table_name")
    return table is None or str(table).startswith("dining_")


def test_dining_models_and_migration_agree(platform, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_name": _dining})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    dining_diff = [d for d in diff if "dining_" in repr(d)]
    assert dining_diff == []
