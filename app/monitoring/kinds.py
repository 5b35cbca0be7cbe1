"""Monitoring task kinds: what the workload's heavy work is, where it runs, what it takes."""

from __future__ import annotations
