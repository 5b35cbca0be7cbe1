"""careers_search: one job search over five boards, concurrent (one thread per platform, as the
``careers.search`` task runs it) against the same adapters one after another.

Five local servers, one process and port per platform (Greenhouse, Lever, Ashby, Remotive,
Arbeitnow), each serving 500 invented postings in the real API's shape, every response delayed
by LATENCY_MS. Arbeitnow pages (100 a page, five pages); the others answer in one response.
One posting in five is the same job (company, title, location) on every board, so the deduped
result holds 5 * 400 + 100 = 2,100 postings.

Platform: ``search()`` with all five sources. Baseline: ``search()`` with one source at a time,
the results deduped the same way. Both use the production rate limiter (Redis, each adapter's
own rate) under a fresh key prefix per run; both run in each round, alternating which goes
first. The same comparison without any rate limit is reported in ``settings.unthrottled``.

``python -m bench.careers_search serve PLATFORM PORT LATENCY_MS`` is one board server.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from bench.common import MACHINE, Stack, free_port, gather_problems, log, ratio, wait_http

PLATFORMS = ("greenhouse", "lever", "ashby", "remotive", "arbeitnow")
BOARD = "acme"  # Lever and Ashby name the employer after the board
PER_PLATFORM = 500
SHARED = 100  # postings per board that are the same job on every board (20%)
ARBEITNOW_PAGE = 100
LATENCY_MS = 150
ROUNDS = 3
TIMEOUT_S = 30.0
EXPECTED_UNIQUE = len(PLATFORMS) * (PER_PLATFORM - SHARED) + SHARED

ROLES = ("Backend Engineer", "Data Analyst", "Product Designer", "Support Lead", "SRE")
PLACES = ("Berlin, Germany", "London, United Kingdom", "Lisbon, Portugal", "Toronto, Canada")
BODY = (
    "<h2>About the role</h2><p>You will join a team of {n} people building tools that ship "
    "parcels on time &amp; keep drivers safe.</p><ul><li><p>Design services in Python &amp; Go"
    "</p></li><li>Own on-call for what you build</li><li>Review code with care</li></ul>"
    "<h3>What we offer</h3><p>Remote-friendly, 30 days off, a learning budget of &euro;1,500."
    "</p><script>track('view')</script>"
)


# --- invented postings in each board's shape ------------------------------------------------------


def jobs(platform: str) -> list[dict]:
    """Generic jobs: the first SHARED are the same on every board, the rest this board's own."""
    out = []
    for j in range(PER_PLATFORM):
        shared = j < SHARED
        out.append(
            {
                "n": j,
                "title": f"{ROLES[j % len(ROLES)]} {j}" if shared else f"{platform} role {j}",
                "location": PLACES[j % len(PLACES)],
                "html": BODY.format(n=j % 12 + 3),
                "epoch": 1772400000 + j * 600,
                "shared": shared,
            }
        )
    return out


def _greenhouse(job: dict) -> dict:
    return {
        "id": 7000000 + job["n"],
        "title": job["title"],
        "company_name": "Acme",
        "location": {"name": job["location"]},
        "absolute_url": f"https://job-boards.greenhouse.io/{BOARD}/jobs/{7000000 + job['n']}",
        "first_published": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(job["epoch"])),
        "content": escape(job["html"]),
        "departments": [{"id": 1, "name": "Engineering", "child_ids": [], "parent_id": None}],
        "metadata": [],
    }


def _lever(job: dict) -> dict:
    uid = f"00000000-0000-4000-8000-{job['n']:012d}"
    return {
        "id": uid,
        "text": job["title"],
        "categories": {"commitment": "Full-time", "location": job["location"], "team": "Ops"},
        "createdAt": job["epoch"] * 1000,
        "workplaceType": "hybrid",
        "description": job["html"],
        "lists": [{"text": "You bring", "content": "<li>Curiosity</li><li>Care</li>"}],
        "additional": "<div>Equal opportunity employer.</div>",
        "hostedUrl": f"https://jobs.lever.co/{BOARD}/{uid}",
        "applyUrl": f"https://jobs.lever.co/{BOARD}/{uid}/apply",
        "salaryRange": {
            "currency": "EUR",
            "interval": "per-year-salary",
            "min": 60000,
            "max": 80000,
        },
    }


