"""Monitoring workload tables (seed 002): resources and their checks, rollups, groups,
announcements and notification channels.

Shape of the history (the idea of Uptime Kuma's ``stat_minutely/hourly/daily`` tables and of
Gatus's hourly uptime rows merged into daily ones): every check is kept for a short while
(``monitoring_checks``), and the result recorder folds each check into its resource's minute
rollup in the same transaction. A beat job (``workers/monitoring/compaction.py``) later folds
whole minutes into hour rollups and whole hours into day rollups, and records how far each
grain is folded in ``monitoring_compaction``. Uptime ratios and the status page's daily bars
read the rollups, never the raw checks, each bucket from exactly one grain (see
``app/monitoring/uptime.py``), so their cost depends on the window, not on the check rate.

Checks and rollups are the high-volume tables: they take integer keys (cheap indexes), carry
no org (a resource's org is theirs) and go when their resource goes (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow

RESOURCE_TYPES = ("HTTP", "TCP", "DOCKER")
# What a check says (seed): the probe's verdict.
CHECK_STATUSES = ("AVAILABLE", "NOT_AVAILABLE")
# What a resource is now (seed's lowercase ``currentStatus``): ``pending`` while a failure is
# being retried (``retries`` > 0) or before the first check.
CURRENT_STATUSES = ("available", "not_available", "pending")
VISIBILITIES = ("PUBLIC", "AUTHENTICATED", "HIDDEN")
ANNOUNCEMENT_KINDS = ("INFORMATION", "WARNING", "PROBLEM")
CHANNEL_TYPES = ("webhook", "slack", "email")
ROLLUP_PERIODS = ("minute", "hour", "day")

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Resource(IdMixin, TimestampMixin, Base):
    __tablename__ = "monitoring_resources"
    __table_args__ = (
        Index("ix_monitoring_resources_org_created", "org_id", "created_at"),
        # The scheduler's one query: active resources whose next check is due.
        Index("ix_monitoring_resources_due", "active", "next_due_at"),
    )

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(8), nullable=False)
    target: Mapped[str] = mapped_column(String(2000), nullable=False)
    skip_tls: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recursive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Seconds between checks (min 10), per-check timeout, failures retried before the
    # resource is NOT_AVAILABLE (0 = the seed's behaviour: the first failure counts).
    interval: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    timeout: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    retries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    # Latest state, written by the result recorder with each check.
    current_status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    latest_check_status: Mapped[str | None] = mapped_column(String(16))
    latest_message: Mapped[str | None] = mapped_column(String(1000))
    latest_error_code: Mapped[str | None] = mapped_column(String(64))
    latest_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest_latency_ms: Mapped[float | None] = mapped_column(Float)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Scheduling: due time, and a lease so one probe at a time owns the resource.
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class Check(Base):
    """One probe result (the seed's history entry)."""

    __tablename__ = "monitoring_checks"
    __table_args__ = (
        Index("ix_monitoring_checks_resource_checked", "resource_id", "checked_at"),
        # Retention prunes by age across all resources.
        Index("ix_monitoring_checks_checked_at", "checked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_resources.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str | None] = mapped_column(String(1000))
    error_code: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Rollup(Base):
    """Checks of one resource folded into one bucket (minute, hour or day, UTC).

    Average latency is ``latency_sum / latency_count`` so buckets merge by addition;
    ``latency_count`` counts the checks that measured a latency.
    """

    __tablename__ = "monitoring_rollups"
    __table_args__ = (
        UniqueConstraint(
            "resource_id", "period", "bucket_start", name="uq_monitoring_rollups_bucket"
        ),
        Index("ix_monitoring_rollups_period_bucket", "period", "bucket_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_resources.id", ondelete="CASCADE"), nullable=False
    )
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    checks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ups: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    downs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    latency_sum: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    latency_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    latency_min: Mapped[float | None] = mapped_column(Float)
    latency_max: Mapped[float | None] = mapped_column(Float)


class Compaction(Base):
    """How far one coarse grain is folded: every ``fine`` bucket before ``done_until`` is in a
    bucket of ``grain`` (hour from minutes, day from hours). Reads take a bucket before the
    mark from this grain and one after it from the finer grain, so nothing counts twice."""

    __tablename__ = "monitoring_compaction"

    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    done_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


resource_groups = Table(
    "monitoring_resource_groups",
    Base.metadata,
    Column(
        "resource_id",
        ForeignKey("monitoring_resources.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "group_id",
        ForeignKey("monitoring_groups.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Group(IdMixin, TimestampMixin, Base):
    __tablename__ = "monitoring_groups"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_monitoring_groups_name"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="PUBLIC")


class Announcement(IdMixin, TimestampMixin, Base):
    __tablename__ = "monitoring_announcements"
    __table_args__ = (Index("ix_monitoring_announcements_org_created", "org_id", "created_at"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, nullable=False)  # sanitized HTML
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(320), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class NotificationChannel(IdMixin, TimestampMixin, Base):
    """Where status changes (and certificates near expiry) are announced.

    ``config`` by type: webhook ``{"url"}``, slack ``{"url"}`` (an incoming-webhook URL),
    email ``{"to"}``. Webhook bodies are signed with ``secret`` (HMAC-SHA256).
    """

    __tablename__ = "monitoring_channels"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    config: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    secret: Mapped[str] = mapped_column(String(128), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    cert_expiry_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class NotificationLog(Base):
    """One delivery attempt of one notification to one channel."""

    __tablename__ = "monitoring_notification_log"
    __table_args__ = (Index("ix_monitoring_notification_log_channel", "channel_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_channels.id", ondelete="CASCADE"), nullable=False
    )
    resource_id: Mapped[str | None] = mapped_column(
        ForeignKey("monitoring_resources.id", ondelete="SET NULL")
    )
    event: Mapped[str] = mapped_column(String(32), nullable=False)  # status_change|cert_expiry|test
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # sent|failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class DiscoveryRule(IdMixin, TimestampMixin, Base):
    """Resource Discovery (seed 002's Admin → Resource Discovery): a registry namespace whose
    repositories become DOCKER monitors, kept in step by a beat job.

    ``namespace`` is ``registry[/path]`` (``ghcr.io/acme``); ``recursive`` follows every tag,
    otherwise each repository's latest. The ``last_*`` fields say how the last run went.
    """

    __tablename__ = "monitoring_discovery_rules"
    __table_args__ = (Index("ix_monitoring_discovery_rules_due", "enabled", "next_run_at"),)

    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    namespace: Mapped[str] = mapped_column(String(300), nullable=False)
    recursive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    skip_tls: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Seconds between discovery runs, and the check interval of the monitors it creates.
    interval: Mapped[int] = mapped_column(Integer, nullable=False, default=3600)
    check_interval: Mapped[int] = mapped_column(Integer, nullable=False, default=300)
    # Groups the monitors it creates join (ids of the org's groups; a deleted one is skipped).
    group_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))  # ok | failed
    last_message: Mapped[str | None] = mapped_column(String(1000))
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    last_repositories: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class DiscoveredResource(Base):
    """A monitor a rule created, under the key it was found by (the repository, or
    ``repository:tag`` when the rule is recursive). ``gone_at``: the rule deactivated it
    because it disappeared upstream (a monitor an admin switched off stays off)."""

    __tablename__ = "monitoring_discovered"
    __table_args__ = (UniqueConstraint("rule_id", "key", name="uq_monitoring_discovered_key"),)

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_resources.id", ondelete="CASCADE"), primary_key=True
    )
    rule_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_discovery_rules.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(400), nullable=False)
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
