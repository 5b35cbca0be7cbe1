"""A short pass of `make fuzz`: schemathesis over the whole OpenAPI document of a served
platform (kairos web + kairos worker), authenticated as an owner, every check on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)
def test_the_fuzzer_finds_no_server_error_and_no_conformance_failure():
    out = subprocess.run(
        [sys.executable, "-m", "tools.fuzz", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = out.stdout[-15000:] + out.stderr[-3000:]
    assert out.returncode == 0, report
    assert "No issues found" in out.stdout or " passed" in out.stdout, report
