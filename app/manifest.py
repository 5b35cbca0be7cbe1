"""What a workload registers: one frozen record per workload (``app/<name>/manifest.py``),
gathered in :mod:`app.workloads`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Manifest:
    name: str
    title: str
    kind_modules: tuple[str, ...] = ()  # modules that register its task kinds
    queues: tuple[str, ...] = ()  # the queues its kinds run on
    task_modules: tuple[str, ...] = ()  # the worker imports these (by name)
    blueprints: tuple[str, ...] = ()  # "module:attribute" of each flask-smorest blueprint
    models: str | None = None  # its ORM module (tables for migrations and metadata)
    beat: Callable[[], dict] | None = None  # its periodic entries (Celery beat's format)
    console: bool = False  # a console page at /<name>, template app/web/templates/<name>.html
    client: str | None = None  # "module:attribute" of its `kairos` click group
