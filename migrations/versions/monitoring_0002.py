"""monitoring: compaction marks (how far minutes are folded into hours, hours into days)

The recorder now writes only checks and minute rollups; a beat job folds them into hour and
day rollups. A database upgraded with history already has complete hour and day rollups (the
recorder used to write all three grains), so the marks start at the current hour and day:
what lies before them is read from the coarse rows as before.

Revision ID: monitoring_0002
Revises: monitoring_0001
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "monitoring_0002"
down_revision = "monitoring_0001"
branch_labels = None
depends_on = None

UTC_DT = app.models.base.UTCDateTime


def upgrade() -> None:
    marks = op.create_table(
        "monitoring_compaction",
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("done_until", UTC_DT(), nullable=False),
        sa.Column("updated_at", UTC_DT(), nullable=False),
        sa.PrimaryKeyConstraint("grain", name=op.f("pk_monitoring_compaction")),
    )
    has_history = op.get_bind().execute(sa.text("SELECT 1 FROM monitoring_rollups LIMIT 1"))
    if has_history.first() is None:
        return  # a fresh database: nothing is folded yet, every bucket is read from minutes
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    op.bulk_insert(
        marks,
        [
            {"grain": "hour", "done_until": hour, "updated_at": now},
            {"grain": "day", "done_until": hour.replace(hour=0), "updated_at": now},
        ],
    )


def downgrade() -> None:
    op.drop_table("monitoring_compaction")
