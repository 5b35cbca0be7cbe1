"""Swagger UI at ``/api/docs``, served from this installation, never from a CDN: the page works
offline and behind a strict Content-Security-Policy.

The Swagger UI files come from the ``flask-swagger-ui`` wheel, which ships the upstream
``swagger-ui-dist`` build in its ``dist/`` folder (only the files are used, not its
blueprint). The page has no inline script: ``apidocs.js`` (ours) starts the UI on
``/api/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, send_from_directory

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
OWN_STATIC = Path(__file__).parent / "apidocs_static"
ASSETS = "/api/docs/assets"

# Scripts and styles from this origin only. Swagger UI sets style attributes on its elements
# (React), which needs 'unsafe-inline' for styles; no script runs inline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Kairos API</title>
  <link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-spec-url="/api/openapi.json"></div>
  <script src="{ASSETS}/swagger-ui-bundle.js"></script>
  <script src="{ASSETS}/swagger-ui-standalone-preset.js"></script>
  <script src="{ASSETS}/kairos-apidocs.js"></script>
</body>
</html>
"""

bp = Blueprint("apidocs", __name__)


@bp.after_request
def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/api/docs")
def docs():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}


@bp.get(f"{ASSETS}/<path:filename>")
def asset(filename: str):
    folder = OWN_STATIC if filename == "kairos-apidocs.js" else SWAGGER_UI_DIST
    # send_from_directory refuses paths that leave the folder (404).
    return send_from_directory(folder, filename, max_age=86400)


def init_app(app: Flask) -> None:
    from app.platform.limits import limiter

    limiter.exempt(bp)
    app.register_blueprint(bp)
