"""ws_fanout: one task's events to 1,000 WebSocket subscribers, then 5,000 held connections.

Phase 1, platform: 1,000 clients subscribe to one queued diagnostic (steps=20, sleep=0.2);
then a worker starts and runs it: 22 events (running, 20 steps, complete) go to every
client. Delivery latency of each (client, event) is the receive time minus the event's ``ts``.
Baseline: the same 1,000 clients on a bare flask-sock endpoint fed by one Redis subscription
per process (``bench.baseline_apps.ws_app``), while this process publishes 22 events of the
same shape and size at the same pace.

Phase 2, platform only: 5,000 connections, each authenticated and subscribed to ``all``,
held for HOLD_S seconds with an application ping every 10 s; one no-op task midway checks
that its events still reach every connection. RSS of the gunicorn processes is sampled at
the start, middle and end of the hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from datetime import datetime

from websockets.asyncio.client import ClientConnection, connect

from bench.baseline_apps import WS_CHANNEL
from bench.common import (
    BIN,
    MACHINE,
    WEB_WORKERS,
    Stack,
    gather_problems,
    http_session,
    latency_ms,
    log,
    ratio,
    register_user,
    tree_rss_mib,
    ws_url,
)

SUBSCRIBERS = 1000
STEPS, STEP_SLEEP = 20, 0.2
EVENTS_PER_CLIENT = STEPS + 2  # running + one per step + complete
HELD = 5000
HOLD_S = 30
PING_EVERY_S = 10
CONNECT_CONCURRENCY = 100
DELIVERY_TIMEOUT_S = 60
KIND = "platform.diagnostic"


def ts_epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


async def open_ws(url: str) -> ClientConnection:
    # No client-side keepalive pings: phase 2 sends its own, at a known rate.
    return await connect(
        url,
        proxy=None,
        compression=None,
        ping_interval=None,
        open_timeout=60,
        close_timeout=5,
        max_queue=None,
    )


async def recv_json(ws: ClientConnection, timeout: float = 30) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


class Delivery:
    """Latencies and counts of one task's events across all subscribers."""

    def __init__(self, task_id: str):
        self.task_id = task_id
        self.latencies: list[float] = []
        self.types: Counter = Counter()
        self.per_client: list[int] = []
        self.out_of_order = 0
        self.closed: Counter = Counter()

    async def listen(self, ws: ClientConnection) -> None:
        got, last_id = 0, ""
        try:
            async for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("task_id") != self.task_id:
                    continue
                self.latencies.append(now - ts_epoch(event["ts"]))
                self.types[event["type"]] += 1
                got += 1
                # Stream ids of one task only grow; an older one means reordering.
                if last_id and _id_key(event["id"]) <= _id_key(last_id):
                    self.out_of_order += 1
                last_id = event["id"]
                if event["type"] in ("complete", "error"):
                    break
        except Exception as exc:
            self.closed[type(exc).__name__] += 1
        finally:
            self.per_client.append(got)

    def figures(self, clients: int) -> dict:
        expected = clients * EVENTS_PER_CLIENT
        return {
            **latency_ms(self.latencies),
            "delivered": len(self.latencies),
            "expected": expected,
            "delivered_ratio": round(len(self.latencies) / expected, 4) if expected else None,
            "clients_with_all_events": sum(1 for n in self.per_client if n == EVENTS_PER_CLIENT),
            "events_by_type": dict(self.types),
            "out_of_order": self.out_of_order,
            "closed_early": dict(self.closed),
        }


def _id_key(event_id: str) -> tuple[int, int]:
    ms_part, _, seq = event_id.partition("-")
    return int(ms_part), int(seq or 0)


