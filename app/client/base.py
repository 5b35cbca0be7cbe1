"""What every client command shares: its state, errors as exit codes, output, following."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

import click
from rich.console import Console

from app.client import config as client_config
from app.client.api import (
    EXIT_AUTH,
    EXIT_USAGE,
    STATE_EXIT,
    Api,
    ClientError,
)
from app.client.follow import Follower, PlainProgress, RichProgress

FINISHED = ("succeeded", "failed", "cancelled")


class Group(click.Group):
    """A click group whose usage errors exit with EX_USAGE (64): 1 and 2 mean a task failed
    or was cancelled, so click's own 2 for a bad command line would be ambiguous. A
    ClientError ends the command with its own exit code."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise
        except ClientError as exc:
            state = ctx.find_object(State)
            report_error(state, exc)
            raise click.exceptions.Exit(exc.exit_code) from None


Group.group_class = Group  # subgroups map their errors the same way


@dataclass
class State:
    url: str | None = None
    token: str | None = None
    api_key: str | None = None
    config: str | None = None
    json: bool = False
    _api: Api | None = field(default=None, repr=False)
    _cfg: client_config.ClientConfig | None = field(default=None, repr=False)

    @property
    def cfg(self) -> client_config.ClientConfig:
        if self._cfg is None:
            try:
                self._cfg = client_config.resolve(self.url, self.token, self.api_key, self.config)
            except ValueError as exc:
                raise ClientError(str(exc), EXIT_USAGE, "BAD_CONFIG") from None
        return self._cfg

    @property
    def api(self) -> Api:
        if self._api is None:
            self._api = Api(self.cfg)
        return self._api

    def signed_in_api(self) -> Api:
        if not self.cfg.token:
            raise ClientError(
                "not signed in: run `kairos client login`, or set KAIROS_TOKEN / KAIROS_API_KEY",
                EXIT_AUTH,
                "UNAUTHORIZED",
            )
        return self.api

    @property
    def out(self) -> Console:
        return Console(highlight=False, soft_wrap=True)

    @property
    def err(self) -> Console:
        return Console(stderr=True, highlight=False, soft_wrap=True)


pass_state = click.make_pass_decorator(State, ensure=True)


def _set_json(ctx, _param, value):
    if value:
        ctx.ensure_object(State).json = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    callback=_set_json,
    help="Print one JSON document (for scripts).",
)


def report_error(state: State | None, exc: ClientError) -> None:
    if state is not None and state.json:
        click.echo(json.dumps(exc.as_json()))
        return
    detail = "".join(
        f"\n  {name}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
        for name, msgs in (exc.errors or {}).items()
    )
    code = f" ({exc.code})" if exc.code else ""
    click.echo(f"error{code}: {exc.message}{detail}", err=True)


def emit(state: State, data) -> None:
    """The answer of a command: JSON for scripts, readable otherwise."""
    if state.json:
        click.echo(json.dumps(data, default=str))
    else:
        state.out.print_json(data=data, default=str)


# --- showing tasks ----------------------------------------------------------------------------


def task_line(task: dict) -> str:
    stage = ": ".join(p for p in (task.get("stage"), task.get("message")) if p)
    return f"{task['id']}  {task['kind']}  {task['state']}  {task['progress']}%  {stage}".rstrip()


def show_finished(state: State, task: dict, render=None) -> int:
    """Print a finished (or not) task and return the exit code its state means."""
    code = STATE_EXIT.get(task["state"], 0)
    if state.json:
        click.echo(json.dumps(task, default=str))
        return code
    if task["state"] == "succeeded":
        state.out.print(f"[green]succeeded[/green] {task['kind']} {task['id']}")
        if render is not None:
            render(state, task["result"])
        else:
            state.out.print_json(data=task["result"], default=str)
    elif task["state"] in ("failed", "cancelled"):
        error = task.get("error") or {}
        click.echo(
            f"{task['state']}: {task['kind']} {task['id']}: "
            f"{error.get('code')}: {error.get('message')}",
            err=True,
        )
    else:
        state.out.print(task_line(task))
    return code


def follow_task(state: State, task: dict, render=None) -> int:
    """Follow a task live until it ends; print its result; return its exit code."""
    api = state.signed_in_api()
    if state.json:
        final = Follower(api, lambda _event: None).follow(task["id"])
        return show_finished(state, final)
    console = state.err if not sys.stdout.isatty() else state.out
    if console.is_terminal:
        display = RichProgress(task["kind"], console)
    else:
        display = PlainProgress(sys.stdout)
        click.echo(f"following {task['kind']} {task['id']}")
    with display:
        final = Follower(api, display).follow(task["id"])
    return show_finished(state, final, render)


def started(state: State, task: dict, follow: bool, render=None) -> None:
    """What every task-starting command does with the task it started."""
    if follow and task["state"] not in FINISHED:
        raise click.exceptions.Exit(follow_task(state, task, render))
    if task["state"] in FINISHED:
        raise click.exceptions.Exit(show_finished(state, task, render))
    if state.json:
        click.echo(json.dumps(task, default=str))
    else:
        state.out.print(f"submitted {task['kind']} {task['id']} ({task['state']})")
        state.out.print(f"follow it: kairos client tasks watch {task['id']}")