def _ashby(job: dict) -> dict:
    uid = f"10000000-0000-4000-8000-{job['n']:012d}"
    salary = {
        "compensationType": "Salary",
        "interval": "1 YEAR",
        "currencyCode": "EUR",
        "minValue": 65000,
        "maxValue": 85000,
    }
    return {
        "id": uid,
        "title": job["title"],
        "department": "Engineering",
        "employmentType": "FullTime",
        "location": job["location"],
        "secondaryLocations": [],
        "publishedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(job["epoch"])),
        "isListed": True,
        "isRemote": False,
        "workplaceType": "OnSite",
        "jobUrl": f"https://jobs.ashbyhq.com/{BOARD}/{uid}",
        "applyUrl": f"https://jobs.ashbyhq.com/{BOARD}/{uid}/application",
        "descriptionHtml": job["html"],
        "compensation": {"summaryComponents": [salary], "compensationTiers": []},
    }


def _remotive(job: dict) -> dict:
    return {
        "id": 3000000 + job["n"],
        "url": f"https://remotive.com/remote-jobs/software-dev/job-{3000000 + job['n']}",
        "title": job["title"],
        "company_name": "Acme Inc." if job["shared"] else f"Remote Co {job['n'] % 40}",
        "category": "Software Development",
        "job_type": "full_time",
        "publication_date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(job["epoch"])),
        "candidate_required_location": job["location"],
        "salary": "$90k - $120k",
        "description": job["html"],
    }


def _arbeitnow(job: dict) -> dict:
    return {
        "slug": f"job-{job['n']}",
        "company_name": "Acme GmbH" if job["shared"] else f"Firma {job['n'] % 40} AG",
        "title": job["title"] + (" (m/w/d)" if job["shared"] else ""),
        "description": escape(job["html"]),
        "remote": False,
        "url": f"https://www.arbeitnow.com/jobs/companies/acme/job-{job['n']}",
        "tags": ["Engineering"],
        "job_types": ["Full Time"],
        "location": job["location"],
        "created_at": job["epoch"],
    }


SHAPES = {
    "greenhouse": _greenhouse,
    "lever": _lever,
    "ashby": _ashby,
    "remotive": _remotive,
    "arbeitnow": _arbeitnow,
}


