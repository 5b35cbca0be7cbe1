"""Run :func:`extract_text` in a child process with memory and CPU limits.

A crafted PDF can send a reader into a loop or a memory spiral; in a child under
``RLIMIT_AS`` / ``RLIMIT_CPU`` that costs the child, never the worker. The child reads the
bytes on stdin and answers one JSON object on stdout::

    python -m workers.recruiting.intake.sandbox pdf <file   # {"text"} or {"code", "message"}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from workers.recruiting.intake.extract import ExtractionError, extract_text

MEMORY_LIMIT = 768 * 1024 * 1024
CPU_SECONDS = 30
WALL_SECONDS = 60
ROOT = Path(__file__).resolve().parents[3]


def _limit() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


# Formats whose readers parse structure (object trees, zip + XML). Text is only decoded, within
# the byte cap, so it is read in-process and saves a child's start-up.
SANDBOXED = ("pdf", "docx")


def extract_isolated(data: bytes, fmt: str) -> str:
    """extract_text in a limited child; its failures come back as the same ExtractionError."""
    if fmt not in SANDBOXED:
        return extract_text(data, fmt)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "workers.recruiting.intake.sandbox", fmt],
            input=data,
            capture_output=True,
            timeout=WALL_SECONDS,
            preexec_fn=_limit if os.name == "posix" else None,  # noqa: PLW1509 (no threads touched)
            cwd=ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError("UNREADABLE_FILE", "reading the file took too long") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        # Killed by a limit (memory, CPU) or crashed: the file is what broke it.
        raise ExtractionError("UNREADABLE_FILE", "the file could not be read safely")
    if "code" in answer:
        raise ExtractionError(answer["code"], answer["message"])
    return answer["text"]


def main() -> int:
    fmt = sys.argv[1] if len(sys.argv) > 1 else "text"
    data = sys.stdin.buffer.read()
    try:
        answer = {"text": extract_text(data, fmt)}
    except ExtractionError as exc:
        answer = {"code": exc.code, "message": exc.message}
    except MemoryError:
        answer = {"code": "FILE_TOO_LARGE", "message": "the file needs too much memory to read"}
    except Exception as exc:  # a reader's own bug on a strange file: still the file's fault
        answer = {
            "code": "UNREADABLE_FILE",
            "message": f"the file cannot be read ({type(exc).__name__})",
        }
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
