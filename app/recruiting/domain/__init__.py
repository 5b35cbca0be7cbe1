"""Recruiting's domain: candidate identity and duplicates, application changes and the
agent's uploads. Flask-free, shared by the API and the workers."""
