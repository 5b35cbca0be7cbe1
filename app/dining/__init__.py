"""Dining workload (seed 003): API side."""
