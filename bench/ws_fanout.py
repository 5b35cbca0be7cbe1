"""ws_fanout: one task's events to 1,000 WebSocket subscribers, then 5,000 held connections.

Phase 1, platform: 1,000 clients subscribe to one queued diagnostic (steps=20, sleep=0.2);
then a worker starts and runs it: 22 events (running, 20 steps, complete) go to every
client. Delivery latency of each (client, event) is the receive time minus the event's ``ts``.
Baseline: 1,000 clients on a bare flask-sock endpoint fed by one Redis subscription per
process (``bench.baseline_apps.ws_app``), while this process publishes 22 events of the same
shape and size at the pace the platform's worker just had (from the task's stored ``ts``).
Both servers stay up with their clients connected, and ROUNDS rounds run one side then the
other, so a busy moment of the machine hits both.

Before phase 1, on the fresh server: STORM new clients connect, subscribe to one task and
ping, all at once (``reconnect_storm``); failures and clients acknowledged but never answered
again are counted.

Phase 2, platform only: 5,000 connections, each authenticated and subscribed to ``all``,
held for HOLD_S seconds with an application ping every 10 s; one no-op task midway checks
that its events still reach every connection. RSS of the gunicorn processes is sampled at
the start, middle and end of the hold.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections import Counter
from datetime import datetime

from websockets.asyncio.client import ClientConnection, connect

from app.events import id_key, now_iso, stream_key
from bench.baseline_apps import WS_CHANNEL
from bench.common import (
    BIN,
    DATABASE_LABEL,
    MACHINE,
    WEB_WORKERS,
    Stack,
    gather_problems,
    http_session,
    latency_ms,
    log,
    ms,
    percentile,
    ratio,
    register_user,
    tree_rss_mib,
    ws_url,
)

SUBSCRIBERS = 1000
# Tasks per side. One round's p99 rests on the slowest ~200 of its 22,000 deliveries, and
# moves 2x between rounds on a quiet machine: the ratio takes the median round.
ROUNDS = 5
STEPS, STEP_SLEEP = 20, 0.2
EVENTS_PER_CLIENT = STEPS + 2  # running + one per step + complete
HELD = 5000
STORM = 2000
# A storm client's ping unanswered this long after its subscribe ack counts as a failure.
SILENT_AFTER_S = 60
HOLD_S = 30
PING_EVERY_S = 10
CONNECT_CONCURRENCY = 100
# Subscribes in flight at once in phase 1. Each is acknowledged before the server reads the
# task's stream, so a client-side bound does not bound the server's Redis reads; kept small,
# and the unbounded case is measured on its own (reconnect_storm).
SUBSCRIBE_CONCURRENCY = 10
DELIVERY_TIMEOUT_S = 20
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
    """Latencies and counts of task events across all subscribers and rounds."""

    def __init__(self):
        self.latencies: list[float] = []
        self.types: Counter = Counter()
        self.per_client: list[int] = []
        self.out_of_order = 0
        self.closed: Counter = Counter()
        self.clients = 0

    async def listen(self, ws: ClientConnection, task_id: str) -> None:
        got, last_id = 0, ""
        try:
            async for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("task_id") != task_id:
                    continue
                self.latencies.append(now - ts_epoch(event["ts"]))
                self.types[event["type"]] += 1
                got += 1
                # Stream ids of one task only grow; an older one means reordering.
                if last_id and id_key(event["id"]) <= id_key(last_id):
                    self.out_of_order += 1
                last_id = event["id"]
                if event["type"] in ("complete", "error"):
                    break
        except Exception as exc:
            self.closed[type(exc).__name__] += 1
        finally:
            self.per_client.append(got)

    async def round(self, clients: list[ClientConnection], task_id: str, go) -> int:
        """Listen on every client while ``go()`` makes the task's events; returns timeouts."""
        self.clients += len(clients)
        listeners = [asyncio.create_task(self.listen(ws, task_id)) for ws in clients]
        await go()
        _done, pending = await asyncio.wait(listeners, timeout=DELIVERY_TIMEOUT_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)

    def figures(self) -> dict:
        expected = self.clients * EVENTS_PER_CLIENT
        return {
            **latency_ms(self.latencies),
            "p90_ms": ms(percentile(self.latencies, 90)),
            "delivered": len(self.latencies),
            "expected": expected,
            "delivered_ratio": round(len(self.latencies) / expected, 4) if expected else None,
            "clients_with_all_events": sum(1 for n in self.per_client if n == EVENTS_PER_CLIENT),
            "events_by_type": dict(self.types),
            "out_of_order": self.out_of_order,
            "closed_early": dict(self.closed),
        }


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


