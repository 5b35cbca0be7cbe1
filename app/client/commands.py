"""``kairos client …``: sign in, list and drive tasks, submit any kind and follow it live.

The group and its account commands live here; task commands in :mod:`app.client.tasks`,
one command per workload's main action in :mod:`app.client.workloads`.
"""

from __future__ import annotations

import json

import click
from rich.table import Table

from app.client import config as client_config
from app.client import tasks
from app.client.base import ClientError, Group, State, emit, json_option, pass_state
from app.workloads import WORKLOADS, load

# --- the group ----------------------------------------------------------------------------------


@click.group(cls=Group)
@click.option("--url", envvar=None, help="API base URL [env KAIROS_URL; default 127.0.0.1:3001]")
@click.option("--token", help="Access token [env KAIROS_TOKEN]")
@click.option("--api-key", help="API key [env KAIROS_API_KEY]")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Config file [env KAIROS_CLIENT_CONFIG; default ~/.config/kairos/client.toml]",
)
@json_option
@click.pass_context
def client(ctx, url, token, api_key, config):
    """Talk to a running Kairos API: tasks, submissions followed live, workload actions.

    Exit codes: 0 succeeded, 1 failed, 2 cancelled, 3 refused by the API (bad input, not
    found, conflict), 4 not signed in or not allowed, 5 server unreachable or failing,
    64 wrong command line.
    """
    state = ctx.ensure_object(State)
    state.url, state.token, state.api_key, state.config = url, token, api_key, config
    ctx.call_on_close(lambda: state._api.close() if state._api else None)


@client.command()
@click.option("--email", help="Sign in with e-mail and password")
@click.option(
    "--password", envvar="KAIROS_PASSWORD", help="Prompted for when not given [env KAIROS_PASSWORD]"
)
@click.option("--org", "org_id", help="The org to sign in to (an org id)")
@click.option("--key", "key", help="Save an API key instead of signing in")
@json_option
@pass_state
def login(state: State, email, password, org_id, key):
    """Sign in and save the URL and tokens (or an API key) to the config file."""
    cfg = state.cfg
    values = {"url": cfg.url}
    if key:
        cfg.token = key
        me = state.api.get("/api/v1/users/me")
        values["api_key"] = key
    else:
        email = email or click.prompt("E-mail")
        password = password or click.prompt("Password", hide_input=True)
        body = {"email": email, "password": password}
        if org_id:
            body["org_id"] = org_id
        cfg.token = None
        tokens = state.api.post("/api/v1/auth/login", body)
        cfg.token = tokens["access_token"]
        me = state.api.get("/api/v1/users/me")
        values.update(
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            org_id=tokens["org_id"],
            email=me["email"],
        )
    client_config.write_file(cfg.path, values)
    if state.json:
        click.echo(json.dumps({"user": me, "config": str(cfg.path)}, default=str))
    else:
        state.out.print(
            f"signed in as {me['email']} in {me['org_name']} ({me['role']}) at {cfg.url}; "
            f"saved to {cfg.path}"
        )


@client.command()
@pass_state
def logout(state: State):
    """Revoke the saved tokens and forget them."""
    cfg = state.cfg
    values = dict(cfg.file_values)
    if values.get("access_token"):
        try:
            state.api.post("/api/v1/auth/logout", {"refresh_token": values.get("refresh_token")})
        except ClientError as exc:
            click.echo(f"the server did not confirm ({exc.message}); forgetting anyway", err=True)
    for name in ("access_token", "refresh_token", "api_key"):
        values.pop(name, None)
    client_config.write_file(cfg.path, values)
    click.echo("signed out")


@client.command()
@json_option
@pass_state
def whoami(state: State):
    """The signed-in user and org."""
    me = state.signed_in_api().get("/api/v1/users/me")
    if state.json:
        emit(state, me)
    else:
        state.out.print(f"{me['email']} in {me['org_name']} ({me['role']}) at {state.cfg.url}")


@client.command()
@json_option
@pass_state
def kinds(state: State):
    """Task kinds you may submit, with their parameters."""
    rows = state.signed_in_api().get("/api/v1/task-kinds")
    if state.json:
        return emit(state, rows)
    table = Table("kind", "queue", "parameters", "description")
    for kind in rows:
        schema = kind.get("params_schema") or {}
        required = set(schema.get("required", ()))
        params = ", ".join(
            f"{name}{'*' if name in required else ''}:{prop.get('type', 'any')}"
            for name, prop in (schema.get("properties") or {}).items()
        )
        table.add_row(kind["name"], kind["queue"], params, kind.get("description", ""))
    state.out.print(table)


for command in (tasks.tasks, tasks.submit, *(load(m.client) for m in WORKLOADS if m.client)):
    client.add_command(command)
