"""Every workload's registration, in one place.

A workload (and the platform itself) exports one :class:`app.manifest.Manifest` from
``app/<name>/manifest.py``; :data:`MANIFESTS` lists them, and everything that used to keep
its own list iterates it: task kinds and queues (``app.platform.kinds``), the worker's task
modules (``app.taskqueue``), blueprints (``app.web_app``), models (``app.models``), beat
entries (``schedules``), console pages (``app.web``), client commands (``app.client``) and
the worker processes (``kairos worker --except``). docs/architecture.md: "How to add a
workload".

Manifests are plain data: they name modules by string, so reading them imports nothing
heavy, and the API never imports worker code.
"""

from __future__ import annotations

import importlib

from app.manifest import Manifest


def load(ref: str):
    """The object a ``module:attribute`` reference names."""
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _manifests() -> tuple[Manifest, ...]:
    from app.careers.manifest import MANIFEST as careers
    from app.dining.manifest import MANIFEST as dining
    from app.monitoring.manifest import MANIFEST as monitoring
    from app.platform.manifest import MANIFEST as platform
    from app.recruiting.manifest import MANIFEST as recruiting

    return (platform, careers, recruiting, monitoring, dining)


MANIFESTS: tuple[Manifest, ...] = _manifests()
WORKLOADS = tuple(m for m in MANIFESTS if m.name != "platform")


def queues() -> tuple[str, ...]:
    """Every queue, in registration order, each once."""
    return tuple(dict.fromkeys(q for m in MANIFESTS for q in m.queues))