async def connect_many(n: int, open_one) -> tuple[list, Counter, float]:
    """Open n clients, CONNECT_CONCURRENCY at a time; returns (clients, errors, seconds)."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    errors: Counter = Counter()

    async def one():
        async with gate:
            try:
                return await open_one()
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                return None

    started = time.monotonic()
    clients = [c for c in await asyncio.gather(*(one() for _ in range(n))) if c is not None]
    return clients, errors, round(time.monotonic() - started, 1)


async def close_all(clients: list[ClientConnection]) -> None:
    await asyncio.gather(*(ws.close() for ws in clients), return_exceptions=True)


# --- phase 1: platform ----------------------------------------------------------------------


def submit(base: str, token: str, params: dict) -> str:
    resp = http_session().post(
        f"{base}/api/v1/tasks",
        json={"kind": KIND, "params": params},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    if resp.status_code != 202:
        raise RuntimeError(f"submit: {resp.status_code} {resp.text[:300]}")
    return resp.json()["data"]["id"]


async def platform_fanout(stack: Stack, web, base: str, token: str) -> dict:
    # Queued while no worker runs, so every client is subscribed before the first event.
    task_id = submit(base, token, {"steps": STEPS, "sleep": STEP_SLEEP})
    url = ws_url(base, f"/api/v1/ws?token={token}")

    async def open_one() -> ClientConnection:
        ws = await open_ws(url)
        assert (await recv_json(ws))["of"] == "auth"
        await ws.send(json.dumps({"type": "subscribe", "task_id": task_id}))
        ack = await recv_json(ws)
        assert ack.get("of") == "subscribe", ack
        return ws

    clients, errors, took = await connect_many(SUBSCRIBERS, open_one)
    log(f"ws_fanout: platform: {len(clients)} subscribed in {took}s, errors {dict(errors)}")
    rss = tree_rss_mib(web.pid)
    delivery = Delivery(task_id)
    listeners = [asyncio.create_task(delivery.listen(ws)) for ws in clients]
    worker = await asyncio.to_thread(
        stack.start, "kairos-worker", [str(BIN / "kairos"), "worker", "-Q", "default"]
    )
    _done, pending = await asyncio.wait(listeners, timeout=DELIVERY_TIMEOUT_S)
    for task in pending:
        task.cancel()
    await close_all(clients)
    figures = delivery.figures(SUBSCRIBERS)
    figures.update(
        subscribed=len(clients),
        connect_errors=dict(errors),
        connect_s=took,
        gunicorn_rss_mib=rss,
        timed_out_clients=len(pending),
    )
    return {"figures": figures, "worker": worker}


# --- phase 1: baseline ----------------------------------------------------------------------


def baseline_events(task_id: str):
    """The platform's event sequence for the same task: same fields, same sizes."""
    yield {
        "type": "progress",
        "task_id": task_id,
        "kind": KIND,
        "stage": "running",
        "percent": 0,
        "message": None,
    }
    for step in range(1, STEPS + 1):
        yield {
            "type": "progress",
            "task_id": task_id,
            "kind": KIND,
            "stage": "step",
            "percent": int(100 * step / STEPS),
            "message": f"step {step} of {STEPS}",
        }
    yield {
        "type": "complete",
        "task_id": task_id,
        "kind": KIND,
        "data": {"steps": STEPS, "payload": ""},
    }


async def baseline_fanout(stack: Stack, proc, base: str) -> dict:
    from app.events import now_iso

    task_id = str(uuid.uuid4())
    url = ws_url(base, "/ws")

    async def open_one() -> ClientConnection:
        ws = await open_ws(url)
        assert (await recv_json(ws))["of"] == "subscribe"
        return ws

    clients, errors, took = await connect_many(SUBSCRIBERS, open_one)
    log(f"ws_fanout: baseline: {len(clients)} connected in {took}s, errors {dict(errors)}")
    rss = tree_rss_mib(proc.pid)
    delivery = Delivery(task_id)
    listeners = [asyncio.create_task(delivery.listen(ws)) for ws in clients]
    for seq, event in enumerate(baseline_events(task_id)):
        if 1 <= seq <= STEPS:  # the worker sleeps before each step, not before the others
            await asyncio.sleep(STEP_SLEEP)
        event["ts"] = now_iso()
        event["id"] = f"{int(time.time() * 1000)}-{seq}"
        # Synchronous on purpose: the stamp-then-publish gap stays as short as the worker's.
        stack.redis.publish(WS_CHANNEL, json.dumps(event, separators=(",", ":")))
    _done, pending = await asyncio.wait(listeners, timeout=DELIVERY_TIMEOUT_S)
    for task in pending:
        task.cancel()
    await close_all(clients)
    figures = delivery.figures(SUBSCRIBERS)
    figures.update(
        subscribed=len(clients),
        connect_errors=dict(errors),
        connect_s=took,
        gunicorn_rss_mib=rss,
        timed_out_clients=len(pending),
    )
    return figures


# --- phase 2: held connections --------------------------------------------------------------