# --- the platform's feed, and the reconnect storm -----------------------------------------


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


async def subscribe(ws: ClientConnection, task_id: str, errors: Counter, timeout=10) -> bool:
    try:
        await ws.send(json.dumps({"type": "subscribe", "task_id": task_id}))
        ack = await recv_json(ws, timeout)
        assert ack.get("of") == "subscribe", ack
        return True
    except Exception as exc:
        errors[type(exc).__name__] += 1
        return False


def platform_opener(url: str):
    async def open_one() -> ClientConnection:
        ws = await open_ws(url)
        assert (await recv_json(ws, 60))["of"] == "auth"
        return ws

    return open_one


async def reconnect_storm(base: str, token: str) -> dict:
    """STORM fresh clients at once, as when every browser reconnects after a restart: each
    connects, subscribes to one task and pings, none waiting for another. A client whose ping
    is not answered within SILENT_AFTER_S holds a connection the server no longer serves: it is
    a failure (``silent``), as are clients that could not connect or got no ack. Slow answers
    are figures (``pong_after_ack``)."""
    task_id = submit(base, token, {})  # stays queued: no worker runs yet
    url = ws_url(base, f"/api/v1/ws?token={token}")
    opener = platform_opener(url)
    errors: Counter = Counter()
    pong_s: list[float] = []

    async def one() -> tuple[str, ClientConnection | None]:
        try:
            ws = await opener()
        except Exception as exc:
            cause = exc.__cause__ or exc.__context__
            why = f" ({type(cause).__name__}: {str(cause)[:60]})" if cause is not None else ""
            errors[f"connect {type(exc).__name__}: {str(exc)[:70]}{why}"] += 1
            return "connect_failed", None
        if not await subscribe(ws, task_id, errors, timeout=SILENT_AFTER_S):
            return "no_ack", ws
        sent = time.monotonic()
        try:
            await ws.send('{"type":"ping"}')
            async with asyncio.timeout(SILENT_AFTER_S):
                while (await recv_json(ws)).get("type") != "pong":
                    pass
            pong_s.append(time.monotonic() - sent)
            return "alive", ws
        except Exception as exc:
            errors[f"ping {type(exc).__name__}"] += 1
            return "silent", ws

    started = time.monotonic()
    results = await asyncio.gather(*(one() for _ in range(STORM)))
    took = round(time.monotonic() - started, 1)
    await close_all([ws for _outcome, ws in results if ws is not None])
    cancel = http_session().delete(
        f"{base}/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    if cancel.status_code != 200:
        log(f"ws_fanout: could not cancel the storm's task: {cancel.status_code}")
    outcomes = Counter(outcome for outcome, _ws in results)
    kinds = ("alive", "silent", "no_ack", "connect_failed")
    return {
        "clients": STORM,
        **{k: outcomes.get(k, 0) for k in kinds},
        "failed": STORM - outcomes.get("alive", 0),
        "pong_after_ack": latency_ms(pong_s),
        "pong_after_ack_over_5s": sum(1 for s in pong_s if s > 5),
        "errors": dict(errors),
        "seconds": took,
    }


# --- phase 1: both sides, round by round ----------------------------------------------------


class Side:
    """One server's SUBSCRIBERS clients in phase 1, and what they received."""

    def __init__(self, name: str, pid: int):
        self.name = name
        self.pid = pid
        self.clients: list[ClientConnection] = []
        self.delivery = Delivery()
        self.info: dict = {"gunicorn_rss_mib": {}, "timed_out_clients": 0, "p99_ms_by_round": []}

    async def connect(self, open_one) -> None:
        self.info["gunicorn_rss_mib"]["before_connect"] = tree_rss_mib(self.pid)
        self.clients, errors, took = await connect_many(SUBSCRIBERS, open_one)
        self.info["gunicorn_rss_mib"]["connected"] = tree_rss_mib(self.pid)
        self.info.update(subscribed=len(self.clients), connect_errors=dict(errors), connect_s=took)
        log(f"ws_fanout: {self.name}: {len(self.clients)} connected in {took}s, {dict(errors)}")

    async def round(self, task_id: str, go) -> None:
        first = len(self.delivery.latencies)
        self.info["timed_out_clients"] += await self.delivery.round(self.clients, task_id, go)
        latencies = self.delivery.latencies[first:]
        self.info["p99_ms_by_round"].append(ms(percentile(latencies, 99)))

    def figures(self) -> dict:
        rss = self.info["gunicorn_rss_mib"]
        grown = (rss["connected"] - rss["before_connect"]) * 1024 / max(1, len(self.clients))
        return {
            **self.delivery.figures(),
            "p99_ms_median_round": statistics.median(self.info["p99_ms_by_round"]),
            **self.info,
            "rss_per_connection_kib": round(grown, 1),
        }


async def platform_round(side: Side, stack: Stack, base: str, token: str, n: int) -> str:
    # Queued while no worker runs, so every client is subscribed before the first event;
    # a fresh worker per round, since one left running would start the next task at once.
    task_id = submit(base, token, {"steps": STEPS, "sleep": STEP_SLEEP})
    gate = asyncio.Semaphore(SUBSCRIBE_CONCURRENCY)
    errors = side.info.setdefault("subscribe_errors", Counter())

    async def gated(ws: ClientConnection) -> None:
        async with gate:
            await subscribe(ws, task_id, errors)

    await asyncio.gather(*(gated(ws) for ws in side.clients))
    workers = side.info.setdefault("workers", [])

    async def start_worker():
        argv = [str(BIN / "kairos"), "worker", "-Q", "default"]
        workers.append(await asyncio.to_thread(stack.start, f"kairos-worker-{n}", argv))

    await side.round(task_id, start_worker)
    await asyncio.to_thread(stack.stop, workers[-1])
    return task_id


def pace_of(stack: Stack, task_id: str) -> list[float]:
    """When the platform stamped each of the task's events, in seconds after the first."""
    entries = stack.redis.xrange(stream_key(task_id))
    stamps = [ts_epoch(json.loads(fields["e"])["ts"]) for _id, fields in entries]
    if len(stamps) != EVENTS_PER_CLIENT:  # events lost: fall back to the nominal pace
        return [STEP_SLEEP * min(seq, STEPS) for seq in range(EVENTS_PER_CLIENT)]
    return [t - stamps[0] for t in stamps]


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


async def baseline_round(side: Side, stack: Stack, pace: list[float]) -> None:
    task_id = str(uuid.uuid4())

    async def publish():
        # The platform's own pace: the gap before "complete" (a row update) matters, as two
        # events fanned out back to back queue behind each other.
        start = time.monotonic()
        for seq, (offset, event) in enumerate(zip(pace, baseline_events(task_id), strict=True)):
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            event["ts"] = now_iso()
            event["id"] = f"{int(time.time() * 1000)}-{seq}"
            # Synchronous: stamp-then-publish stays as short as in the worker.
            stack.redis.publish(WS_CHANNEL, json.dumps(event, separators=(",", ":")))

    await side.round(task_id, publish)


async def fanout(pstack: Stack, web, pbase: str, token: str, bstack: Stack, bproc, bbase: str):
    """ROUNDS rounds, platform then baseline at the platform's pace, so both see the same
    machine and the same timing."""
    platform, baseline = Side("platform", web.pid), Side("baseline", bproc.pid)
    await platform.connect(platform_opener(ws_url(pbase, f"/api/v1/ws?token={token}")))
    burl = ws_url(bbase, "/ws")

    async def open_baseline() -> ClientConnection:
        ws = await open_ws(burl)
        assert (await recv_json(ws))["of"] == "subscribe"
        return ws

    await baseline.connect(open_baseline)
    for n in range(1, ROUNDS + 1):
        task_id = await platform_round(platform, pstack, pbase, token, n)
        await baseline_round(baseline, bstack, pace_of(pstack, task_id))
        log(
            f"ws_fanout: round {n}: p99 ms baseline {baseline.info['p99_ms_by_round'][-1]}, "
            f"platform {platform.info['p99_ms_by_round'][-1]}"
        )
    await close_all(platform.clients + baseline.clients)
    workers = platform.info.pop("workers", [])
    platform.info["subscribe_errors"] = dict(platform.info.get("subscribe_errors", {}))
    return platform.figures(), baseline.figures(), workers


# --- phase 2: held connections --------------------------------------------------------------


async def hold_phase(base: str, token: str, web) -> dict:
    url = ws_url(base, f"/api/v1/ws?token={token}")
    rss = {"before_connect": tree_rss_mib(web.pid)}
    opener = platform_opener(url)

    async def open_one() -> ClientConnection:
        ws = await opener()
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
    with Stack("ws-platform") as pstack:
        pstack.migrate()
        web, pbase = pstack.kairos_web()
        token = register_user(pbase)["token"]
        # On a fresh server (its Redis pool not yet grown), as after a deploy; then a new one
        # for the rest, so nothing the storm left behind weighs on the measurements.
        storm = asyncio.run(reconnect_storm(pbase, token))
        log(f"ws_fanout: reconnect storm: {storm}")
        problems["kairos-web (reconnect storm)"] = web.log_problems()
        pstack.stop(web)
        web, pbase = pstack.kairos_web()
        with Stack("ws-baseline", inner=True) as bstack:
            bproc, bbase = bstack.gunicorn("baseline-ws", "bench.baseline_apps:ws_app()")
            platform, baseline, workers = asyncio.run(
                fanout(pstack, web, pbase, token, bstack, bproc, bbase)
            )
            problems.update(gather_problems([bproc]))
        log(f"ws_fanout: baseline: {baseline}")
        log(f"ws_fanout: platform: {platform}")
        platform["reconnect_storm"] = storm
        failures = []
        if storm["failed"]:
            failures.append(
                f"reconnect storm: {storm['failed']} of {STORM} clients not served "
                f"({storm['silent']} silent, {storm['no_ack']} without ack, "
                f"{storm['connect_failed']} failed to connect)"
            )
        # Started before the connections, so its boot is over when the probe task is sent.
        argv = [str(BIN / "kairos"), "worker", "-Q", "default"]
        worker = pstack.start("kairos-worker-hold", argv)
        platform["held_connections"] = asyncio.run(hold_phase(pbase, token, web))
        log(f"ws_fanout: hold: {platform['held_connections']}")
        problems.update(gather_problems([web, *workers, worker]))

    return {
        "bench": "ws_fanout",
        "failures": failures,
        "ratio": ratio(baseline["p99_ms_median_round"], platform["p99_ms_median_round"]),
        "platform": platform,
        "baseline": baseline,
        "settings": {
            "ratio_uses": "baseline p99_ms_median_round / platform p99_ms_median_round: the "
            "median over rounds of each round's p99 delivery latency (higher is better); "
            "p99_ms is over all rounds pooled",
            "subscribers": SUBSCRIBERS,
            "task": f"{KIND} steps={STEPS} sleep={STEP_SLEEP}: {EVENTS_PER_CLIENT} events",
            "latency": "client receive time - event ts (ts has millisecond resolution, "
            "truncated); one asyncio client process reads every socket",
            "baseline_server": "bench.baseline_apps:ws_app, flask-sock, one Redis pub/sub "
            "subscription per process, per-connection queues; events published by the bench",
            "server": f"gunicorn gevent, {WEB_WORKERS} workers, app.gunicorn_conf for both",
            "connect_concurrency": CONNECT_CONCURRENCY,
            "subscribe_concurrency": SUBSCRIBE_CONCURRENCY,
            "rounds": f"{ROUNDS}, each platform then baseline",
            "baseline_pace": "the platform task's event ts offsets of the same round",
            "held_connections": HELD,
            "reconnect_storm": f"{STORM} clients, no bound on concurrency; a ping unanswered "
            f"{SILENT_AFTER_S} s after the subscribe ack is a failure (silent)",
            "hold_s": HOLD_S,
            "ping_every_s": PING_EVERY_S,
            "nofile": "bench and servers raised to the hard limit",
            "database": DATABASE_LABEL,
            "machine": MACHINE,
            "server_log_problems": problems,
        },
    }
