"""e2e: a no-op task from submission to its completion seen by the client.

Platform: N diagnostic tasks posted over REST by a pool of submitters; each task's
``complete`` event is read from one WebSocket subscribed to ``all``. Baseline: N
``apply_async`` of a raw no-op task, each recording its completion on a Redis list that the
client BLPOPs. One Celery worker (``bench.worker_app``) runs both kinds, with the platform's
settings, while ``kairos web`` stays up for both runs.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from websockets.sync.client import connect

from bench.common import (
    BROKER,
    DATABASE_LABEL,
    MACHINE,
    WEB_WORKERS,
    WORKER_CONCURRENCY,
    Stack,
    gather_problems,
    http_session,
    latency_ms,
    log,
    ratio,
    register_user,
    ws_url,
)

N = 2000
WARMUP_N = 100
SUBMITTERS = 16
# One at a time: latency without a queue in front of the worker.
SERIAL_N = 100
COMPLETION_TIMEOUT_S = 90
BODY = {"kind": "platform.diagnostic", "params": {}}


class Run:
    """Submission and completion times of one run, keyed by task id (perf_counter seconds)."""

    def __init__(self, n: int, submitters: int = SUBMITTERS, closed_loop: bool = False):
        self.n = n
        self.submitters = submitters
        # Closed loop: a submitter waits for its task's completion before the next one.
        self.closed_loop = closed_loop
        self.sent: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.failures: Counter = Counter()
        self.lock = threading.Condition()
        self.all_done = threading.Event()
        self.started = self.submitted = 0.0

    def mark_sent(self, task_id: str, t0: float) -> None:
        with self.lock:
            self.sent[task_id] = t0
            if self.closed_loop:
                self.lock.wait_for(lambda: task_id in self.done, COMPLETION_TIMEOUT_S)

    def mark_done(self, task_id: str, t: float) -> None:
        with self.lock:
            self.done.setdefault(task_id, t)
            self.lock.notify_all()
            if len(self.done) >= self.n:
                self.all_done.set()

    def fail(self, why: str) -> None:
        with self.lock:
            self.failures[why] += 1
            self.n -= 1  # one fewer completion to wait for
            if len(self.done) >= self.n:
                self.all_done.set()

    def submit_all(self, one) -> None:
        """Call ``one(i)`` N times from SUBMITTERS threads; ``one`` records its own times."""
        self.started = time.perf_counter()
        with ThreadPoolExecutor(self.submitters) as pool:
            for future in [pool.submit(one, i) for i in range(self.n)]:
                future.result()
        self.submitted = time.perf_counter()

    def wait(self) -> None:
        if not self.all_done.wait(COMPLETION_TIMEOUT_S):
            log(
                f"e2e: only {len(self.done)} of {self.n} completions within {COMPLETION_TIMEOUT_S}s"
            )

    def figures(self) -> dict:
        latencies = [self.done[t] - t0 for t, t0 in self.sent.items() if t in self.done]
        completed = len(latencies)
        last = max((self.done[t] for t in self.sent if t in self.done), default=self.started)
        elapsed = last - self.started
        return {
            "tasks_per_s": round(completed / elapsed, 1) if elapsed > 0 else None,
            **latency_ms(latencies),
            "submitted": len(self.sent),
            "completed": completed,
            "lost": len(self.sent) - completed,
            "submit_failures": dict(self.failures),
            "submit_phase_per_s": round(len(self.sent) / (self.submitted - self.started), 1),
            "elapsed_s": round(elapsed, 2),
        }


# --- platform -------------------------------------------------------------------------------


def platform_run(base: str, token: str, run: Run) -> tuple[Run, dict]:
    feed = {"events": Counter(), "error_events": [], "closed": None}
    ws = connect(
        ws_url(base, f"/api/v1/ws?token={token}"), proxy=None, compression=None, max_queue=None
    )
    assert json.loads(ws.recv(10))["of"] == "auth"
    ws.send(json.dumps({"type": "subscribe", "task_id": "all"}))
    assert json.loads(ws.recv(10))["of"] == "subscribe"

    def receive() -> None:
        try:
            for raw in ws:
                now = time.perf_counter()
                event = json.loads(raw)
                feed["events"][event["type"]] += 1
                if event["type"] == "complete":
                    run.mark_done(event["task_id"], now)
                elif event["type"] == "error":
                    feed["error_events"].append(event)
                    run.mark_done(event["task_id"], now)
        except Exception as exc:
            feed["closed"] = f"{type(exc).__name__}: {exc}"

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    local = threading.local()

    def submit_one(_i: int) -> None:
        session = getattr(local, "session", None) or http_session()
        local.session = session
        t0 = time.perf_counter()
        try:
            resp = session.post(
                f"{base}/api/v1/tasks",
                json=BODY,
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            )
        except Exception as exc:
            run.fail(type(exc).__name__)
            return
        if resp.status_code != 202:
            run.fail(f"HTTP {resp.status_code}")
            return
        run.mark_sent(resp.json()["data"]["id"], t0)

    run.submit_all(submit_one)
    run.wait()
    ws.close()
    receiver.join(5)
    feed["events"] = dict(feed["events"])
    feed["error_events"] = feed["error_events"][:3]
    missing = [t for t in run.sent if t not in run.done][:10]
    if missing:
        # What the rows say about tasks whose completion never reached the socket.
        session = http_session()
        feed["missing_states"] = dict(
            Counter(
                session.get(
                    f"{base}/api/v1/tasks/{t}",
                    timeout=10,
                    headers={"Authorization": f"Bearer {token}"},
                ).json()["data"]["state"]
                for t in missing
            )
        )
    return run, feed


# --- raw Celery -----------------------------------------------------------------------------


def raw_run(stack: Stack, run: Run) -> Run:
    from bench.worker_app import DONE_KEY, noop

    stack.redis.delete(DONE_KEY)
    stop = threading.Event()

    def collect() -> None:
        client = stack.redis
        while not stop.is_set():
            item = client.blpop([DONE_KEY], timeout=1)
            if item is not None:
                run.mark_done(item[1].split()[0], time.perf_counter())

    collector = threading.Thread(target=collect, daemon=True)
    collector.start()

    def submit_one(_i: int) -> None:
        task_id = str(uuid.uuid4())
        t0 = time.perf_counter()
        try:
            noop.apply_async(task_id=task_id, queue="default")
        except Exception as exc:
            run.fail(type(exc).__name__)
            return
        run.mark_sent(task_id, t0)

    run.submit_all(submit_one)
    run.wait()
    stop.set()
    collector.join(5)
    return run


def serial_figures(run: Run) -> dict:
    figures = run.figures()
    return {k: figures[k] for k in ("p50_ms", "p99_ms", "completed", "lost")}


def run() -> dict:
    with Stack("e2e") as stack:
        stack.migrate()
        web, base = stack.kairos_web()
        worker = stack.celery_worker("bench-worker", "bench.worker_app:celery")
        token = register_user(base)["token"]

        log(f"e2e: warmup, {WARMUP_N} tasks each way")
        raw_run(stack, Run(WARMUP_N))
        platform_run(base, token, Run(WARMUP_N))

        log(f"e2e: raw apply_async, {N} tasks, {SUBMITTERS} submitters")
        raw = raw_run(stack, Run(N)).figures()
        log(f"e2e: raw: {raw}")
        log(f"e2e: platform, {N} tasks, {SUBMITTERS} submitters")
        platform_result, feed = platform_run(base, token, Run(N))
        platform = platform_result.figures()
        platform["feed"] = feed
        log(f"e2e: platform: {platform}")

        log(f"e2e: {SERIAL_N} tasks one at a time, each way")
        raw["serial"] = serial_figures(raw_run(stack, Run(SERIAL_N, 1, closed_loop=True)))
        serial, _feed = platform_run(base, token, Run(SERIAL_N, 1, closed_loop=True))
        platform["serial"] = serial_figures(serial)
        log(f"e2e: serial: raw {raw['serial']}, platform {platform['serial']}")
        problems = gather_problems([web, worker])

    return {
        "bench": "e2e",
        "ratio": ratio(platform["tasks_per_s"], raw["tasks_per_s"]),
        # One task at a time (idle system): the goal is platform p50 <= 2 x raw Celery's.
        "serial_latency": {
            "platform_p50_ms": platform["serial"]["p50_ms"],
            "baseline_p50_ms": raw["serial"]["p50_ms"],
            "platform_over_baseline_p50": ratio(
                platform["serial"]["p50_ms"], raw["serial"]["p50_ms"]
            ),
            "platform_p99_ms": platform["serial"]["p99_ms"],
            "baseline_p99_ms": raw["serial"]["p99_ms"],
        },
        "platform": platform,
        "baseline": raw,
        "settings": {
            "ratio_uses": "platform tasks_per_s / raw apply_async tasks_per_s (higher is better)",
            "serial_latency_ratio_p50": ratio(
                raw["serial"]["p50_ms"], platform["serial"]["p50_ms"]
            ),
            "serial_tasks": SERIAL_N,
            "tasks": N,
            "warmup_tasks": WARMUP_N,
            "submitters": SUBMITTERS,
            "platform_path": "POST /api/v1/tasks (JWT) -> worker -> complete event on one "
            "WebSocket subscribed to 'all'",
            "baseline_path": "apply_async(bench.noop) -> same worker -> LPUSH -> client BLPOP",
            "latency": "just before the POST / apply_async -> client receives the completion",
            "loaded_latency": "both submit faster than the worker drains: p50/p99 are mostly "
            "queueing, and the side that submits faster queues more; compare serial",
            "tasks_per_s": "completed / (last completion - first submission)",
            "worker": f"one celery -A bench.worker_app worker, prefork -c {WORKER_CONCURRENCY} "
            "-Q default, serving both",
            "web": f"kairos web, {WEB_WORKERS} gevent workers, up during both runs",
            "database": DATABASE_LABEL,
            "broker": BROKER,
            "machine": MACHINE,
            "server_log_problems": problems,
        },
    }
