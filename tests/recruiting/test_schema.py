"""The recruiting migration creates exactly what the models describe, on both databases, and
every write to a job or candidate leaves a journal entry for the matching index."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from app.db import make_engine, session_scope
from app.models import Base
from app.models.recruiting import Candidate, IndexChange, IndexState, Job

# Both databases: migrations create what the models describe.
pytestmark = pytest.mark.both_databases


def test_migration_matches_models(platform, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()

    def table_of(diff) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if isinstance(name, str) and name.startswith("recruiting_"):
                return name
        return ""

    ours = [d for d in diffs if table_of(d).startswith("recruiting_")]
    assert ours == []


def test_writes_journal_rows_for_the_index_and_keep_identity_keys(api):
    with session_scope() as s:
        job = Job(org_id=api.user["org_id"], title="Backend Engineer")
        cand = Candidate(
            org_id=api.user["org_id"],
            full_name="Zoë Ångström",
            current_company="Acme, Inc.",
            email=" Zoe@Example.COM ",
            linkedin_url="https://www.linkedin.com/in/ZoeA/",
        )
        s.add_all([job, cand])
        s.flush()
        job_id, cand_id = job.id, cand.id
    with session_scope() as s:
        s.get(Candidate, cand_id).headline = "Staff engineer"
    with session_scope() as s:
        s.delete(s.get(Job, job_id))

    with session_scope() as s:
        version = s.scalar(
            select(IndexState.version).where(IndexState.org_id == api.user["org_id"])
        )
        changes = s.execute(
            select(IndexChange.version, IndexChange.entity, IndexChange.entity_id, IndexChange.op)
            .where(IndexChange.org_id == api.user["org_id"])
            .order_by(IndexChange.version, IndexChange.entity)
        ).all()
        cand = s.get(Candidate, cand_id)
        keys = (cand.email_key, cand.linkedin_key, cand.name_key)
    assert version == 3
    assert [tuple(c) for c in changes] == [
        (1, "candidate", cand_id, "upsert"),
        (1, "job", job_id, "upsert"),
        (2, "candidate", cand_id, "upsert"),
        (3, "job", job_id, "delete"),
    ]
    assert keys == ("zoe@example.com", "linkedin.com/in/zoea", "zoe angstrom|acme")
