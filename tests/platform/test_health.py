"""Liveness, readiness and metrics."""

from __future__ import annotations

import requests


def test_health_answers_on_both_paths(platform):
    for path in ("/api/v1/health", "/healthz"):
        resp = requests.get(platform.base_url + path)
        assert resp.status_code == 200 and resp.json()["data"] == {"status": "ok"}


def test_ready_names_a_live_worker_for_every_queue(platform):
    resp = requests.get(platform.base_url + "/api/v1/ready")
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["database"] == "ok" and data["redis"] == "ok"
    assert set(data["queues"]) >= {
        "default",
        "search",
        "llm",
        "matching",
        "probes",
        "feeds",
        "mail",
    }
    assert all(data["queues"].values())


def test_ready_is_503_naming_the_queue_without_a_worker(platform):
    from app.redis_conn import get_redis
    from app.taskqueue import HEARTBEAT_KEY

    client = get_redis()
    keys = list(client.scan_iter(match=HEARTBEAT_KEY.format("*")))
    saved = {k: (client.get(k), client.ttl(k)) for k in keys}
    client.delete(*keys)
    try:
        resp = requests.get(platform.base_url + "/api/v1/ready")
    finally:
        for key, (value, ttl) in saved.items():
            client.set(key, value, ex=max(ttl, 1))
    assert resp.status_code == 503
    body = resp.json()
    assert body["code"] == "NOT_READY" and "default" in body["message"]


def test_metrics_count_requests_and_tasks_in_prometheus_format(api):
    task = api.submit()
    api.wait(task["id"])
    for path in ("/metrics", "/actuator/prometheus"):
        resp = api.get(path, auth=False)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = resp.text
        assert 'kairos_tasks_submitted_total{kind="platform.diagnostic"}' in text
        assert 'kairos_tasks_succeeded_total{kind="platform.diagnostic"}' in text
        assert "kairos_task_duration_seconds_bucket" in text
        assert (
            'kairos_http_requests_total{method="POST",route="/api/v1/tasks",status="202"}' in text
        )
        assert "kairos_http_request_duration_seconds_bucket" in text
        assert 'kairos_queue_depth{queue="default"}' in text
        assert "kairos_websocket_connections" in text


def test_config_shows_the_settings_in_force_to_admins_without_secrets(api):
    from tests.factories import add_member

    resp = api.get("/api/v1/config")
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert data["settings"]["auth"] == "jwt" and "default" in data["queues"]
    assert data["secrets"]["secret_key"] is True
    assert (
        "secret_key" not in data["settings"] and api.platform.settings.secret_key not in resp.text
    )
    assert add_member(api, "member").get("/api/v1/config").status_code == 403
