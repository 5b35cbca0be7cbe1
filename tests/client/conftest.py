"""The command-line client against the served app and its real worker, over real HTTP and
the real WebSocket feed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Cli:
    """``kairos client …`` in this process (click's runner), as a user of ``client`` would
    type it: URL and token from the environment, config file in a tmp dir."""

    def __init__(self, platform, token: str | None, config: Path):
        self.platform = platform
        self.env = {
            "KAIROS_URL": platform.base_url,
            "KAIROS_TOKEN": token or "",
            "KAIROS_API_KEY": "",
            "KAIROS_CLIENT_CONFIG": str(config),
        }
        self.config = config

    def __call__(self, *args: str, env: dict | None = None) -> Result:
        from app.cli import cli

        runner = CliRunner()
        result = runner.invoke(cli, ["client", *args], env={**self.env, **(env or {})})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    def process(self, *args: str, **kwargs) -> subprocess.Popen:
        """The real entry point in its own process (for a watcher killed or cancelled)."""
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen(
            [sys.executable, "-m", "app.client", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )


@pytest.fixture
def cli(api, tmp_path):
    return Cli(api.platform, api.token, tmp_path / "client.toml")


@pytest.fixture
def anonymous_cli(platform, tmp_path):
    return Cli(platform, None, tmp_path / "client.toml")