def routes(platform: str) -> dict[str, bytes]:
    """Request target -> response body for one board server."""
    items = [SHAPES[platform](job) for job in jobs(platform)]
    if platform == "arbeitnow":
        pages = {}
        real = "https://www.arbeitnow.com/api/job-board-api"
        for page in range(1, PER_PLATFORM // ARBEITNOW_PAGE + 1):
            chunk = items[(page - 1) * ARBEITNOW_PAGE : page * ARBEITNOW_PAGE]
            last = page * ARBEITNOW_PAGE >= PER_PLATFORM
            body = {"data": chunk, "links": {"next": None if last else f"{real}?page={page + 1}"}}
            target = "/api/job-board-api" + ("" if page == 1 else f"?page={page}")
            pages[target] = json.dumps(body).encode()
        return pages
    target, body = {
        "greenhouse": (f"/v1/boards/{BOARD}/jobs?content=true", {"jobs": items}),
        "lever": (f"/v0/postings/{BOARD}?mode=json", items),
        "ashby": (f"/posting-api/job-board/{BOARD}?includeCompensation=true", {"jobs": items}),
        "remotive": ("/api/remote-jobs", {"jobs": items}),
    }[platform]
    return {target: json.dumps(body).encode()}


def serve(platform: str, port: int, latency_ms: int) -> None:
    bodies = routes(platform)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if urlsplit(self.path).path == "/health":
                body, status = b"ok", 200
            else:
                time.sleep(latency_ms / 1000)  # the board's own think time and the network
                body = bodies.get(self.path)
                status = 200 if body is not None else 404
                body = body or b"{}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


# --- the measurement ------------------------------------------------------------------------------


class Unthrottled:
    def reserve(self, platform: str, interval: float, max_wait: float) -> float:
        return 0.0


def sources():
    from workers.careers.boards import ADAPTERS, Source

    return [Source(p, BOARD if ADAPTERS[p].needs_board else None) for p in PLATFORMS]


def run_concurrent(limiter) -> dict:
    from workers.careers.boards import search

    started = time.perf_counter()
    outcome = search(sources(), "", timeout=TIMEOUT_S, limiter=limiter)
    wall = time.perf_counter() - started
    failed = [p for p in outcome.platforms if p["status"] != "ok"]
    return {"wall": wall, "unique": len(outcome.postings), "failed": failed}


def run_sequential(limiter) -> dict:
    from workers.careers.boards import dedupe, search

    found, per_platform, failed = [], {}, []
    started = time.perf_counter()
    for source in sources():
        t0 = time.perf_counter()
        outcome = search([source], "", timeout=TIMEOUT_S, limiter=limiter)
        per_platform[source.platform] = time.perf_counter() - t0
        found += outcome.postings
        failed += [p for p in outcome.platforms if p["status"] != "ok"]
    unique = len(dedupe(found))
    wall = time.perf_counter() - started
    return {"wall": wall, "unique": unique, "failed": failed, "per_platform": per_platform}


def rounds(make_limiter) -> tuple[list[dict], list[dict]]:
    concurrent, sequential = [], []
    for i in range(ROUNDS):
        # Alternate the order so neither mode always runs on a warmer process.
        order = [(concurrent, run_concurrent), (sequential, run_sequential)]
        for results, fn in order if i % 2 == 0 else reversed(order):
            result = fn(make_limiter())
            if result["failed"] or result["unique"] != EXPECTED_UNIQUE:
                raise RuntimeError(f"{fn.__name__}: wrong result {result}")
            results.append(result)
    return concurrent, sequential


def summary(results: list[dict], mode: str) -> dict:
    walls = [r["wall"] for r in results]
    wall = statistics.median(walls)
    out = {
        "mode": mode,
        "wall_s": round(wall, 3),
        "walls_s": [round(w, 3) for w in walls],
        "postings_fetched": len(PLATFORMS) * PER_PLATFORM,
        "postings_per_s": round(len(PLATFORMS) * PER_PLATFORM / wall, 1),
        "unique_postings": results[0]["unique"],
    }
    if "per_platform" in results[0]:
        out["per_platform_s"] = {
            name: round(statistics.median(r["per_platform"][name] for r in results), 3)
            for name in PLATFORMS
        }
    return out


def run() -> dict:
    from workers.careers.boards import RedisRateLimiter

    env_names = [f"KAIROS_PLATFORM_{p.upper()}_URL" for p in PLATFORMS]
    saved = {name: os.environ.get(name) for name in env_names}
    try:
        with Stack("careers-search") as stack:
            procs = []
            for platform, env_name in zip(PLATFORMS, env_names, strict=True):
                port = free_port()
                argv = [sys.executable, "-m", "bench.careers_search", "serve", platform]
                proc = stack.start(f"board-{platform}", argv + [str(port), str(LATENCY_MS)])
                url = f"http://127.0.0.1:{port}"
                wait_http(proc, url + "/health")
                os.environ[env_name] = url  # the adapters read their base URL from here
                procs.append(proc)
            log(f"careers_search: {len(PLATFORMS)} boards up, {ROUNDS} rounds per mode")

            def production_limiter():
                prefix = f"kairos:bench:ratelimit:{uuid.uuid4().hex}:"
                return RedisRateLimiter(stack.redis, prefix)

            concurrent, sequential = rounds(production_limiter)
            free_concurrent, free_sequential = rounds(Unthrottled)
            problems = gather_problems(procs)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    platform, baseline = summary(concurrent, "concurrent"), summary(sequential, "sequential")
    free_platform = summary(free_concurrent, "concurrent")
    free_baseline = summary(free_sequential, "sequential")
    return {
        "bench": "careers_search",
        "ratio": ratio(baseline["wall_s"], platform["wall_s"]),
        "platform": platform,
        "baseline": baseline,
        "settings": {
            "ratio_uses": "sequential wall / concurrent wall, medians (higher is better)",
            "boards": list(PLATFORMS),
            "postings_per_board": PER_PLATFORM,
            "shared_per_board": SHARED,
            "latency_ms_per_response": LATENCY_MS,
            "arbeitnow_pages": PER_PLATFORM // ARBEITNOW_PAGE,
            "rounds": ROUNDS,
            "rate_limiter": "Redis, each adapter's requests_per_second, fresh keys per run",
            "unthrottled": {
                "ratio": ratio(free_baseline["wall_s"], free_platform["wall_s"]),
                "concurrent_wall_s": free_platform["wall_s"],
                "sequential_wall_s": free_baseline["wall_s"],
                "concurrent_postings_per_s": free_platform["postings_per_s"],
                "sequential_per_platform_s": free_baseline["per_platform_s"],
            },
            "servers": "one ThreadingHTTPServer process per board, payloads prebuilt",
            "machine": MACHINE,
            "server_log_problems": problems,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        from bench.common import emit

        emit(run())
