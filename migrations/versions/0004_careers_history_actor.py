"""careers application history: who made each status change

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("careers_application_events") as batch:
        batch.add_column(sa.Column("changed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("changed_by_user_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_careers_application_events_changed_by_user_id_users"),
            "users",
            ["changed_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("careers_application_events") as batch:
        batch.drop_constraint(
            batch.f("fk_careers_application_events_changed_by_user_id_users"), type_="foreignkey"
        )
        batch.drop_column("changed_by_user_id")
        batch.drop_column("changed_by")
