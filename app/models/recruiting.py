"""Recruiting workload tables (seed 001)."""

from __future__ import annotations
