"""The ``kairos`` command: run the platform's processes and administer it.

``kairos up`` is what ``make run`` calls: it settles which Redis to use (starting a private
one when there is none), applies migrations, and runs the Procfile (web, worker, beat,
flower) under honcho, with one environment so every process agrees.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from app.client.commands import client as client_group

ROOT = Path(__file__).resolve().parent.parent
CELERY_APP = "workers.celery_app:celery"


def _settings():
    from app.config import get_settings

    return get_settings()


def _create_app():
    from app.web_app import create_app

    return create_app()


def _exec(argv: list[str]) -> None:
    """Replace this process, so signals from honcho or a supervisor reach the server itself."""
    sys.stdout.flush()
    os.execvp(argv[0], argv)


def _celery_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", CELERY_APP, *args]


def _flower_credentials(settings) -> str:
    if settings.flower_basic_auth:
        return settings.flower_basic_auth
    if not settings.is_development:
        raise click.ClickException("set KAIROS_FLOWER_BASIC_AUTH=user:password in production")
    from app.config import dev_secret

    return dev_secret(
        settings.var_path, "flower_auth", lambda: f"kairos:{secrets.token_urlsafe(12)}"
    )


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=False)
def cli():
    """Kairos: a task-queue platform."""


@cli.command(with_appcontext=False)
@click.option(
    "--procfile",
    type=click.Path(dir_okay=False),
    default=None,
    help="Procfile to run (default: the project's own).",
)
def up(procfile):
    """Start web, worker, beat and Flower together (what `make run` calls)."""
    from honcho.environ import parse_procfile
    from honcho.manager import Manager

    from app.mail import describe_transport
    from app.redis_conn import resolve_redis_url
    from migrations import upgrade

    settings = _settings()
    env = dict(os.environ)
    env["KAIROS_REDIS_URL"] = resolve_redis_url(announce=click.echo)
    env["KAIROS_FLOWER_BASIC_AUTH"] = _flower_credentials(settings)
    metrics_dir = settings.var_path / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)  # files of dead processes would be summed
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    # The Procfile says `kairos …`: make sure it is this installation's, activated or not.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"

    upgrade(settings.database_url)
    click.echo(f"kairos: database ready ({settings.database_url.split('://')[0]})")
    click.echo(f"kairos: API      http://{settings.bind}/api/docs")
    click.echo(f"kairos: mail     {describe_transport(settings)}")
    click.echo(
        f"kairos: Flower   http://{settings.flower_bind}  "
        f"(user {env['KAIROS_FLOWER_BASIC_AUTH'].split(':')[0]}, password in "
        f"{settings.var_path / 'flower_auth'} or KAIROS_FLOWER_BASIC_AUTH)"
    )

    path = Path(procfile) if procfile else ROOT / "Procfile"
    manager = Manager()
    for name, command in parse_procfile(path.read_text()).processes.items():
        manager.add_process(name, command, env=env, cwd=os.getcwd())
    manager.loop()
    sys.exit(manager.returncode)


def gunicorn_argv(bind: str, workers: int, app: str = "app.web_app:create_app()", log_level="info"):
    """How the API is served (the benchmarks serve their baselines the same way)."""
    return [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
            "--bind", bind, "--workers", str(workers), "--log-level", log_level, app]  # fmt: skip


@cli.command(with_appcontext=False)
def web():
    """The API under gunicorn with gevent workers (many WebSockets per process)."""
    settings = _settings()
    _exec(gunicorn_argv(settings.bind, settings.web_workers, log_level=settings.log_level.lower()))


@cli.command(with_appcontext=False)
@click.option("-Q", "--queues", default=None, help="Comma-separated queues (default: all).")
@click.option(
    "-X",
    "--except",
    "excluded",
    default=None,
    help="Comma-separated queues to leave to another worker (with the default: all others).",
)
@click.option("-c", "--concurrency", type=int, default=None)
@click.option("--pool", default="prefork", show_default=True)
@click.option(
    "-n",
    "--name",
    default="kairos@%h",
    show_default=True,
    help="Node name; give each worker on one host its own (the heartbeat is keyed by it).",
)
def worker(queues, excluded, concurrency, pool, name):
    """A Celery worker with task events on (for Flower)."""
    from app.platform.kinds import QUEUES

    settings = _settings()
    if queues is None:
        skip = set((excluded or "").split(","))
        queues = ",".join(q for q in QUEUES if q not in skip)
    _exec(
        _celery_argv(
            "worker",
            "-E",
            "-l",
            settings.log_level,
            "-P",
            pool,
            "-Q",
            queues,
            "-c",
            str(concurrency or settings.worker_concurrency),
            "-n",
            name,
        )
    )


@cli.command(with_appcontext=False)
def beat():
    """The periodic scheduler; safe to start more than one (only one sends)."""
    settings = _settings()
    settings.var_path.mkdir(parents=True, exist_ok=True)
    _exec(
        _celery_argv(
            "beat",
            "-l",
            settings.log_level,
            "-S",
            "schedules.scheduler:LockedScheduler",
            "-s",
            str(settings.var_path / "celerybeat-schedule"),
        )
    )


@cli.command(with_appcontext=False)
def flower():
    """Flower, behind basic auth, on KAIROS_FLOWER_BIND."""
    settings = _settings()
    host, _, port = settings.flower_bind.rpartition(":")
    _exec(
        _celery_argv(
            "flower",
            f"--address={host}",
            f"--port={port}",
            f"--basic-auth={_flower_credentials(settings)}",
        )
    )


@cli.group()
def db():
    """Database schema."""


@db.command("upgrade", with_appcontext=False)
def db_upgrade():
    """Apply every migration not yet applied."""
    from migrations import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo("kairos: database is at the latest revision")


@cli.group()
def user():
    """Users."""


@user.command("create", with_appcontext=False)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["owner", "admin", "member", "viewer"]), default="owner")
@click.option("--org-id", default=None, help="Join an existing org (default: a new org).")
@click.option("--org-name", default=None, help="Name of the new org.")
def user_create(email, password, role, org_id, org_name):
    """Create a user (and an org unless --org-id is given)."""
    from sqlalchemy import select

    from app.db import session_scope
    from app.models import Membership, Org, User
    from app.platform.auth import hash_password

    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    with session_scope() as s:
        if s.scalar(select(User.id).where(User.email == email.lower())):
            raise click.ClickException(f"a user with e-mail {email} exists")
        if org_id is None:
            org = Org(name=org_name or f"{email.split('@')[0]}'s org")
            s.add(org)
            s.flush()
            org_id = org.id
        elif s.get(Org, org_id) is None:
            raise click.ClickException(f"no org {org_id}")
        row = User(org_id=org_id, email=email.lower(), password_hash=hash_password(password))
        s.add(row)
        s.flush()
        s.add(Membership(org_id=org_id, user_id=row.id, role=role))
        click.echo(f"created user {row.id} ({role}) in org {org_id}")


@cli.group()
def apikey():
    """API keys."""


@apikey.command("create", with_appcontext=False)
@click.option("--email", required=True, help="The admin or owner the key is created for.")
@click.option("--org-id", default=None, help="The org of the key (default: the user's own).")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["admin", "member", "viewer"]), default="member")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["service", "tasks", "admin"]))
def apikey_create(email, name, role, scopes, org_id):
    """Create an API key and print it (it is shown only once)."""
    from sqlalchemy import select

    from app.db import session_scope
    from app.models import ApiKey, Membership, User
    from app.platform.auth import new_api_key

    with session_scope() as s:
        owner = s.scalar(select(User).where(User.email == email.lower()))
        org_id = org_id or (owner.org_id if owner else None)
        membership = owner and s.scalar(
            select(Membership).where(Membership.user_id == owner.id, Membership.org_id == org_id)
        )
        if membership is None or membership.role not in ("owner", "admin"):
            raise click.ClickException(f"{email} is not an admin or owner of org {org_id}")
        key, prefix, digest = new_api_key()
        s.add(
            ApiKey(
                org_id=org_id,
                created_by=owner.id,
                name=name,
                prefix=prefix,
                key_hash=digest,
                role=role,
                scopes=sorted(set(scopes)),
            )
        )
    click.echo(key)


@cli.group()
def redis():
    """The private Redis started when no other is available."""


@redis.command("url", with_appcontext=False)
def redis_url_cmd():
    """Print the Redis URL the platform uses (starting the private one if needed)."""
    from app.redis_conn import resolve_redis_url

    click.echo(resolve_redis_url(announce=lambda msg: click.echo(msg, err=True)))


@redis.command("stop", with_appcontext=False)
def redis_stop():
    """Stop the private Redis under var/, if it runs."""
    from app.localredis import stop_private_redis

    stopped = stop_private_redis(_settings().var_path)
    click.echo("stopped" if stopped else "no private Redis was running")


cli.add_command(client_group)  # `kairos client …`: docs/cli.md


def main() -> None:
    cli.main(prog_name="kairos")
