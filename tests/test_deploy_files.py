"""The deployment files agree with each other and with the code: Procfile, Dockerfile, compose.

Pure checks on the files themselves; nothing is built or started.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from app.config import ENV_PREFIX, SECRET_KEYS, Settings

ROOT = Path(__file__).resolve().parent.parent
ONE_SHOT = {"migrate"}


def _words(command: str | list[str]) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def _procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = _words(command)
    return processes


def _services() -> dict[str, dict]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {name: str(value) for name, value in env.items()}


def _built_here(services: dict[str, dict]) -> dict[str, dict]:
    return {name: service for name, service in services.items() if "build" in service}


def _dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    commands = re.findall(r"^CMD\s+(.+)$", text, flags=re.MULTILINE)
    assert commands, "the Dockerfile has no CMD"
    cmd = commands[-1].strip()
    return json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)


def test_the_procfile_lists_web_workers_beat_and_flower():
    assert set(_procfile()) == {"web", "worker", "probes", "beat", "flower"}


def test_the_workers_together_consume_every_queue_once():
    from app.platform.kinds import QUEUES

    def queues_of(words: list[str]) -> list[str]:
        if "-Q" in words:
            return words[words.index("-Q") + 1].split(",")
        excluded = words[words.index("--except") + 1].split(",")
        return [q for q in QUEUES if q not in excluded]  # what `kairos worker --except` takes

    consumed = queues_of(_procfile()["worker"]) + queues_of(_procfile()["probes"])
    assert sorted(consumed) == sorted(QUEUES)
    # Two workers on one host need two node names: the heartbeat /ready reads is keyed by it.
    names = [
        _procfile()[n][_procfile()[n].index("-n") + 1] if "-n" in _procfile()[n] else None
        for n in ("worker", "probes")
    ]
    assert len(set(names)) == 2


def test_every_procfile_process_runs_in_compose_with_the_same_command():
    services = _services()
    for name, command in _procfile().items():
        assert name in services, f"Procfile process {name!r} has no compose service"
        assert _words(services[name].get("command", [])) == command, name


@pytest.mark.parametrize("name", ["web", "worker", "probes", "beat", "flower"])
def test_every_procfile_process_is_built_from_the_dockerfile(name):
    assert "build" in _services()[name]


def test_every_service_built_from_the_dockerfile_has_a_healthcheck_or_is_the_one_shot_migrate():
    for name, service in _built_here(_services()).items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_migrations_run_once_before_web_worker_and_beat():
    services = _services()
    migrate = services["migrate"]
    assert _words(migrate["command"]) == ["kairos", "db", "upgrade"]
    assert migrate.get("restart") == "no"
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_redis_and_postgres_are_waited_for_until_healthy():
    services = _services()
    for name in ("redis", "postgres"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name, service in _built_here(services).items():
        depends_on = service.get("depends_on", {})
        assert depends_on.get("redis", {}).get("condition") == "service_healthy", name


def test_compose_sets_only_kairos_variables_that_are_real_settings():
    known = {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
    for name, service in _services().items():
        used = {key for key in _environment(service) if key.startswith(ENV_PREFIX)}
        assert used <= known, f"{name}: unknown settings {sorted(used - known)}"


def _layouts() -> dict[str, dict[str, dict]]:
    """The built services by layout: the single-host one, and the fleet profile's."""
    built = _built_here(_services())
    fleet = {n: s for n, s in built.items() if "fleet" in s.get("profiles", ())}
    return {"single-host": {n: s for n, s in built.items() if n not in fleet}, "fleet": fleet}


def test_every_kairos_process_in_compose_gets_the_same_settings():
    for layout, services in _layouts().items():
        environments = [_environment(s) for s in services.values()]
        assert environments, layout
        assert all(env == environments[0] for env in environments), layout
        assert environments[0]["KAIROS_ENV"] == "production", layout


def test_the_fleet_profile_runs_every_process_on_rabbitmq_with_no_shared_volume():
    services = _services()
    fleet = _layouts()["fleet"]
    commands = {n.removeprefix("fleet-"): _words(s["command"]) for n, s in fleet.items()}
    procfile = _procfile()
    assert commands == {n: procfile[n] for n in ("web", "worker", "probes", "beat")}
    assert "fleet" in services["rabbitmq"]["profiles"]
    for name, service in fleet.items():
        env = _environment(service)
        assert env["KAIROS_BROKER_URL"].startswith("amqp://"), name
        assert "KAIROS_SMTP_URL" in env and "KAIROS_BLOB_URL" in env, name
        assert not service.get("volumes"), f"{name} shares a volume"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy", name
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_secrets_must_come_from_the_environment_of_whoever_starts_it():
    for name, service in _built_here(_services()).items():
        env = _environment(service)
        for key in SECRET_KEYS:
            value = env.get(ENV_PREFIX + key.upper())
            if value is not None:
                # Required (:?) or optional and empty by default (:-}): never a value here.
                ref = "${" + ENV_PREFIX + key.upper()
                assert value.startswith(ref + ":?") or value == ref + ":-}", (name, key)


def test_the_dockerfile_runs_a_procfile_command_by_default():
    assert _dockerfile_cmd() in _procfile().values()


def test_the_dockerfile_runs_as_a_user_other_than_root():
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
