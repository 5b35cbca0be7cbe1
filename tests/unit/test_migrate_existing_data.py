"""Upgrading a database that already holds data keeps it: users keep their roles (now as
memberships), and rebuilding a table on SQLite cascades nothing into the tables that
reference it."""

from __future__ import annotations

import sqlalchemy as sa

from migrations import upgrade

T0 = "2026-01-01 00:00:00.000000"


def test_users_of_a_0002_database_become_members_and_their_tasks_keep_their_owner(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO orgs (id, name, created_at) VALUES ('o1', 'A', '{T0}')"))
        conn.execute(
            sa.text(
                "INSERT INTO users (id, org_id, email, password_hash, role, is_active, created_at) "
                f"VALUES ('u1', 'o1', 'a@example.com', 'h', 'admin', 1, '{T0}')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO tasks (id, org_id, owner_id, caller, kind, queue, params, state, "
                "progress, attempts, retries, created_at, updated_at) VALUES ('t1', 'o1', 'u1', "
                f"'user:u1', 'platform.diagnostic', 'default', '{{}}', 'succeeded', 100, 1, 0, "
                f"'{T0}', '{T0}')"
            )
        )
    upgrade(url)
    with engine.begin() as conn:
        members = conn.execute(sa.text("SELECT org_id, user_id, role FROM memberships")).all()
        owners = conn.execute(sa.text("SELECT owner_id FROM tasks")).all()
    engine.dispose()
    assert members == [("o1", "u1", "admin")]
    assert owners == [("u1",)]
