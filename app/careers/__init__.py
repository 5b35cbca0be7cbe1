"""Careers workload (seed 000): jobs, resumes, analyses, applications, profile."""