async def hold_phase(base: str, token: str, web) -> dict:
    url = ws_url(base, f"/api/v1/ws?token={token}")
    rss = {"before_connect": tree_rss_mib(web.pid)}

    async def open_one() -> ClientConnection:
        ws = await open_ws(url)
        assert (await recv_json(ws, 60))["of"] == "auth"
        await ws.send(json.dumps({"type": "subscribe", "task_id": "all"}))
        assert (await recv_json(ws, 60)).get("of") == "subscribe"
        return ws

    log(f"ws_fanout: opening {HELD} connections subscribed to 'all'")
    clients, errors, took = await connect_many(HELD, open_one)
    log(f"ws_fanout: {len(clients)} open in {took}s, errors {dict(errors)}")
    stats: Counter = Counter()
    probe: dict = {"task_id": None, "latencies": []}
    holding = True

    async def read(ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("type") == "pong":
                    stats["pongs"] += 1
                elif event.get("task_id") == probe["task_id"] and event["type"] == "complete":
                    probe["latencies"].append(now - ts_epoch(event["ts"]))
        except Exception as exc:
            stats[f"reader_error {type(exc).__name__}"] += 1
        if holding:  # the server ended it, not us
            stats[f"closed_during_hold code={ws.close_code}"] += 1

    async def pinger(until: float) -> None:
        # Each client pings once per PING_EVERY_S, spread evenly over the interval.
        batches = 100
        size = -(-len(clients) // batches)
        while time.monotonic() < until:
            for i in range(0, len(clients), size):
                for ws in clients[i : i + size]:
                    try:
                        await ws.send('{"type":"ping"}')
                        stats["pings"] += 1
                    except Exception:
                        stats["ping_failures"] += 1
                await asyncio.sleep(PING_EVERY_S / batches)
                if time.monotonic() >= until:
                    return

    readers = [asyncio.create_task(read(ws)) for ws in clients]
    start = time.monotonic()
    end = start + HOLD_S
    pings = asyncio.create_task(pinger(end))
    rss["start"] = tree_rss_mib(web.pid)
    await asyncio.sleep(max(0.0, start + HOLD_S / 2 - 3 - time.monotonic()))
    probe["task_id"] = await asyncio.to_thread(submit, base, token, {})
    await asyncio.sleep(max(0.0, start + HOLD_S / 2 - time.monotonic()))
    rss["middle"] = tree_rss_mib(web.pid)
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    rss["end"] = tree_rss_mib(web.pid)
    holding = False
    await pings
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await close_all(clients)
    return {
        "attempted": HELD,
        "established": len(clients),
        "connect_errors": dict(errors),
        "connect_s": took,
        "hold_s": HOLD_S,
        "pings": stats.pop("pings", 0),
        "pongs": stats.pop("pongs", 0),
        "other": dict(stats),
        "probe_task_complete_received": len(probe["latencies"]),
        "probe_delivery": latency_ms(probe["latencies"]),
        "gunicorn_rss_mib": rss,
        "rss_per_connection_kib": round(
            (rss["start"] - rss["before_connect"]) * 1024 / max(1, len(clients)), 1
        ),
    }


def run() -> dict:
    problems: dict = {}
    with Stack("ws-baseline") as stack:
        proc, base = stack.gunicorn("baseline-ws", "bench.baseline_apps:ws_app()")
        baseline = asyncio.run(baseline_fanout(stack, proc, base))
        log(f"ws_fanout: baseline: {baseline}")
        problems.update(gather_problems([proc]))

    with Stack("ws-platform") as stack:
        stack.migrate()
        web, base = stack.kairos_web()
        token = register_user(base)["token"]
        phase1 = asyncio.run(platform_fanout(stack, web, base, token))
        platform = phase1["figures"]
        log(f"ws_fanout: platform: {platform}")
        hold = asyncio.run(hold_phase(base, token, web))
        log(f"ws_fanout: hold: {hold}")
        problems.update(gather_problems([web, phase1["worker"]]))

    with contextlib.suppress(KeyError):
        platform["held_connections"] = hold
    return {
        "bench": "ws_fanout",
        "ratio": ratio(baseline["p99_ms"], platform["p99_ms"]),
        "platform": platform,
        "baseline": baseline,
        "settings": {
            "ratio_uses": "baseline p99_ms / platform p99_ms of delivery latency "
            "(higher is better)",
            "subscribers": SUBSCRIBERS,
            "task": f"{KIND} steps={STEPS} sleep={STEP_SLEEP}: {EVENTS_PER_CLIENT} events",
            "latency": "client receive time - event ts (ts has millisecond resolution, "
            "truncated); one asyncio client process reads every socket",
            "baseline_server": "bench.baseline_apps:ws_app, flask-sock, one Redis pub/sub "
            "subscription per process, per-connection queues; events published by the bench",
            "server": f"gunicorn gevent, {WEB_WORKERS} workers, app.gunicorn_conf for both",
            "connect_concurrency": CONNECT_CONCURRENCY,
            "held_connections": HELD,
            "hold_s": HOLD_S,
            "ping_every_s": PING_EVERY_S,
            "nofile": "bench and servers raised to the hard limit",
            "machine": MACHINE,
            "server_log_problems": problems,
        },
    }
