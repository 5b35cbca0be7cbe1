"""submit: how fast the API accepts tasks, against an endpoint that only enqueues.

wrk posts the no-op diagnostic to ``POST /api/v1/tasks`` of (a) ``kairos web``,
(b) a bare Flask endpoint that only calls ``send_task`` with the platform's Celery settings, and
(c) a bare Flask endpoint answering a constant dict, one server at a time, all under the same
gunicorn settings. No worker runs: the queued messages are counted, then flushed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.common import (
    DATABASE_LABEL,
    MACHINE,
    WEB_WORKERS,
    Stack,
    gather_problems,
    log,
    ratio,
    register_user,
)

THREADS, CONNECTIONS = 2, 32
WARMUP_S, DURATION_S = 3, 15
BODY = json.dumps({"kind": "platform.diagnostic", "params": {}}, separators=(",", ":"))

# done() prints one line of JSON so no table of wrk's text output needs parsing.
LUA = """
wrk.method = "POST"
wrk.body = '%(body)s'
wrk.headers["Content-Type"] = "application/json"
%(auth)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"connect_errors":%%d,"read_errors":%%d,' ..
    '"write_errors":%%d,"non_2xx_3xx":%%d,"timeouts":%%d,"mean_us":%%.1f,' ..
    '"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing; installing it with apt-get")
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
    )
    return shutil.which("wrk") or "wrk"


def run_wrk(wrk: str, url: str, script: Path, seconds: int) -> dict:
    argv = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "requests": raw["requests"],
        "non_2xx_3xx": raw["non_2xx_3xx"],
        "socket_errors": errors,
    }


def queued_messages(stack: Stack) -> int:
    # kombu's Redis transport keeps a queue as a list named after it.
    return int(stack.redis.llen("default"))


def measure(stack: Stack, wrk: str, name: str, base: str, token: str | None) -> dict:
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
    script = stack.tmp / f"{name}.lua"
    script.write_text(LUA % {"body": BODY, "auth": auth})
    url = base + "/api/v1/tasks"
    log(f"submit: {name}: warmup {WARMUP_S}s")
    warm = run_wrk(wrk, url, script, WARMUP_S)
    log(f"submit: {name}: {DURATION_S}s with {CONNECTIONS} connections")
    result = run_wrk(wrk, url, script, DURATION_S)
    accepted = warm["requests"] - warm["non_2xx_3xx"] + result["requests"] - result["non_2xx_3xx"]
    result["accepted_total"] = accepted
    result["queued_messages"] = queued_messages(stack)
    log(f"submit: {name}: {result}")
    return result


def run() -> dict:
    wrk = ensure_wrk()
    figures: dict[str, dict] = {}
    problems: dict = {}

    with Stack("submit-json") as stack:
        proc, base = stack.gunicorn("baseline-json", "bench.baseline_apps:json_app()")
        figures["bare_json"] = measure(stack, wrk, "bare_json", base, None)
        figures["bare_json"].pop("queued_messages")
        problems.update(gather_problems([proc]))

    with Stack("submit-apply-async") as stack:
        proc, base = stack.gunicorn("baseline-apply-async", "bench.baseline_apps:apply_async_app()")
        figures["apply_async"] = measure(stack, wrk, "apply_async", base, None)
        problems.update(gather_problems([proc]))

    with Stack("submit-platform") as stack:
        stack.migrate()
        proc, base = stack.kairos_web()
        user = register_user(base)
        figures["platform"] = measure(stack, wrk, "platform", base, user["token"])
        problems.update(gather_problems([proc]))

    platform = figures["platform"]
    return {
        "bench": "submit",
        "ratio": ratio(platform["rps"], figures["apply_async"]["rps"]),
        "platform": platform,
        "baseline": {"apply_async": figures["apply_async"], "bare_json": figures["bare_json"]},
        "settings": {
            "ratio_uses": "platform rps / apply_async rps (higher is better)",
            "platform_vs_bare_json": ratio(platform["rps"], figures["bare_json"]["rps"]),
            "tool": "wrk",
            "threads": THREADS,
            "connections": CONNECTIONS,
            "warmup_s": WARMUP_S,
            "duration_s": DURATION_S,
            "body": BODY,
            "server": f"gunicorn gevent, {WEB_WORKERS} workers, app.gunicorn_conf for all three",
            "database": DATABASE_LABEL,
            "rate_limit": "100000000/minute (limiter still counts each request in Redis)",
            "queued_messages": "left in the 'default' list; may exceed accepted_total by the "
            "requests in flight when wrk stopped (up to 2 x connections)",
            "machine": MACHINE,
            "server_log_problems": problems,
        },
    }
