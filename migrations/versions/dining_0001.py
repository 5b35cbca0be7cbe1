"""dining: profiles, allergies, restaurants and menus, interactions, daily feeds, chat history

Revision ID: dining_0001
Revises: 0002
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "dining_0001"
down_revision = "0002"
branch_labels = ("dining",)
depends_on = None

UTC = app.models.base.UTCDateTime


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
    )


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"],
        ["dining_users.id"],
        name=op.f(f"fk_{table}_user_id_dining_users"),
        ondelete="CASCADE",
    )


def _restaurant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["restaurant_id"],
        ["dining_restaurants.id"],
        name=op.f(f"fk_{table}_restaurant_id_dining_restaurants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "dining_users",
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("dietary_flags", sa.JSON(), nullable=False),
        sa.Column("interaction_count", sa.Integer(), nullable=False),
        sa.Column("last_active_at", UTC(timezone=True), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("dining_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_users")),
        sa.UniqueConstraint("org_id", "uid", name="uq_dining_users_org_uid"),
    )
    op.create_index(op.f("ix_dining_users_org_id"), "dining_users", ["org_id"], unique=False)

    op.create_table(
        "dining_restaurants",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("cuisines", sa.JSON(), nullable=False),
        sa.Column("price_tier", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("area", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("ambience", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("parking", sa.JSON(), nullable=False),
        sa.Column("payment", sa.JSON(), nullable=False),
        sa.Column("declared_allergens", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("dining_restaurants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_restaurants")),
        sa.UniqueConstraint("org_id", "external_id", name="uq_dining_restaurants_org_external"),
    )
    op.create_index(
        op.f("ix_dining_restaurants_org_id"), "dining_restaurants", ["org_id"], unique=False
    )

    op.create_table(
        "dining_allergies",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("allergen", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _user_fk("dining_allergies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_allergies")),
        sa.UniqueConstraint("user_id", "allergen", name="uq_dining_allergies_user_allergen"),
    )
    op.create_index(
        op.f("ix_dining_allergies_user_id"), "dining_allergies", ["user_id"], unique=False
    )

    op.create_table(
        "dining_chat_messages",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _user_fk("dining_chat_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_chat_messages")),
    )
    op.create_index(
        "ix_dining_chat_messages_user_created",
        "dining_chat_messages",
        ["user_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "dining_feeds",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("feed_date", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("generated_at", UTC(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        _user_fk("dining_feeds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_feeds")),
        sa.UniqueConstraint("user_id", "feed_date", name="uq_dining_feeds_user_date"),
    )

    op.create_table(
        "dining_interactions",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("restaurant_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("rating_scale", sa.String(length=8), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _org_fk("dining_interactions"),
        _restaurant_fk("dining_interactions"),
        _user_fk("dining_interactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_interactions")),
    )
    op.create_index(
        op.f("ix_dining_interactions_org_id"), "dining_interactions", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_dining_interactions_restaurant_id"),
        "dining_interactions",
        ["restaurant_id"],
        unique=False,
    )
    op.create_index(
        "ix_dining_interactions_user_created",
        "dining_interactions",
        ["user_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "dining_menu_items",
        sa.Column("restaurant_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("ingredients", sa.JSON(), nullable=False),
        sa.Column("declared_allergens", sa.JSON(), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        _restaurant_fk("dining_menu_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_menu_items")),
    )
    op.create_index(
        op.f("ix_dining_menu_items_restaurant_id"),
        "dining_menu_items",
        ["restaurant_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("dining_menu_items")
    op.drop_table("dining_interactions")
    op.drop_table("dining_feeds")
    op.drop_table("dining_chat_messages")
    op.drop_table("dining_allergies")
    op.drop_table("dining_restaurants")
    op.drop_table("dining_users")
