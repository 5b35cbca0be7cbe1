"""What a probe returns, and the failures every probe type shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workers.monitoring.net import BlockedTarget, ResolveError

AVAILABLE, NOT_AVAILABLE = "AVAILABLE", "NOT_AVAILABLE"
CONNECTION_ERROR, DOCKER_ERROR, BLOCKED_TARGET = (
    "CONNECTION_ERROR",
    "DOCKER_ERROR",
    "BLOCKED_TARGET",
)


@dataclass
class ProbeResult:
    status: str
    message: str
    error_code: str | None
    latency_ms: float | None = None
    cert_expires_at: datetime | None = None

    @property
    def up(self) -> bool:
        return self.status == AVAILABLE


def down(message: str, code: str = CONNECTION_ERROR, latency_ms: float | None = None):
    return ProbeResult(NOT_AVAILABLE, message[:1000], code, latency_ms)


def refused(exc: BlockedTarget) -> ProbeResult:
    return down(str(exc), BLOCKED_TARGET)


def common_failure(exc: BaseException, timeout: float) -> ProbeResult | None:
    """Failures every probe type shares: refusal, DNS, timeout."""
    if isinstance(exc, BlockedTarget):
        return refused(exc)
    if isinstance(exc, ResolveError):
        return down(str(exc))
    if isinstance(exc, TimeoutError):
        return down(f"Timed out after {timeout:g}s")
    return None
