"""Probes: one check of one resource, as a coroutine, and a batch of them run concurrently.

A probe never raises for the target's failures: it returns a :class:`ProbeResult` whose
``status`` is ``AVAILABLE`` or ``NOT_AVAILABLE`` with a message a person understands and an
``error_code`` (the seed's: the HTTP status, ``CONNECTION_ERROR``, ``DOCKER_ERROR``; and
``BLOCKED_TARGET`` when the address rule refused the target). A bug of ours is not the
target being down: :func:`run_batch` returns ``None`` for such a probe and logs it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workers.monitoring.net import Policy
from workers.monitoring.probes import http, registry, tcp
from workers.monitoring.probes.result import (  # noqa: F401 - the probes' one vocabulary
    AVAILABLE,
    BLOCKED_TARGET,
    CONNECTION_ERROR,
    DOCKER_ERROR,
    NOT_AVAILABLE,
    ProbeResult,
    down,
)

log = logging.getLogger("kairos.monitoring")

DEFAULT_TIMEOUT = 15.0
MAX_CONCURRENT = 1000  # sockets one batch may hold open at once


@dataclass
class ProbeSpec:
    """What a probe needs to know about a resource (no ORM object crosses into a batch)."""

    resource_id: str
    resource_type: str
    target: str
    timeout: float = DEFAULT_TIMEOUT
    skip_tls: bool = False
    due_at: datetime | None = None  # when the check was due (lag = start - due)


@dataclass
class Outcome:
    spec: ProbeSpec
    result: ProbeResult | None  # None: our own error, nothing to record as the target's
    started_at: datetime
    lag: float | None
    duration: float = 0.0
    extra: dict = field(default_factory=dict)


async def probe(spec: ProbeSpec, policy: Policy, settings=None) -> ProbeResult:
    if spec.resource_type == "HTTP":
        return await http.probe_http(spec.target, spec.timeout, spec.skip_tls, policy)
    if spec.resource_type == "TCP":
        return await tcp.probe_tcp(spec.target, spec.timeout, policy)
    if spec.resource_type == "DOCKER":
        insecure = tuple(getattr(settings, "probe_insecure_registries", ()) or ())
        return await registry.probe_image(
            spec.target, spec.timeout, spec.skip_tls, policy, insecure=insecure
        )
    return down(f"Unknown resource type {spec.resource_type}", "PROBE_ERROR")


async def _one(spec: ProbeSpec, policy: Policy, settings, gate: asyncio.Semaphore) -> Outcome:
    if spec.due_at is not None:
        # Claimed a little ahead of time: start on the dot, never before (the event loop may
        # wake a timer up to its clock resolution early).
        while (wait := (spec.due_at - datetime.now(UTC)).total_seconds()) > 0:
            await asyncio.sleep(wait + 0.001)
    async with gate:
        started_at = datetime.now(UTC)
        lag = (started_at - spec.due_at).total_seconds() if spec.due_at else None
        t0 = time.perf_counter()
        try:
            result = await probe(spec, policy, settings)
        except Exception:
            log.exception(
                "probe_crashed", extra={"resource_id": spec.resource_id, "type": spec.resource_type}
            )
            result = None
        return Outcome(spec, result, started_at, lag, time.perf_counter() - t0)


async def run_batch(specs: list[ProbeSpec], policy: Policy, settings=None) -> list[Outcome]:
    """Probe every resource of a batch concurrently; one outcome per spec, in order."""
    gate = asyncio.Semaphore(MAX_CONCURRENT)
    return list(await asyncio.gather(*(_one(s, policy, settings, gate) for s in specs)))
