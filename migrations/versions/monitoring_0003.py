"""monitoring: Resource Discovery (rules, and the monitors each one created)

Revision ID: monitoring_0003
Revises: monitoring_0002
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "monitoring_0003"
down_revision = "monitoring_0002"
branch_labels = None
depends_on = None

UTC = app.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "monitoring_discovery_rules",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("namespace", sa.String(length=300), nullable=False),
        sa.Column("recursive", sa.Boolean(), nullable=False),
        sa.Column("skip_tls", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("check_interval", sa.Integer(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("next_run_at", UTC(timezone=True), nullable=False),
        sa.Column("last_run_at", UTC(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_message", sa.String(length=1000), nullable=True),
        sa.Column("last_error_code", sa.String(length=64), nullable=True),
        sa.Column("last_repositories", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_monitoring_discovery_rules_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_discovery_rules")),
    )
    op.create_index(
        op.f("ix_monitoring_discovery_rules_org_id"),
        "monitoring_discovery_rules",
        ["org_id"],
        unique=False,
    )
    op.create_index(
        "ix_monitoring_discovery_rules_due",
        "monitoring_discovery_rules",
        ["enabled", "next_run_at"],
        unique=False,
    )
    op.create_table(
        "monitoring_discovered",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("gone_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["monitoring_resources.id"],
            name=op.f("fk_monitoring_discovered_resource_id_monitoring_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["monitoring_discovery_rules.id"],
            name=op.f("fk_monitoring_discovered_rule_id_monitoring_discovery_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_monitoring_discovered")),
        sa.UniqueConstraint("rule_id", "key", name="uq_monitoring_discovered_key"),
    )


def downgrade() -> None:
    op.drop_table("monitoring_discovered")
    op.drop_index("ix_monitoring_discovery_rules_due", table_name="monitoring_discovery_rules")
    op.drop_index(
        op.f("ix_monitoring_discovery_rules_org_id"), table_name="monitoring_discovery_rules"
    )
    op.drop_table("monitoring_discovery_rules")
