"""``kairos client tasks list|show|cancel|retry|watch`` and ``kairos client submit``."""

from __future__ import annotations

import json

import click
from rich.table import Table

from app.client.api import EXIT_USAGE, ClientError
from app.client.base import (
    Group,
    State,
    emit,
    follow_task,
    json_option,
    pass_state,
    show_finished,
    started,
)

STATES = ("queued", "running", "retrying", "succeeded", "failed", "cancelled")


@click.group(cls=Group)
def tasks():
    """The org's tasks."""


@tasks.command("list")
@click.option("--state", "task_state", type=click.Choice(STATES), help="Only tasks in this state")
@click.option("--kind", help="Only tasks of this kind")
@click.option("--page", type=click.IntRange(1, 100_000), default=1, show_default=True)
@click.option("--page-size", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
@pass_state
def list_tasks(state: State, task_state, **query):
    """Tasks, newest first."""
    query["state"] = task_state
    params = {k: v for k, v in query.items() if v is not None}
    envelope = state.signed_in_api().request("GET", "/api/v1/tasks", params=params)
    if state.json:
        return emit(state, {"data": envelope["data"], "meta": envelope.get("meta")})
    table = Table("id", "kind", "state", "progress", "stage", "created")
    for task in envelope["data"]:
        stage = ": ".join(p for p in (task.get("stage"), task.get("message")) if p)
        table.add_row(
            task["id"],
            task["kind"],
            task["state"],
            f"{task['progress']}%",
            stage,
            task["created_at"][:19],
        )
    state.out.print(table)
    meta = envelope.get("meta") or {}
    if meta.get("total") is not None:
        state.out.print(f"page {meta.get('page')} of {meta['total']} task(s)")


@tasks.command()
@click.argument("task_id")
@json_option
@pass_state
def show(state: State, task_id):
    """One task: state, progress, result or error."""
    task = state.signed_in_api().task(task_id)
    if state.json:
        return emit(state, task)
    state.out.print_json(data=task, default=str)


@tasks.command()
@click.argument("task_id")
@json_option
@pass_state
def cancel(state: State, task_id):
    """Cancel a task that has not finished (exit 2: it is cancelled)."""
    task = state.signed_in_api().delete(f"/api/v1/tasks/{task_id}")
    raise click.exceptions.Exit(show_finished(state, task))


@tasks.command()
@click.argument("task_id")
@click.option("--follow", is_flag=True, help="Follow the new task live until it ends")
@json_option
@pass_state
def retry(state: State, task_id, follow):
    """Run a failed or cancelled task again, as a new task."""
    task = state.signed_in_api().post(f"/api/v1/tasks/{task_id}/retry")
    started(state, task, follow)


@tasks.command()
@click.argument("task_id")
@json_option
@pass_state
def watch(state: State, task_id):
    """Follow a task live (progress bar, stage, message) until it ends; print its result."""
    task = state.signed_in_api().task(task_id)
    if task["state"] in ("succeeded", "failed", "cancelled"):
        raise click.exceptions.Exit(show_finished(state, task))
    raise click.exceptions.Exit(follow_task(state, task))


def parse_params(pairs: tuple[str, ...], raw_json: str | None, schema: dict) -> dict:
    """``k=v`` pairs typed by the kind's JSON Schema: a string property keeps the text as
    typed; anything else is read as JSON when it parses (numbers, booleans, lists)."""
    params: dict = {}
    if raw_json:
        try:
            params = json.loads(raw_json)
        except ValueError as exc:
            raise ClientError(f"--params is not JSON: {exc}", EXIT_USAGE, "USAGE") from None
        if not isinstance(params, dict):
            raise ClientError("--params must be a JSON object", EXIT_USAGE, "USAGE")
    properties = schema.get("properties") or {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ClientError(f"--param wants key=value, not {pair!r}", EXIT_USAGE, "USAGE")
        declared = properties.get(name, {}).get("type")
        if declared == "string":
            params[name] = value
            continue
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


@click.command()
@click.argument("kind")
@click.option("--param", "-p", "pairs", multiple=True, metavar="KEY=VALUE", help="Repeatable")
@click.option("--params", "raw_json", metavar="JSON", help="All params as one JSON object")
@click.option("--idempotency-key", help="Same key → the same task")
@click.option("--follow", "-f", is_flag=True, help="Follow it live until it ends")
@json_option
@pass_state
def submit(state: State, kind, pairs, raw_json, idempotency_key, follow):
    """Submit a task of KIND, e.g. `submit platform.diagnostic -p steps=5 --follow`."""
    api = state.signed_in_api()
    known = {k["name"]: k for k in api.get("/api/v1/task-kinds")}
    if kind not in known:
        names = ", ".join(sorted(known))
        raise ClientError(f"unknown kind {kind!r}; one of: {names}", EXIT_USAGE, "USAGE")
    params = parse_params(pairs, raw_json, known[kind].get("params_schema") or {})
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    task = api.post("/api/v1/tasks", {"kind": kind, "params": params}, headers=headers)
    started(state, task, follow)
