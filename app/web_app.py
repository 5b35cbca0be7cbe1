"""create_app(): the thin API. It validates, authorizes, records, enqueues and reads."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import g, request

from app import metrics, runtime_config
from app.config import Settings, get_settings
from app.core.errors import ApiError
from app.db import init_engine
from app.http import Api, Flask
from app.logs import setup_logging

log = logging.getLogger("kairos.http")

BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
UNLIMITED = ("/api/v1/health", "/healthz", "/api/v1/ready", "/metrics", "/actuator/prometheus")


def create_app(settings: Settings | None = None) -> Flask:
    from app.config import configure

    if settings is not None:
        configure(settings)
    settings = get_settings()
    setup_logging(settings.log_level)
    init_engine(settings.database_url)

    app = Flask("kairos")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        JWT_SECRET_KEY=settings.secret_key,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=settings.access_token_ttl),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(seconds=settings.refresh_token_ttl),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        API_TITLE="Kairos",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        # Swagger UI is app.apidocs (/api/docs), from local files: flask-smorest's page
        # would load it from a CDN.
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT or API key",
                    },
                    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                    "serviceToken": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "X-Service-Token",
                        "description": "Seed 003's header: an API key with the service scope",
                    },
                }
            },
            "security": [{"bearer": []}, {"apiKey": []}, {"serviceToken": []}],
        },
        # Counted per process, pushed to Redis in batches (app.platform.rate_store).
        RATELIMIT_STORAGE_URI="kairos://",
        # Read per request, so a runtime config change applies without a restart.
        RATELIMIT_DEFAULT=lambda: get_settings().rate_limit,
    )

    from flask_jwt_extended import JWTManager

    JWTManager(app)

    from app.platform.limits import limiter

    limiter.init_app(app)
    limiter.request_filter(lambda: request.path in UNLIMITED or request.path == "/api/v1/ws")

    api = Api(app)
    from app.platform.kinds import load_all
    from app.workloads import MANIFESTS, load

    # Every kind registered before any blueprint is: POST /tasks documents them all.
    load_all()
    for blueprint in [load(ref) for manifest in MANIFESTS for ref in manifest.blueprints]:
        api.register_blueprint(blueprint)

    from app.platform.feed import sock

    sock.init_app(app)

    from app import web

    web.init_app(app)  # the console's pages at / (not part of the OpenAPI document)

    from app import apidocs

    apidocs.init_app(app)  # Swagger UI at /api/docs, from files this installation ships

    @app.before_request
    def _before():
        g.started = time.perf_counter()
        runtime_config.refresh()
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.path.startswith("/api/")
            and (request.content_length or 0) > 0
            and request.mimetype not in BODY_TYPES
        ):
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"Unsupported Content-Type {request.mimetype!r}; send application/json",
            )

    from app.platform import cors

    @app.after_request
    def _after(response):
        cors.apply_cors(response)
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.HTTP_REQUESTS.labels(request.method, route, response.status_code).inc()
        metrics.HTTP_LATENCY.labels(request.method, route).observe(elapsed)
        return response

    return app
