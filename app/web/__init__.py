"""The web console: server-rendered pages at ``/`` that read and drive the API from the
browser (docs/console.md).

Pages are shells (headings, labelled forms, empty tables); a little plain JavaScript fills
them through the same REST API and WebSocket feed every other client uses, with the
platform's tokens kept in the browser. Nothing here is part of the OpenAPI document, and
nothing is fetched from another origin: the Content-Security-Policy says so.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template

from app.workloads import MANIFESTS

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",  # the app keeps /static for itself
)

# Everything from our own origin (the WebSocket feed included: CSP 3 lets 'self' match
# ws:/wss: on the same host); no inline script or style, no frames, no plugins.
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# A workload's console page: its manifest says it has one (template <name>.html).
WORKLOADS = {m.name: m.title for m in MANIFESTS if m.console}
NAV = (
    ("tasks", "/", "Tasks"),
    ("submit", "/submit", "Submit"),
    *((name, f"/{name}", title) for name, title in WORKLOADS.items()),
    ("admin", "/admin", "Admin"),
)


def _page(template: str, page: str, title: str, **context):
    return render_template(template, page=page, title=title, nav=NAV, **context)


@bp.after_request
def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/")
def tasks():
    return _page("tasks.html", "tasks", "Tasks")


@bp.get("/login")
def login():
    return _page("login.html", "login", "Sign in")


@bp.get("/tasks/<task_id>")
def task(task_id: str):
    if len(task_id) > 64:
        abort(404)
    return _page("task.html", "tasks", "Task", task_id=task_id)


@bp.get("/submit")
def submit():
    return _page("submit.html", "submit", "Submit a task")


@bp.get(f"/<any({', '.join(WORKLOADS)}):workload>")
def workload(workload: str):
    return _page(f"{workload}.html", workload, WORKLOADS[workload])


@bp.get("/admin")
def admin():
    return _page("admin.html", "admin", "Admin")


def init_app(app: Flask) -> None:
    """Register the console (one line in ``create_app``); its pages are not rate limited
    per request beyond the API calls they make, which are."""
    from app.platform.limits import limiter

    limiter.exempt(bp)
    app.register_blueprint(bp)
