"""Kairos: a thin Flask API in front of Celery workers, with live task progress.

Kept empty on purpose: gunicorn imports this package before gevent patches the standard
library, and workers import it too, so it must load neither sockets, Redis, SQLAlchemy nor
Flask. The web app is ``app.web_app:create_app``.
"""
