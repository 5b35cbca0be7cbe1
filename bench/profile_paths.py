"""Where the CPU of one submit and of one task's completion goes, by component.

    python -m bench.profile_paths [N]

In-process, no HTTP server: Flask's test client posts N no-op diagnostics (SQLite under a
temp dir, Redis db 13 of the local server or ``BENCH_REDIS_URL``), then the diagnostic task is
called N times directly on queued rows (its Celery request pushed by hand). Each component's
cumulative time under ``cProfile`` (CPU clock) is reported as a share of the whole, and scaled
to the CPU measured without the profiler. Not a benchmark: a map of the path.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time

SUBMIT = {
    "whole request": [("flask/app.py", "wsgi_app")],
    "auth": [("app/platform/auth.py", "authenticate")],
    "  of which JWT decode": [("app/platform/auth.py", "decode_jwt")],
    "  of which membership (cached 1 s)": [("app/platform/auth.py", "member_role")],
    "rate limiter": [("flask_limiter/_extension.py", "_check_request_limit")],
    "body parse + TaskSubmitSchema": [("webargs/core.py", "parse")],
    "params validation": [("app/platform/task_service.py", "_load_params")],
    "row insert + commit": [("app/platform/submit_batch.py", "_insert")],
    "broker publish": [("app/platform/submit_batch.py", "_publish")],
    "answer: marshmallow dump": [("marshmallow/schema.py", "dump")],
    "answer: JSON": [("flask/json/__init__.py", "jsonify"), ("app/http.py", "envelope_response")],
    "after_request": [("flask/app.py", "process_response")],
}
WORKER = {
    "whole attempt": [("workers/base.py", "__call__")],
    "start update": [("workers/rows.py", "_write_starts")],
    "end update": [("workers/rows.py", "_update_rows")],
    "event publishes": [
        ("app/events.py", "publish"),
        ("app/events.py", "publish_many"),
        ("app/events.py", "publish_groups"),
    ],
    "metrics": [("prometheus_client/metrics.py", "inc")],
}


def _cumulative(stats: pstats.Stats, spec) -> float:
    return sum(
        ct
        for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
        for suffix, name in spec
        if func == name and file.endswith(suffix)
    )


def _report(title: str, table: dict, profile: cProfile.Profile, cpu_ms: float) -> None:
    stats = pstats.Stats(profile)
    whole = _cumulative(stats, next(iter(table.values())))
    print(f"\n{title}: {cpu_ms:.3f} ms CPU each")
    for label, spec in table.items():
        share = _cumulative(stats, spec) / whole if whole else 0.0
        print(f"  {label:34s} {100 * share:5.1f} %  {share * cpu_ms:6.3f} ms")


def main(n: int) -> None:
    tmp = tempfile.mkdtemp(prefix="kairos-profile-")
    os.environ.update(
        KAIROS_ENV="development",
        KAIROS_VAR_DIR=tmp,
        KAIROS_REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        KAIROS_RATE_LIMIT="100000000/minute",
        KAIROS_AUTH_RATE_LIMIT="100000000/minute",
        KAIROS_LOG_LEVEL="WARNING",
        KAIROS_DATABASE_URL=f"sqlite:///{tmp}/kairos.db",
    )
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from app.redis_conn import get_redis
    from app.web_app import create_app
    from migrations import upgrade

    upgrade(os.environ["KAIROS_DATABASE_URL"])
    app = create_app()
    get_redis().flushdb()
    client = app.test_client()
    resp = client.post(
        "/api/v1/auth/register", json={"email": "p@example.com", "password": "a long password 1"}
    )
    headers = {"Authorization": f"Bearer {resp.get_json()['data']['tokens']['access_token']}"}
    body = {"kind": "platform.diagnostic", "params": {}}

    def post(count: int) -> None:
        for _ in range(count):
            client.post("/api/v1/tasks", json=body, headers=headers)

    post(100)
    c0 = time.process_time()
    post(n)
    cpu_ms = 1000 * (time.process_time() - c0) / n
    profile = cProfile.Profile(time.process_time)
    profile.runcall(post, n)
    _report("POST /api/v1/tasks", SUBMIT, profile, cpu_ms)

    from app.core.principal import Principal
    from app.db import session_scope
    from app.models import Org
    from app.platform import task_service
    from app.platform.kinds import DIAGNOSTIC
    from workers.celery_app import celery

    __import__("workers.platform")

    import contextlib

    class Unsent:  # the rows stay queued for the direct calls below
        def send_task(self, *_args, **_kwargs):
            pass

        @contextlib.contextmanager
        def producer_or_acquire(self):
            class Producer:
                batch = staticmethod(lambda **_kw: contextlib.nullcontext())

            yield Producer()

    with session_scope() as s:
        org = Org(name="profile")
        s.add(org)
        s.flush()
        principal = Principal("local", "profile", org.id, "owner", None)
    from app import taskqueue

    previous = taskqueue.use_producer(Unsent())
    try:
        ids = [
            task_service.enqueue_internal(principal, DIAGNOSTIC, {}).id for _ in range(2 * n + 100)
        ]
    finally:
        taskqueue.use_producer(previous)
    task = celery.tasks["platform.diagnostic"]

    def run(batch) -> None:
        for task_id in batch:
            task.push_request(id=task_id, delivery_info={}, hostname="profile@host", retries=0)
            try:
                task(steps=1, sleep=0.0, fail_at=None, payload_bytes=0)
            finally:
                task.pop_request()

    run(ids[:100])
    c0 = time.process_time()
    run(ids[100 : 100 + n])
    cpu_ms = 1000 * (time.process_time() - c0) / n
    profile = cProfile.Profile(time.process_time)
    profile.runcall(run, ids[100 + n :])
    _report("the worker's side of one no-op task", WORKER, profile, cpu_ms)
    get_redis().flushdb()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
