"""Monitoring workload (seed 002): tasks and the pure algorithms they run."""
