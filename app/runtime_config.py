"""Runtime settings: the ones an admin may change without a restart.

``PATCH /api/v1/config`` validates a change exactly as the file is validated, and stores the
whole overlay as a new :class:`ConfigVersion` row. Every process (web, worker, beat) calls
:func:`refresh` on its hot path; at most every ``POLL_SECONDS`` it reads the newest version
number from the database and, when it moved, rebuilds its settings as file + environment +
overlay. So a change reaches the whole fleet within a few seconds, through the one store
every process already shares, and keeps working while Redis is away.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from sqlalchemy import select

from app.config import (
    FIELDS,
    SECRET_KEYS,
    ConfigError,
    Settings,
    coerce,
    configure,
    get_settings,
)
from app.config import validate as validate_values

log = logging.getLogger("kairos.config")

POLL_SECONDS = 2.0

# What may change at run time, and is read where it is used (not copied at start-up).
RUNTIME_KEYS = (
    "llm_base_url",
    "llm_model",
    "llm_embedding_model",
    "llm_api_key",
    "rate_limit",
    "auth_rate_limit",
    "saved_search_interval",
    "requeue_after",
    "probe_batch_size",
    "monitoring_default_interval",
    "monitoring_check_retention_days",
    "monitoring_minute_rollup_retention_hours",
    "monitoring_hour_rollup_retention_days",
    "monitoring_day_rollup_retention_days",
    "dining_feed_limit",
    "log_level",
)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked = 0.0
        self.version = 0
        self.base: Settings | None = None  # file + environment, before any overlay
        self.applied: Settings | None = None  # what this module last installed
        self.last_error = ""


_state = _State()


def runtime_keys() -> tuple[str, ...]:
    return tuple(k for k in RUNTIME_KEYS if k in FIELDS)


def validate(changes: dict, base: Settings) -> dict:
    """Coerce and check ``changes`` as the file would be; returns them coerced. Raises
    ``ValueError({key: [problem]})`` naming every bad key."""
    problems: dict[str, list[str]] = {}
    clean: dict = {}
    for key, raw in changes.items():
        if key not in runtime_keys():
            known = key in FIELDS
            problems[key] = [
                "changes only with a restart (file or environment)" if known else "unknown setting"
            ]
            continue
        try:
            clean[key] = coerce(key, raw, FIELDS[key].default)
        except ConfigError as exc:
            problems[key] = [str(exc).split(f"{key}: ", 1)[-1]]
    if not problems:
        try:
            validate_values(dataclasses.asdict(dataclasses.replace(base, **clean)))
        except ConfigError as exc:
            problems[exc.key] = [str(exc).split(f"{exc.key}: ", 1)[-1]]
    if problems:
        raise ValueError(problems)
    return clean


def masked(values: dict) -> dict:
    """An overlay as it may be shown or audited: secrets reduced to whether they are set."""
    return {k: ("<set>" if v else "<unset>") if k in SECRET_KEYS else v for k, v in values.items()}


def current() -> tuple[int, dict]:
    """The newest version number and its overlay (0, {} when none was ever stored)."""
    from app.db import session_scope
    from app.models import ConfigVersion

    with session_scope() as s:
        row = s.execute(
            select(ConfigVersion.version, ConfigVersion.values)
            .order_by(ConfigVersion.version.desc())
            .limit(1)
        ).first()
    return (row[0], dict(row[1])) if row else (0, {})


def base_settings() -> Settings:
    settings = get_settings()
    if _state.base is None or settings is not _state.applied:
        # First use, or someone (a test, the CLI) configured new settings: they are the base.
        _state.base, _state.applied, _state.version = settings, settings, 0
    return _state.base


def refresh(force: bool = False) -> None:
    """Pick up a newer config version, at most every POLL_SECONDS (cheap to call always)."""
    now = time.monotonic()
    if not force and now - _state.checked < POLL_SECONDS:
        return
    if not _state.lock.acquire(blocking=force):
        return  # another thread of this process is already looking
    try:
        _state.checked = now
        base = base_settings()
        try:
            version, overlay = current()
        except Exception as exc:  # database away or not migrated yet: keep what we have
            if str(exc) != _state.last_error:  # once per distinct problem, not every poll
                log.warning("config_refresh_failed", extra={"error": str(exc)[:300]})
            _state.last_error = str(exc)
            return
        _state.last_error = ""
        if version == _state.version:
            return
        apply(base, version, overlay)
    finally:
        _state.lock.release()


def apply(base: Settings, version: int, overlay: dict) -> Settings:
    usable = {k: v for k, v in overlay.items() if k in runtime_keys()}
    try:
        settings = dataclasses.replace(base, **validate(usable, base))
    except ValueError as exc:  # stored by an older release with other rules: keep the base
        log.error("config_version_invalid", extra={"version": version, "problems": str(exc)})
        settings = base
    before = get_settings()
    configure(settings)
    _state.applied, _state.version = settings, version
    if settings.log_level != before.log_level:
        logging.getLogger().setLevel(settings.log_level)
    changed = sorted(k for k in runtime_keys() if getattr(settings, k) != getattr(before, k))
    log.info("config_applied", extra={"version": version, "changed": changed})
    return settings
