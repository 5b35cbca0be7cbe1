"""The registry of task kinds: what the API may enqueue, where it goes, who may ask.

Workloads add kinds here (by calling :func:`register` in the modules their manifest names,
app/workloads.py); the API validates ``params`` with the kind's schema, and the worker reads
its limits.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.workloads import MANIFESTS, queues

QUEUES = queues()


@dataclass(frozen=True)
class TaskKind:
    name: str
    queue: str
    schema: type[ma.Schema]
    description: str = ""
    role: str = "member"
    scope: str | None = None
    public: bool = True  # may be submitted over REST / WebSocket
    soft_time_limit: int = 300
    time_limit: int = 330
    max_retries: int = 3
    # Checks that the records named in params are the caller's (raises a 404 ApiError).
    authorize: Callable | None = None
    # The param that names a blob (app.platform.blobs) the task reads: TrackedTask deletes
    # that blob when the task ends, whichever way (not when it is only retrying).
    upload: str | None = None
    # prepare(principal, params, idempotency_key, store=True) -> params: turns what a client
    # sent into what the task row keeps (a large text moved into a blob and named by its key).
    # With store=False it only says what the params would be (a replay compares them).
    prepare: Callable | None = None

    def __post_init__(self):
        if self.queue not in QUEUES:
            raise ValueError(f"{self.name}: unknown queue {self.queue!r}")
        if self.time_limit <= self.soft_time_limit:
            raise ValueError(f"{self.name}: time_limit must exceed soft_time_limit")


REGISTRY: dict[str, TaskKind] = {}
KIND_MODULES = tuple(module for m in MANIFESTS for module in m.kind_modules)


def load_all() -> dict[str, TaskKind]:
    for module in KIND_MODULES:
        importlib.import_module(module)
    return REGISTRY


def register(kind: TaskKind) -> TaskKind:
    if kind.name in REGISTRY:
        raise ValueError(f"task kind {kind.name} registered twice")
    REGISTRY[kind.name] = kind
    return kind


def longest_time_limit() -> int:
    return max((k.time_limit for k in REGISTRY.values()), default=300)


class DiagnosticParams(Schema):
    steps = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    sleep = ma.fields.Float(load_default=0.0, validate=validate.Range(min=0, max=60))
    # Fails at that step if the run reaches it (a step past `steps` never comes). Not a
    # cross-field rule: the OpenAPI document cannot state one, and the contract is the document.
    fail_at = ma.fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=100_000)
    )
    payload_bytes = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=5_000_000))


class MailParams(Schema):
    to = ma.fields.Email(required=True)
    subject = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = ma.fields.String(required=True)


DIAGNOSTIC = register(
    TaskKind(
        name="platform.diagnostic",
        queue="default",
        schema=DiagnosticParams,
        description="Runs `steps` steps of `sleep` seconds, optionally failing at `fail_at`; "
        "used by smoke checks and benchmarks.",
        soft_time_limit=3600,
        time_limit=3660,
        max_retries=0,
    )
)
SEND_MAIL = register(
    TaskKind(
        name="platform.send_mail",
        queue="mail",
        schema=MailParams,
        public=False,
        description="Delivers one e-mail (SMTP, or the var/mail file sink).",
        soft_time_limit=60,
        time_limit=90,
        # A temporary SMTP failure retries after 2, 4, 8, 16 and 32 s: a minute of an
        # unreachable or greylisting server is absorbed.
        max_retries=5,
    )
)
JANITOR = register(
    TaskKind(
        name="platform.janitor",
        queue="default",
        schema=Schema,
        public=False,
        description="Re-sends lost queued tasks; fails tasks past their hard limit.",
    )
)
