"""monitoring: resources, checks, rollups, groups, announcements, notification channels;
orgs.slug for public URLs

Revision ID: monitoring_0001
Revises: 0002
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "monitoring_0001"
down_revision = "0002"
branch_labels = ("monitoring",)
depends_on = None

UTC = app.models.base.UTCDateTime
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
    )


def _resource_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["resource_id"],
        ["monitoring_resources.id"],
        name=op.f(f"fk_{table}_resource_id_monitoring_resources"),
        ondelete=ondelete,
    )


def _slug(name: str, org_id: str) -> str:
    # Frozen copy of the rule at the time of this revision (app code may move on).
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "org"
    return f"{base}-{org_id.replace('-', '')[:8]}"


def upgrade() -> None:
    # A plain ADD COLUMN and a separate unique index: SQLite does both in place, without
    # the table rebuild a unique constraint would need (orgs is every tenant table's parent).
    op.add_column("orgs", sa.Column("slug", sa.String(length=80), nullable=True))
    orgs = sa.table("orgs", sa.column("id", sa.String), sa.column("name", sa.String))
    conn = op.get_bind()
    for org_id, name in conn.execute(sa.select(orgs.c.id, orgs.c.name)).all():
        conn.execute(
            sa.text("UPDATE orgs SET slug = :slug WHERE id = :id"),
            {"slug": _slug(name, org_id), "id": org_id},
        )
    op.create_index(op.f("ix_orgs_slug"), "orgs", ["slug"], unique=True)

    op.create_table(
        "monitoring_resources",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("resource_type", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.Column("skip_tls", sa.Boolean(), nullable=False),
        sa.Column("recursive", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("current_status", sa.String(length=16), nullable=False),
        sa.Column("latest_check_status", sa.String(length=16), nullable=True),
        sa.Column("latest_message", sa.String(length=1000), nullable=True),
        sa.Column("latest_error_code", sa.String(length=64), nullable=True),
        sa.Column("latest_checked_at", UTC(timezone=True), nullable=True),
        sa.Column("latest_latency_ms", sa.Float(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("status_changed_at", UTC(timezone=True), nullable=True),
        sa.Column("cert_expires_at", UTC(timezone=True), nullable=True),
        sa.Column("next_due_at", UTC(timezone=True), nullable=False),
        sa.Column("locked_until", UTC(timezone=True), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("monitoring_resources"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_resources")),
    )
    op.create_index(
        "ix_monitoring_resources_org_created", "monitoring_resources", ["org_id", "created_at"]
    )
    op.create_index(
        "ix_monitoring_resources_due", "monitoring_resources", ["active", "next_due_at"]
    )

    op.create_table(
        "monitoring_checks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("cert_expires_at", UTC(timezone=True), nullable=True),
        sa.Column("checked_at", UTC(timezone=True), nullable=False),
        _resource_fk("monitoring_checks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_checks")),
    )
    op.create_index(
        "ix_monitoring_checks_resource_checked", "monitoring_checks", ["resource_id", "checked_at"]
    )
    op.create_index("ix_monitoring_checks_checked_at", "monitoring_checks", ["checked_at"])

    op.create_table(
        "monitoring_rollups",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("bucket_start", UTC(timezone=True), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("ups", sa.Integer(), nullable=False),
        sa.Column("downs", sa.Integer(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latency_count", sa.Integer(), nullable=False),
        sa.Column("latency_min", sa.Float(), nullable=True),
        sa.Column("latency_max", sa.Float(), nullable=True),
        _resource_fk("monitoring_rollups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_rollups")),
        sa.UniqueConstraint(
            "resource_id", "period", "bucket_start", name="uq_monitoring_rollups_bucket"
        ),
    )
    op.create_index(
        "ix_monitoring_rollups_period_bucket", "monitoring_rollups", ["period", "bucket_start"]
    )

    op.create_table(
        "monitoring_groups",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("monitoring_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_groups")),
        sa.UniqueConstraint("org_id", "name", name="uq_monitoring_groups_name"),
    )

    op.create_table(
        "monitoring_resource_groups",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        _resource_fk("monitoring_resource_groups"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["monitoring_groups.id"],
            name=op.f("fk_monitoring_resource_groups_group_id_monitoring_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "resource_id", "group_id", name=op.f("pk_monitoring_resource_groups")
        ),
    )
    op.create_index(
        op.f("ix_monitoring_resource_groups_group_id"), "monitoring_resource_groups", ["group_id"]
    )

    op.create_table(
        "monitoring_announcements",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("active_until", UTC(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("monitoring_announcements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_announcements")),
    )
    op.create_index(
        "ix_monitoring_announcements_org_created",
        "monitoring_announcements",
        ["org_id", "created_at"],
    )

    op.create_table(
        "monitoring_channels",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("cert_expiry_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("monitoring_channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_channels")),
    )
    op.create_index(op.f("ix_monitoring_channels_org_id"), "monitoring_channels", ["org_id"])

    op.create_table(
        "monitoring_notification_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("monitoring_notification_log"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["monitoring_channels.id"],
            name=op.f("fk_monitoring_notification_log_channel_id_monitoring_channels"),
            ondelete="CASCADE",
        ),
        _resource_fk("monitoring_notification_log", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_notification_log")),
    )
    op.create_index(
        "ix_monitoring_notification_log_channel",
        "monitoring_notification_log",
        ["channel_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("monitoring_notification_log")
    op.drop_table("monitoring_channels")
    op.drop_table("monitoring_announcements")
    op.drop_table("monitoring_resource_groups")
    op.drop_table("monitoring_groups")
    op.drop_table("monitoring_rollups")
    op.drop_table("monitoring_checks")
    op.drop_table("monitoring_resources")
    op.drop_index(op.f("ix_orgs_slug"), table_name="orgs")
    with op.batch_alter_table("orgs") as batch_op:
        batch_op.drop_column("slug")
