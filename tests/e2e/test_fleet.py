"""Kairos as a fleet: web, a prefork worker, the probes worker (threads pool) and beat as
separate processes, each with its OWN var directory (as if on its own host), on PostgreSQL
and RabbitMQ, mail over SMTP. Everything a workload does crosses processes only through the
database, the broker, Redis, the blob store and SMTP: no process reads a file another wrote.

Skipped, saying why, where PostgreSQL or RabbitMQ is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.e2e.stack import RabbitVhost, Stack, rabbitmq_answers
from tests.factories import PASSWORD, Client, register, unique_email
from tests.smtp_server import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_fleet")]

PROCESSES = {
    "web": ("web",),
    "worker": ("worker", "-Q", "default,search,llm,matching,feeds,mail", "-c", "2"),
    "probes": ("worker", "-Q", "probes", "--pool", "threads", "-c", "4", "-n", "probes@%h"),
    "beat": ("beat",),
}
WAIT = {"Prefer": "wait=30"}
RESUME_MD = b"""# Grace Hopper
grace.hopper@example.com | New York, NY

## Summary
Backend engineer with 8 years of Python, FastAPI and PostgreSQL.

## Skills
Python, FastAPI, PostgreSQL, Docker

## Experience
### Senior Backend Engineer, Compilers Inc (2018 - present)
- Built APIs in Python and FastAPI on PostgreSQL
"""


class Fleet:
    def __init__(self, stack: Stack, smtp: SmtpServer, vars_: dict[str, Path]):
        self.stack, self.smtp, self.vars = stack, smtp, vars_
        self.base_url, self.ws_url = stack.base_url, stack.ws_url


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    from tests.conftest import _fresh_postgres, _postgres_url

    base = _postgres_url()
    if base is None:
        pytest.skip("fleet test skipped: no PostgreSQL on 127.0.0.1:5432")
    if not rabbitmq_answers():
        pytest.skip("fleet test skipped: no RabbitMQ on 127.0.0.1:5672")
    database_url, drop = _fresh_postgres(base)
    vhost = RabbitVhost()
    tmp = tmp_path_factory.mktemp("fleet")
    stack = Stack(tmp, vhost.url)
    smtp = SmtpServer().__enter__()
    # What every host of a fleet must agree on; nothing here is a path they share.
    stack.env.update(
        KAIROS_DATABASE_URL=database_url,
        KAIROS_SECRET_KEY="fleet-test-secret-" + "0123456789abcdef" * 3,
        KAIROS_SMTP_URL=smtp.url,
        KAIROS_PUBLIC_URL=stack.base_url,
        KAIROS_MAIL_FROM="Kairos <noreply@fleet.example>",
        KAIROS_PROBE_ALLOW_PRIVATE="true",
        KAIROS_LOG_LEVEL="INFO",
    )
    vars_ = {name: tmp / f"host-{name}" for name in PROCESSES}
    try:
        stack.run("db", "upgrade")
        for name, args in PROCESSES.items():
            stack.start(name, *args, env={"KAIROS_VAR_DIR": str(vars_[name])})
        stack.wait_ready()
        yield Fleet(stack, smtp, vars_)
    finally:
        stack.stop()
        smtp.__exit__(None, None, None)
        vhost.drop()
        drop()


@pytest.fixture(scope="module")
def owner(fleet):
    return register(fleet)


def _done(client: Client, resp) -> dict:
    assert resp.status_code in (200, 202), resp.text
    task = client.wait(resp.json()["data"]["id"], timeout=120)
    assert task["state"] == "succeeded", (task["kind"], task["error"])
    return task


def test_a_careers_resume_import_crosses_hosts_through_the_blob_store(fleet, owner):
    resp = owner.post(
        "/api/v1/careers/resumes/import",
        files={"file": ("cv.md", RESUME_MD, "text/markdown")},
    )
    task = _done(owner, resp)
    assert task["state"] == "succeeded", task
    resume = owner.get(f"/api/v1/careers/resumes/{task['result']['resume_id']}").json()["data"]
    assert resume["title"]


def test_a_recruiting_resume_upload_and_a_match(fleet, owner):
    job = _done(
        owner,
        owner.post(
            "/api/v1/recruiting/agent/jobs/from_prompt",
            json={"prompt": "Senior Backend Engineer in NYC with Python, FastAPI, PostgreSQL"},
        ),
    )
    assert job["state"] == "succeeded", job
    made = _done(
        owner,
        owner.post(
            "/api/v1/recruiting/agent/candidates/from_resume",
            files={"resume": ("grace.md", RESUME_MD)},
        ),
    )
    assert made["state"] == "succeeded", made
    candidate = made["result"]["candidate"]
    match = _done(
        owner,
        owner.post(
            "/api/v1/recruiting/matching/candidates_for_job",
            json={"job_id": job["result"]["job"]["id"]},
            headers=WAIT,
        ),
    )
    assert match["state"] == "succeeded", match
    assert candidate["id"] in [m["candidate_id"] for m in match["result"]["matches"]]


def test_a_dining_uci_import_and_a_feed(fleet, owner):
    from tests.dining.test_catalog import uci_files

    files = [("files", (name, data, "text/csv")) for name, data in uci_files().items()]
    task = _done(owner, owner.post("/api/v1/dining/restaurants/import", files=files))
    assert task["state"] == "succeeded", task
    assert task["result"]["created"] >= 1
    uid = owner.user["id"]  # a signed-in user acts on the dining profile of their own id
    assert owner.post(f"/api/v1/dining/users/{uid}", json={}).status_code == 201
    resp = owner.get(f"/api/v1/dining/recommendations/{uid}", headers=WAIT)
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["restaurants"]


def test_a_monitoring_check_and_its_e_mail_alert(fleet, owner):
    from tests.monitoring.servers import TargetServer

    to = unique_email()
    base = "/api/v1/monitoring"
    resp = owner.post(f"{base}/channels", json={"name": "Ops", "type": "email", "to": to})
    assert resp.status_code == 201, resp.text
    with TargetServer() as server:
        body = {"name": "Billing API", "resourceType": "HTTP", "retries": 0,
                "target": f"{server.url}/status/503"}  # fmt: skip
        resp = owner.post(f"{base}/resources", json=body)
        assert resp.status_code == 200, resp.text
        check = _done(owner, owner.post(f"{base}/resources/{resp.json()['data']['id']}/check"))
        assert check["state"] == "succeeded", check
    alert = fleet.smtp.wait_for(to, "[DOWN] Billing API", timeout=60)
    assert alert.message["From"] == "Kairos <noreply@fleet.example>"
    assert alert.message["Message-ID"] and alert.message["Date"]


def test_an_invitation_accepted_from_its_mailed_link(fleet, owner):
    invitee = unique_email()
    resp = owner.post("/api/v1/members/invitations", json={"email": invitee, "role": "member"})
    assert resp.status_code == 201, resp.text
    body = fleet.smtp.wait_for(invitee, "Join").message.get_content()
    accept = re.search(r"POST (\S+/api/v1/invitations/\S+/accept)", body).group(1)
    assert accept.startswith(fleet.base_url)
    resp = requests.post(accept, json={"password": PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["user"]["org_id"] == owner.user["org_id"]


def test_no_process_wrote_a_file_another_one_reads(fleet):
    """Uploads went through the blob store and mail through SMTP: no host grew a mail
    outbox or an upload directory, and the web host holds nothing a worker needed."""
    for name, var in fleet.vars.items():
        found = (
            {p.relative_to(var).parts[0] for p in var.rglob("*") if p.is_file()}
            if var.exists()
            else set()
        )
        assert "mail" not in found, (name, found)
        assert "dining" not in found and "uploads" not in found, (name, found)
