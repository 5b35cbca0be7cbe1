"""Dining's domain: the allergen vocabulary and guard, preferences, profiles, uploads and
who may act for a uid. Flask-free, shared by the API and the workers."""
