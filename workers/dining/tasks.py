"""Dining tasks: thin wiring from TrackedTask to the algorithms beside this module."""

from __future__ import annotations
