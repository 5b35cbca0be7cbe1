"""blobs: bytes one process leaves for another (uploads, index snapshots)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_DT = app.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_blobs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )
    op.create_index(op.f("ix_blobs_expires_at"), "blobs", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_blobs_expires_at"), table_name="blobs")
    op.drop_table("blobs")
