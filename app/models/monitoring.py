"""Monitoring workload tables (seed 002)."""

from __future__ import annotations
