"""TCP probe: the target accepts a connection on host:port."""

from __future__ import annotations

import asyncio
import contextlib
import time

from app.monitoring.domain.targets import TargetError, parse_tcp
from workers.monitoring.net import Policy, open_tcp
from workers.monitoring.probes.result import AVAILABLE, ProbeResult, common_failure, down


async def probe_tcp(target: str, timeout: float, policy: Policy) -> ProbeResult:
    try:
        hp = parse_tcp(target)
    except TargetError as exc:
        return down(f"Invalid target: {exc}", "PROBE_ERROR")
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            _reader, writer, address = await open_tcp(hp.host, hp.port, timeout, policy)
    except Exception as exc:
        known = common_failure(exc, timeout)
        if known is not None:
            return known
        if isinstance(exc, ConnectionRefusedError):
            return down(f"Connection refused by {hp.host}:{hp.port}")
        if isinstance(exc, OSError):
            return down(f"Could not connect to {hp.host}:{hp.port}: {exc.strerror or exc}")
        raise
    latency = (time.perf_counter() - t0) * 1000
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 1)
    return ProbeResult(AVAILABLE, f"Connected to {address}:{hp.port}", None, round(latency, 2))
