"""Dining API (seed 003) under /api/v1/dining.

Each part of the API is a module that decorates the one blueprint (``app.dining.blueprint``):
importing it here registers its routes. Add a module by importing it below.
"""

from __future__ import annotations

from app.dining import chat, recommendations, restaurants, users
from app.dining.blueprint import blp

__all__ = ["blp", "chat", "recommendations", "restaurants", "users"]
