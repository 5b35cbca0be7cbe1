"""One command per workload's main action. Each starts the workload's task through its own
route and, unless ``--no-follow``, follows it live and prints the result readably."""

from __future__ import annotations

import click
from rich.table import Table

from app.client.api import STATE_EXIT
from app.client.base import Group, State, emit, follow_task, json_option, pass_state, started
from app.client.follow import Follower

follow_option = click.option(
    "--follow/--no-follow", default=True, show_default=True, help="Follow the task live"
)


def _pct(value) -> str:
    return "—" if value is None else f"{round(float(value) * 100)}%"


# --- careers ------------------------------------------------------------------------------------


@click.group(cls=Group)
def careers():
    """Job search and analysis."""


def _render_search(state: State, result: dict) -> None:
    table = Table("platform", "board", "status", "postings")
    for p in result.get("platforms") or []:
        table.add_row(
            str(p.get("platform")),
            str(p.get("board") or ""),
            str(p.get("code") or p.get("status")),
            str(p.get("count", "")),
        )
    state.out.print(table)
    state.out.print(
        f"{len(result.get('postings') or [])} posting(s), {result.get('new', 0)} new; "
        "list them: GET /api/v1/careers/jobs"
    )


@careers.command()
@click.argument("query")
@click.option("--location")
@click.option("--remote/--not-remote", default=None, help="Only remote (or only non-remote)")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="PLATFORM[:BOARD]",
    help="e.g. greenhouse:vercel, remotive (repeatable; default: your profile's)",
)
@click.option("--save", is_flag=True, help="Keep as a saved search, re-run on a schedule")
@follow_option
@json_option
@pass_state
def search(state: State, query, location, remote, sources, save, follow):
    """Search job boards for QUERY."""
    body: dict = {"query": query}
    if location:
        body["location"] = location
    if remote is not None:
        body["remote"] = remote
    if sources:
        body["sources"] = [
            {"platform": p, **({"board": b} if b else {})}
            for p, _, b in (s.partition(":") for s in sources)
        ]
    if save:
        body["save"] = True
    task = state.signed_in_api().post("/api/v1/careers/jobs/search", body)
    started(state, task, follow, _render_search)


def _render_analysis(state: State, result: dict) -> None:
    analysis = result.get("analysis") or {}
    state.out.print(f"match score: [bold]{_pct(result.get('score'))}[/bold]")
    for title in ("strengths", "gaps"):
        items = analysis.get(title) or []
        state.out.print(f"{title}: " + (", ".join(map(_name, items)) if items else "none"))
    strategy = analysis.get("strategy")
    if strategy:
        state.out.print(f"strategy: {strategy}")


def _name(item) -> str:
    if isinstance(item, dict):
        return str(item.get("skill") or item.get("name") or item.get("text") or item)
    return str(item)


@careers.command()
@click.argument("job_id")
@click.option("--resume", "resume_id", help="Match against this resume (default: primary)")
@follow_option
@json_option
@pass_state
def analyze(state: State, job_id, resume_id, follow):
    """Analyze job JOB_ID against your resume: score, strengths, gaps."""
    body = {"resume_id": resume_id} if resume_id else {}
    task = state.signed_in_api().post(f"/api/v1/careers/jobs/{job_id}/analyze", body)
    started(state, task, follow, _render_analysis)


# --- recruiting ---------------------------------------------------------------------------------


@click.group(cls=Group)
def recruiting():
    """Matching candidates and jobs."""


def _render_matches(state: State, result: dict) -> None:
    table = Table("score", "candidate", "reason", "missing")
    for m in result.get("matches") or []:
        who = m.get("full_name") or m.get("title") or m.get("candidate_id") or m.get("job_id")
        table.add_row(
            str(m.get("score")),
            str(who),
            str(m.get("reason") or ""),
            ", ".join(map(_name, m.get("missing_skills") or [])),
        )
    state.out.print(table)


@recruiting.command()
@click.option("--job", "job_id", type=click.IntRange(1, 2**31 - 1), required=True)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--strategy", type=click.Choice(["auto", "naive", "openai"]), default="auto")
@follow_option
@json_option
@pass_state
def match(state: State, job_id, limit, strategy, follow):
    """The org's best candidates for job N, with reasons."""
    body = {"job_id": job_id, "limit": limit, "strategy": strategy}
    task = state.signed_in_api().post("/api/v1/recruiting/matching/candidates_for_job", body)
    started(state, task, follow, _render_matches)


# --- monitoring ---------------------------------------------------------------------------------


@click.group(cls=Group)
def monitoring():
    """Monitored resources."""


def _render_check(state: State, result: dict) -> None:
    status = result.get("status") or result.get("state")
    latency = result.get("latency_ms") or result.get("response_time_ms")
    line = f"status: [bold]{status}[/bold]"
    if latency is not None:
        line += f", {latency} ms"
    if result.get("error") or result.get("message"):
        line += f" ({result.get('error') or result.get('message')})"
    state.out.print(line)


@monitoring.command()
@click.argument("resource_id")
@follow_option
@json_option
@pass_state
def check(state: State, resource_id, follow):
    """Check resource ID now (admin), like a scheduled check."""
    task = state.signed_in_api().post(f"/api/v1/monitoring/resources/{resource_id}/check")
    started(state, task, follow, _render_check)


# --- dining -------------------------------------------------------------------------------------


@click.group(cls=Group)
def dining():
    """Safe restaurant recommendations."""


def _render_feed(state: State, feed: dict) -> None:
    table = Table("restaurant", "fit", "allergens", "warning")
    for r in feed.get("restaurants") or []:
        table.add_row(
            str(r.get("name")),
            str(r.get("fit_score", "")),
            str(r.get("allergy_status", "")),
            str(r.get("allergy_warning") or ""),
        )
    state.out.print(f"feed of {feed.get('feed_date')}")
    state.out.print(table)


@dining.command()
@click.option("--uid", help="The dining profile (default: your own user id)")
@click.option("--refresh", is_flag=True, help="Rebuild today's feed")
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True)
@json_option
@pass_state
def feed(state: State, uid, refresh, limit):
    """Today's recommendations, with allergy warnings (built by a worker when missing)."""
    api = state.signed_in_api()
    uid = uid or api.get("/api/v1/users/me")["id"]
    path = f"/api/v1/dining/recommendations/{uid}"
    params = {"limit": limit, **({"refresh": "true"} if refresh else {})}
    answer = api.get(path, params=params)
    if "restaurants" not in answer:  # 202: a worker is building it
        if state.json:
            code = STATE_EXIT[Follower(api, lambda _event: None).follow(answer["id"])["state"]]
        else:
            code = follow_task(state, answer, lambda *_: None)
        if code:
            raise click.exceptions.Exit(code)
        answer = api.get(path, params={"limit": limit})
    if state.json:
        return emit(state, answer)
    _render_feed(state, answer)


# Each workload's group is named by its manifest (app/workloads.py), which `kairos` iterates.
