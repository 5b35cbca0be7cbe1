"""``python -m bench [NAME …]``: run the benchmarks, one JSON line each on stdout."""

from __future__ import annotations

import importlib
import sys
import time
import traceback

from bench.common import CpuWatch, emit, log

BENCHES = (
    "submit",
    "e2e",
    "ws_fanout",
    "careers_search",
    "careers_analysis",
    "monitoring_scale",
    "monitoring_status_page",
    "monitoring_storage",
    "dining_quality",
    "dining_feeds",
    "dining_import",
    "recruiting_match",
    "recruiting_cold_start",
    "recruiting_quality",
    "recruiting_intake",
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        log(f"unknown bench {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
        return 2
    failed = 0
    for name in names:
        started = time.monotonic()
        cpu = CpuWatch()
        log(f"=== {name} ===")
        try:
            result = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:
            traceback.print_exc()
            failed += 1
            # Still one line, so a reader of stdout sees which bench did not finish.
            result = {"bench": name, "ratio": None, "error": f"{type(exc).__name__}: {exc}"}
        if result.get("failures"):
            # A bench that ran but saw the platform fail (a client never served) fails too.
            log(f"{name}: failures: {'; '.join(result['failures'])}")
            failed += 1
        settings = result.setdefault("settings", {})
        settings["wall_s"] = round(time.monotonic() - started, 1)
        settings["cpu_load"] = cpu.report()
        if settings["cpu_load"]["other_processes_cores"] > 0.2:
            log(
                f"{name}: other processes used {settings['cpu_load']['other_processes_cores']} "
                "cores meanwhile; the figures are disturbed"
            )
        emit(result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
