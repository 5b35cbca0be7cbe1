"""Alembic migrations: one revision per schema change, applied by `kairos db upgrade`.

The platform's revisions form the trunk; each workload (recruiting, monitoring, dining)
grows its own branch from the platform revision it needs (``branch_labels`` = its name), so
workloads evolve their schemas independently. ``upgrade`` therefore applies every head.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    command.upgrade(alembic_config(database_url), revision)
