"""gunicorn settings for `kairos web`: gevent workers, so each process holds thousands of
WebSockets and SSE streams while plain requests stay cheap."""

import os

worker_class = "gevent"
worker_connections = 10_000
timeout = 60
graceful_timeout = 10
keepalive = 5
errorlog = "-"


def child_exit(_server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
