"""Monitoring workload (seed 002): API side."""
