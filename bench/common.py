"""Shared helpers: starting and stopping the processes a bench needs, and a few small tools.

Every process a bench starts goes through :class:`Stack`, which stops them all (process group
by process group, by the ids it recorded) when the bench ends, whether it ended well or not.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _bench_redis_url() -> str:
    """BENCH_REDIS_URL; else db 12 of a Redis on localhost; else (a fresh machine) a private
    Redis the platform's own way, under the temp dir, left running for the next bench."""
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"]
    from app.redis_conn import redis_answers

    if redis_answers("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/12"
    from app.localredis import ensure_private_redis

    return ensure_private_redis(Path(tempfile.gettempdir()) / "kairos-bench")[0]


REDIS_URL = _bench_redis_url()
# BENCH_BROKER=amqp puts task messages on RabbitMQ (BENCH_AMQP_URL, default the local one's
# default vhost); Redis keeps events, heartbeats and locks either way.
BROKER = os.environ.get("BENCH_BROKER", "redis")
BROKER_URL = (
    os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
    if BROKER == "amqp"
    else ""
)
# BENCH_DATABASE=postgresql runs the platform on PostgreSQL (BENCH_PG_URL, default the local
# server's database `test`), in a schema of the bench's own, dropped afterwards.
DATABASE = os.environ.get("BENCH_DATABASE", "sqlite")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://127.0.0.1:5432/test")
DATABASE_LABEL = "PostgreSQL" if DATABASE == "postgresql" else "SQLite (platform default)"
WEB_WORKERS = 2
WORKER_CONCURRENCY = 2
MACHINE = f"{os.cpu_count()} CPU cores shared by the load generator, servers, workers and Redis"


def log(*parts: object) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    """The one stdout line of a bench."""
    print(json.dumps(result, separators=(", ", ": ")), flush=True)


# --- numbers ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def latency_ms(seconds: Sequence[float]) -> dict:
    return {
        "p50_ms": ms(percentile(seconds, 50)),
        "p99_ms": ms(percentile(seconds, 99)),
        "max_ms": ms(max(seconds) if seconds else None),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


# --- resources --------------------------------------------------------------------------------


def raise_nofile() -> int:
    """Lift this process's open-file limit to the hard limit (thousands of sockets)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def tree_rss_mib(pid: int) -> float:
    """RSS of a process and its children (gunicorn: the master and its workers)."""
    return round(sum(rss_kib(p) for p in [pid, *children(pid)]) / 1024, 1)


def redis_client(url: str = REDIS_URL) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


class CpuWatch:
    """CPU used on the machine during a bench by anything other than the bench, its children
    and Redis: the figures are only as good as the machine was quiet."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        # The Redis the benches use, not another one (tests start private ones).
        port = f":{redis.connection.parse_url(REDIS_URL).get('port', 6379)}"  # private: none
        self.redis_pids = [
            int(p.parent.name)
            for p in Path("/proc").glob("[0-9]*/cmdline")
            if _read(p).startswith("redis-server") and port in _read(p)
        ]
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        # user + nice + system: what processes run. Interrupts, idle and steal are left out,
        # as they are not in any process's own times either.
        fields = _read(Path("/proc/stat")).split("\n", 1)[0].split()[1:4]
        busy = sum(int(v) for v in fields)
        own = os.times()  # children's times include every descendant that was waited for
        ours = own.user + own.system + own.children_user + own.children_system
        redis_ticks = sum(_proc_ticks(pid) for pid in self.redis_pids)
        return time.monotonic(), busy / self.hz, ours + redis_ticks / self.hz

    def report(self) -> dict:
        t0, busy0, ours0 = self.start
        t1, busy1, ours1 = self._sample()
        wall = max(t1 - t0, 1e-9)
        other = max(0.0, (busy1 - busy0) - (ours1 - ours0))
        return {
            "bench_and_redis_cores": round((ours1 - ours0) / wall, 2),
            "other_processes_cores": round(other / wall, 2),
        }


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _proc_ticks(pid: int) -> int:
    stat = _read(Path(f"/proc/{pid}/stat"))
    if not stat:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


# --- processes --------------------------------------------------------------------------------


def _child_setup() -> None:
    # Servers holding thousands of WebSockets need more than the usual 1024 descriptors.
    raise_nofile()


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, logdir: Path):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_child_setup,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        # SIGTERM to the leader only: gunicorn and Celery stop their own children and reap
        # them, so their CPU time reaches this process (see CpuWatch).
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop in {timeout}s; killing it")
        # The process led its own session, so its group holds exactly what it forked, and
        # nothing else of ours: whatever of it is left goes.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        self._log.close()

    def log_problems(self) -> dict:
        """Counts of error lines and tracebacks in the process's output (evidence of trouble)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        lines = text.splitlines()
        errors = [ln for ln in lines if '"level": "error"' in ln or "[ERROR]" in ln]
        # The platform logs one JSON object a line: count errors by event and by exception.
        events = Counter(re.findall(r'"level": "error".*?"event": "(\w+)"', text))
        exceptions = Counter(re.findall(r"\\n(\w+(?:\.\w+)*(?:Error|Exception)): ", text))
        return {
            "error_lines": len(errors),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "error_events": dict(events),
            "exceptions": dict(exceptions),
            "first_error": (errors[0][:300] if errors else None),
        }


class Stack:
    """A bench's temp dir, Redis db and processes; everything is undone on exit.

    ``inner=True`` is for a stack opened inside another one: it leaves the Redis db and this
    process's settings to the outer stack.
    """

    def __init__(self, name: str, inner: bool = False):
        self.name = name
        self.inner = inner
        self.procs: list[Proc] = []
        self.tmp = Path(tempfile.mkdtemp(prefix=f"kairos-bench-{name}-"))
        self.var = self.tmp / "var"
        self.redis = redis_client()
        self.schema = None
        self.database_url = ""

    def __enter__(self) -> Stack:
        from app.config import configure, load_settings

        raise_nofile()
        if not self.inner:
            self.redis.flushdb()
            if DATABASE == "postgresql":
                self._create_schema()
            # This process reads the platform's settings too (Celery producer, heartbeat key):
            # the same ones as its servers, and no var/ of the work tree.
            configure(load_settings(self.env()))
            if BROKER_URL:  # a RabbitMQ keeps what an aborted earlier run left queued
                from app.taskqueue import make_celery

                make_celery().control.purge()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        for proc in reversed(self.procs):
            proc.stop()
            if exc is not None:
                log(f"--- last lines of {proc.name} ---\n{proc.tail()}")
        if self.schema:
            self._drop_schema()
        if not self.inner:
            with contextlib.suppress(Exception):
                self.redis.flushdb()  # the queued messages and event streams of this bench
        if os.environ.get("BENCH_KEEP_TMP"):
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _create_schema(self) -> None:
        import sqlalchemy as sa

        from app.db import make_engine

        self.schema = f"kairos_bench_{uuid.uuid4().hex[:8]}"
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        engine.dispose()
        sep = "&" if "?" in PG_URL else "?"
        self.database_url = f"{PG_URL}{sep}options=-csearch_path%3D{self.schema}"

    def _drop_schema(self) -> None:
        import sqlalchemy as sa

        from app.db import make_engine

        engine = make_engine(PG_URL)
        with contextlib.suppress(Exception), engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        engine.dispose()

    def env(self, bind: str | None = None) -> dict:
        env = dict(os.environ)
        env.update(
            KAIROS_ENV="development",
            KAIROS_VAR_DIR=str(self.var),
            KAIROS_REDIS_URL=REDIS_URL,
            KAIROS_BROKER_URL=BROKER_URL,
            KAIROS_RATE_LIMIT="100000000/minute",
            KAIROS_AUTH_RATE_LIMIT="100000000/minute",
            KAIROS_WEB_WORKERS=str(WEB_WORKERS),
            KAIROS_WORKER_CONCURRENCY=str(WORKER_CONCURRENCY),
            KAIROS_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if self.database_url:
            env["KAIROS_DATABASE_URL"] = self.database_url
        if bind:
            env["KAIROS_BIND"] = bind
        return env

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Proc:
        proc = Proc(name, argv, env or self.env(), self.tmp)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        self.procs.remove(proc)

    # --- the platform's processes -------------------------------------------------------------

    def migrate(self) -> None:
        subprocess.run(
            [str(BIN / "kairos"), "db", "upgrade"],
            env=self.env(),
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def kairos_web(self) -> tuple[Proc, str]:
        port = free_port()
        proc = self.start("kairos-web", [str(BIN / "kairos"), "web"], self.env(f"127.0.0.1:{port}"))
        base = f"http://127.0.0.1:{port}"
        wait_http(proc, base + "/api/v1/health")
        return proc, base

    def gunicorn(self, name: str, app: str) -> tuple[Proc, str]:
        """Any WSGI app under the platform's own gunicorn settings (gevent, same workers)."""
        from app.cli import gunicorn_argv

        port = free_port()
        proc = self.start(name, gunicorn_argv(f"127.0.0.1:{port}", WEB_WORKERS, app))
        base = f"http://127.0.0.1:{port}"
        wait_http(proc, base + "/health")
        return proc, base

    def celery_worker(self, name: str, app: str, queues: str = "default") -> Proc:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-P",
            "prefork",
            "-c",
            str(WORKER_CONCURRENCY),
            "-Q",
            queues,
            "-l",
            "WARNING",
            "-n",
            f"{name}-{uuid.uuid4().hex[:6]}@%h",
        ]
        proc = self.start(name, argv)
        wait_worker(proc, self.redis)
        return proc


