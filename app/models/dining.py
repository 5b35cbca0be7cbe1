"""Dining workload tables (seed 003): taste profiles, allergies, a restaurant catalog with
menus, what users did, the daily feeds built from all of that, and the chat history.

A dining profile is not a platform account: the org's own backend provisions one per
end-user ``uid`` (a UUID string), so profiles are org records keyed by ``(org_id, uid)``.
Everything hanging off a profile cascades with it (interactions, feeds, chat, allergies).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow

SEVERITIES = ("mild", "moderate", "severe", "anaphylactic")
INTERACTION_KINDS = ("viewed", "liked", "visited", "dismissed", "rated")
RATING_SCALES = ("0-2", "1-5")
CHAT_ROLES = ("user", "assistant")


class OrgMixin:
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True
    )


class DiningUser(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "dining_users"
    __table_args__ = (UniqueConstraint("org_id", "uid", name="uq_dining_users_org_uid"),)

    uid: Mapped[str] = mapped_column(String(36), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    preferences: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    dietary_flags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    interaction_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    allergies: Mapped[list[DiningAllergy]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DiningAllergy.allergen",
    )


class DiningAllergy(IdMixin, TimestampMixin, Base):
    __tablename__ = "dining_allergies"
    __table_args__ = (
        UniqueConstraint("user_id", "allergen", name="uq_dining_allergies_user_allergen"),
    )

    user_id: Mapped[str] = mapped_column(
        ForeignKey("dining_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    allergen: Mapped[str] = mapped_column(String(40), nullable=False)  # canonical name
    severity: Mapped[str] = mapped_column(String(16), nullable=False, default="moderate")
    # What the caller wrote ("prawns"), kept so a normalization can be audited.
    source: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[DiningUser] = relationship(back_populates="allergies")


class Restaurant(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "dining_restaurants"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id", name="uq_dining_restaurants_org_external"),
    )

    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    cuisines: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    price_tier: Mapped[int | None] = mapped_column(Integer)  # 1..4 ($..$$$$)
    rating: Mapped[float | None] = mapped_column(Float)  # 0..5
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    area: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    ambience: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Source attributes that have no column of their own (alcohol, dress code, smoking...).
    attributes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    hours: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    parking: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    payment: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    declared_allergens: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="json")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    menu_items: Mapped[list[MenuItem]] = relationship(
        back_populates="restaurant",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MenuItem.position",
    )


class MenuItem(IdMixin, Base):
    __tablename__ = "dining_menu_items"

    restaurant_id: Mapped[str] = mapped_column(
        ForeignKey("dining_restaurants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    ingredients: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    declared_allergens: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    price: Mapped[float | None] = mapped_column(Float)

    restaurant: Mapped[Restaurant] = relationship(back_populates="menu_items")


class Interaction(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "dining_interactions"
    __table_args__ = (Index("ix_dining_interactions_user_created", "user_id", "created_at"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("dining_users.id", ondelete="CASCADE"), nullable=False
    )
    restaurant_id: Mapped[str] = mapped_column(
        ForeignKey("dining_restaurants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    rating: Mapped[float | None] = mapped_column(Float)  # as given, on ``rating_scale``
    rating_scale: Mapped[str | None] = mapped_column(String(8))

    @property
    def rating_unit(self) -> float | None:
        """The rating mapped onto 0..1 whatever its scale (0-2 or 1-5)."""
        if self.rating is None:
            return None
        if self.rating_scale == "0-2":
            return self.rating / 2.0
        return (self.rating - 1.0) / 4.0


class Feed(IdMixin, Base):
    __tablename__ = "dining_feeds"
    __table_args__ = (UniqueConstraint("user_id", "feed_date", name="uq_dining_feeds_user_date"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("dining_users.id", ondelete="CASCADE"), nullable=False
    )
    feed_date: Mapped[date] = mapped_column(Date, nullable=False)
    items: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    meta: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    task_id: Mapped[str | None] = mapped_column(String(36))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ChatMessage(IdMixin, TimestampMixin, Base):
    __tablename__ = "dining_chat_messages"
    __table_args__ = (Index("ix_dining_chat_messages_user_created", "user_id", "created_at"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("dining_users.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
