"""``make fuzz``: schemathesis over the whole OpenAPI document of a served platform.

Starts the platform as users run it (a private Redis under a temp dir, a fresh SQLite
database, ``kairos web`` and ``kairos worker``), registers the operator org, then an ordinary
tenant's org with its owner, and runs
``schemathesis run`` authenticated as that owner with every check on, every phase (examples,
coverage, fuzzing, stateful links), bounded by ``--max-examples`` and ``--max-time``. Exits
with schemathesis's status: 0 means no server error and no conformance failure.

    python -m tools.fuzz                     # the full pass (make fuzz)
    python -m tools.fuzz --quick             # the short pass CI runs
    python -m tools.fuzz --include-path-regex '^/api/v1/tasks' -- --seed 1

Anything after ``--`` goes to schemathesis as is. The servers' logs stay in the temp dir when
the run fails (its path is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

FULL = {"max_examples": 50, "max_time": 900}
QUICK = {"max_examples": 5, "max_time": 240}
SEED = 20261207


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    """kairos web + kairos worker on a private Redis and a fresh SQLite database."""

    def __init__(self, tmp: Path):
        from app.localredis import ensure_private_redis

        self.tmp = tmp
        self.var = tmp / "var"
        self.redis_url, _ = ensure_private_redis(self.var)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KAIROS_ENV": "development",
            "KAIROS_VAR_DIR": str(self.var),
            "KAIROS_REDIS_URL": self.redis_url,
            "KAIROS_DATABASE_URL": f"sqlite:///{self.var / 'kairos.db'}",
            "KAIROS_BIND": f"127.0.0.1:{self.port}",
            "KAIROS_WEB_WORKERS": "1",
            "KAIROS_WORKER_CONCURRENCY": "2",
            "KAIROS_LOG_LEVEL": "DEBUG",  # every log line of the processes runs
            # The fuzzer sends thousands of requests; a 429 would hide what it is looking for.
            "KAIROS_RATE_LIMIT": "100000000/minute",
            "KAIROS_AUTH_RATE_LIMIT": "100000000/minute",
            "KAIROS_CONFIG": str(tmp / "kairos.toml"),
            "PYTHONPATH": str(ROOT),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.procs: dict[str, subprocess.Popen] = {}

    def kairos(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "kairos"), *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )

    def start(self, name: str, *args: str) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(
            [str(BIN / "kairos"), *args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.tail(name)}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base_url + "/api/v1/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"not ready in {timeout}s: {self.tail('web')} {self.tail('worker')}")

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def register_owner(self) -> str:
        resp = requests.post(
            self.base_url + "/api/v1/auth/register",
            json={
                "email": f"fuzz-{uuid.uuid4().hex[:10]}@example.com",
                "password": "fuzz-password-1",
                "org_name": "Fuzz",
            },
            timeout=30,
        )
        resp.raise_for_status()
        return resp.json()["data"]["tokens"]["access_token"]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        from app.localredis import stop_private_redis

        stop_private_redis(self.var)


def write_config(tmp: Path, token: str, logout_token: str) -> Path:
    """Headers live in the config file, not on the command line, so one operation can have
    its own: logout revokes the token it is called with, so it gets a throwaway one (a
    revoked main token would turn every later request into a 401)."""
    path = tmp / "schemathesis.toml"
    path.write_text(
        f'headers = {{ Authorization = "Bearer {token}" }}\n\n'
        # Text the API can store: UTF-8 (no lone surrogates) without NUL; the API answers 400
        # to both, which the document cannot express.
        "[generation]\n"
        'codec = "utf-8"\n'
        "allow-x00 = false\n\n"
        # 413 and 414 are refusals too (a body or request line over its cap; gunicorn answers
        # the 414 itself).
        # `Prefer: wait=N` holds an answer up to 30 s by design (MAX_WAIT): schemathesis's 10 s
        # default would count an honoured wait as slow; anything past the longest wait is.
        "[checks]\n"
        "max_response_time = 35\n\n"
        "[checks.negative_data_rejection]\n"
        "expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 414, 415, 422, 428, 429]\n\n"
        "[[operations]]\n"
        'include-path = "/api/v1/auth/logout"\n'
        f'headers = {{ Authorization = "Bearer {logout_token}" }}\n'
        # DELETE /tasks/{id} cancels: the row stays, readable (and retryable), as the record
        # of what happened.
        "\n[[operations]]\n"
        "include-path-regex = '^/api/v1/tasks/[{]task_id[}]'\n"
        "checks = { use_after_free = { enabled = false } }\n"
        # Uploads judged by their content (type sniffed from the bytes, UTF-8 text), which a
        # document can only describe: a schema-valid binary part may still be refused, with
        # the documented 400 / 413 / 415 (tests hold each rule).
        "\n[[operations]]\n"
        "include-path-regex = '^/api/v1/(careers/resumes/import|recruiting/agent/"
        "(jobs/from_req|candidates/from_resume))$'\n"
        "checks.positive_data_acceptance.expected-statuses = "
        '["2xx", "3xx", "400", "401", "403", "404", "409", "413", "415", "429", "5xx"]\n'
    )
    return path


def schemathesis_argv(
    base_url: str, config: Path, max_examples: int, max_time: int, extra
) -> list[str]:
    return [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{base_url}/api/openapi.json",
        "--url",
        base_url,
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(max_time),
        "--request-timeout",
        "40",
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        # A fixed seed: CI runs the same cases every time, and a failure replays as it was.
        # `make fuzz FUZZ_ARGS="-- --seed N"` explores others.
        *([] if "--seed" in extra else ["--seed", str(SEED)]),
        *extra,
    ]


def crashed(log: str) -> bool:
    """Whether a process logged a crash: an error or critical record with a traceback, or a
    traceback outside the JSON log lines (on stderr). Celery logs a task's *expected*
    failure (a TaskError: the host the fuzzer named does not resolve) at info with its
    traceback; that is the platform answering, not crashing."""
    for line in log.splitlines():
        if "Traceback (most recent call last)" not in line:
            continue
        try:
            level = json.loads(line).get("level")
        except (ValueError, AttributeError):
            return True  # a raw traceback
        if level in ("error", "critical"):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the short pass CI runs")
    parser.add_argument("--max-examples", type=int)
    parser.add_argument("--max-time", type=int, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its logs")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    bounds = QUICK if args.quick else FULL
    max_examples = args.max_examples or bounds["max_examples"]
    max_time = args.max_time or bounds["max_time"]

    tmp = Path(tempfile.mkdtemp(prefix="kairos-fuzz-"))
    platform = Platform(tmp)
    code = 1
    try:
        platform.kairos("db", "upgrade")
        platform.start("web", "web")
        platform.start("worker", "worker", "-c", "2")
        platform.wait_ready()
        # The first org is the installation's operator: its admins change runtime settings
        # (rate limits among them) for everyone. The fuzzer is an ordinary tenant's owner, as
        # a stranger would be: fuzzing as the operator set the rate limit to a few requests
        # and turned every later answer into a 429.
        platform.register_owner()
        config = write_config(tmp, platform.register_owner(), platform.register_owner())
        cmd = schemathesis_argv(platform.base_url, config, max_examples, max_time, extra)
        print("fuzz:", " ".join(cmd), flush=True)
        code = subprocess.run(cmd, cwd=tmp, env=platform.env).returncode
        for name in ("web", "worker"):
            if crashed(platform.tail(name, 10**7)):
                print(f"fuzz: {name} logged a traceback (see {tmp}/{name}.log)")
                code = code or 1
    finally:
        platform.stop()
        if args.keep or code:
            print(f"fuzz: logs and reports kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
