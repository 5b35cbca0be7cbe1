"""``python -m bench [NAME …]``: run the benchmarks, one JSON line each on stdout."""

from __future__ import annotations

import importlib
import sys
import time
import traceback

from bench.common import emit, log

BENCHES = ("submit", "e2e", "ws_fanout")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        log(f"unknown bench {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
        return 2
    failed = 0
    for name in names:
        started = time.monotonic()
        log(f"=== {name} ===")
        try:
            result = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:
            traceback.print_exc()
            failed += 1
            # Still one line, so a reader of stdout sees which bench did not finish.
            result = {"bench": name, "ratio": None, "error": f"{type(exc).__name__}: {exc}"}
        result.setdefault("settings", {})["wall_s"] = round(time.monotonic() - started, 1)
        emit(result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
