"""gunicorn settings for `kairos web`: gevent workers, so each process holds thousands of
WebSockets and SSE streams while plain requests stay cheap."""

import os

worker_class = "gevent"
worker_connections = 10_000
timeout = 60
graceful_timeout = 10
# gunicorn's async workers give a connection `keepalive` seconds to deliver its *first*
# request too, and close it silently when that runs out. In a reconnect storm on a busy
# machine (2,000 sockets at once, other processes on the cores) an accepted connection can wait
# longer than 5 s for its greenlet to read the handshake: those clients saw the connection
# closed before any answer. An idle keep-alive connection costs a greenlet and a socket here.
keepalive = 30
errorlog = "-"


def child_exit(_server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
