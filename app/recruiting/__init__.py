"""Recruiting workload (seed 001): API side."""
