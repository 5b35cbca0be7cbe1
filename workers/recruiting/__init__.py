"""Recruiting workload (seed 001): tasks and the pure algorithms they run."""
