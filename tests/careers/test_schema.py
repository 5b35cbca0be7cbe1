"""The careers migrations create exactly what the models describe, on both databases, and
revision 0004 (who moved an application) keeps the history recorded before it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.models import Base
from migrations import upgrade

# Both databases: migrations create what the models describe.
pytestmark = pytest.mark.both_databases

T0 = "2026-01-01 00:00:00.000000"


def _tables(diff) -> set[str]:
    names = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            table = getattr(part, "table", None)
            name = table.name if table is not None else getattr(part, "name", part)
            if isinstance(name, str):
                names.add(name)
    return names


def test_migration_matches_models(platform, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    ours = [d for d in diffs if any(n.startswith("careers_") for n in _tables(d))]
    assert ours == []


def test_history_recorded_before_0004_is_kept_with_an_unknown_actor(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003")
    engine = sa.create_engine(url)
    rows = [
        f"INSERT INTO orgs (id, name, created_at) VALUES ('o1', 'A', '{T0}')",
        "INSERT INTO users (id, org_id, email, password_hash, is_active, created_at) "
        f"VALUES ('u1', 'o1', 'a@example.com', 'h', 1, '{T0}')",
        "INSERT INTO careers_applications (id, org_id, owner_id, title, status, updated_at, "
        f"created_at) VALUES ('a1', 'o1', 'u1', 'Engineer', 'applied', '{T0}', '{T0}')",
        "INSERT INTO careers_application_events (id, application_id, from_status, to_status, "
        f"note, at) VALUES ('e1', 'a1', 'saved', 'applied', 'sent', '{T0}')",
    ]
    with engine.begin() as conn:
        for row in rows:
            conn.execute(sa.text(row))
    upgrade(url)
    with engine.begin() as conn:
        events = conn.execute(
            sa.text(
                "SELECT from_status, to_status, note, changed_by, changed_by_user_id "
                "FROM careers_application_events"
            )
        ).all()
    engine.dispose()
    assert events == [("saved", "applied", "sent", None, None)]
