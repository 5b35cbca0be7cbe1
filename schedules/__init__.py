"""Every periodic job, gathered from the workloads' manifests (app/workloads.py)."""

from __future__ import annotations

from app.workloads import MANIFESTS

# Each workload's entries come from its manifest (app/<name>/manifest.py).
SCHEDULE = {name: entry for m in MANIFESTS if m.beat for name, entry in m.beat().items()}
