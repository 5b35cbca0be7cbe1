"""Careers workload (seed 000): the heavy work of a job seeker's assistant."""
