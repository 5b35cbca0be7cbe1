"""The monitoring migration creates exactly what the monitoring models describe (its tables,
and the slug it adds to orgs)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.models import Base

# Both databases: migrations create what the models describe.
pytestmark = pytest.mark.both_databases


def _table_is_ours(table: str | None) -> bool:
    return table is None or table.startswith("monitoring_") or table == "orgs"


def _ours(name, type_, parent_names):
    return _table_is_ours(name if type_ == "table" else parent_names.get("table_name"))


def _ours_object(obj, name, type_, reflected, compare_to):
    table = getattr(obj, "table", None)
    return _table_is_ours(name if type_ == "table" else getattr(table, "name", None))


def test_monitoring_models_and_migration_agree(platform, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={"include_name": _ours, "include_object": _ours_object, "compare_type": True},
            )
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_orgs_existing_before_the_migration_get_a_unique_slug(tmp_path):
    import sqlalchemy as sa

    from migrations import upgrade

    url = f"sqlite:///{tmp_path / 'slugs.db'}"
    upgrade(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for org_id, name in (("a1b2c3d4-0000", "Acme Café"), ("e5f6a7b8-0000", "Acme Café")):
                conn.execute(
                    sa.text("INSERT INTO orgs (id, name, created_at) VALUES (:id, :n, :t)"),
                    {"id": org_id, "n": name, "t": "2026-01-01 00:00:00"},
                )
        upgrade(url, "monitoring_0001")
        with engine.connect() as conn:
            slugs = sorted(conn.execute(sa.text("SELECT slug FROM orgs")).scalars())
    finally:
        engine.dispose()
    assert slugs == ["acme-cafe-a1b2c3d4", "acme-cafe-e5f6a7b8"]