def wait_http(proc: Proc, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.check()
        with contextlib.suppress(requests.RequestException):
            if http_session().get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{proc.name} did not answer {url} within {timeout}s:\n{proc.tail()}")


def wait_worker(proc: Proc, client: redis.Redis, timeout: float = 45) -> None:
    """A worker is ready once its heartbeat (set on worker_ready) is in Redis."""
    from app.taskqueue import HEARTBEAT_KEY

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.check()
        if any(True for _ in client.scan_iter(match=HEARTBEAT_KEY.format("*"))):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{proc.name} was not ready within {timeout}s:\n{proc.tail()}")


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # only ever 127.0.0.1, never through a proxy from the environment
    return session


def register_user(base: str, email: str | None = None) -> dict:
    """Register a fresh user (and org); returns {"token", "org_id", "user_id"}."""
    email = email or f"bench-{uuid.uuid4().hex[:10]}@example.com"
    resp = http_session().post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": "bench-password-1"},
        timeout=30,
    )
    if resp.status_code != 201:
        raise RuntimeError(f"register: {resp.status_code} {resp.text[:300]}")
    data = resp.json()["data"]
    return {
        "token": data["tokens"]["access_token"],
        "org_id": data["user"]["org_id"],
        "user_id": data["user"]["id"],
    }


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://", 1) + path


def gather_problems(procs: Iterable[Proc]) -> dict:
    return {p.name: p.log_problems() for p in procs}
