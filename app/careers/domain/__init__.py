"""Careers' domain rules (sources, resume formats): Flask-free, shared by the API and the
workers."""
