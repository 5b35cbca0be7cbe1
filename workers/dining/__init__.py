"""Dining workload (seed 003): tasks and the pure algorithms they run."""
