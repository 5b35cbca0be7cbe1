"""Dining workload tables (seed 003)."""

from __future__ import annotations
