"""Kairos: a thin Flask API in front of Celery workers, with live task progress.

Kept import-light on purpose: gunicorn imports this package before gevent patches the
standard library, so nothing here may import sockets, Redis or SQLAlchemy.
"""


def create_app(settings=None):
    from app.web_app import create_app as _create_app

    return _create_app(settings)
