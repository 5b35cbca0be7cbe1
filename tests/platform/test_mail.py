"""Real mail: the platform's messages delivered to a real SMTP server (aiosmtpd) this test
starts, with the right headers, links that work, no header injection, and retries."""

from __future__ import annotations

import dataclasses
import re

import pytest
import requests

from app.config import ConfigError, configure, get_settings, load_settings
from app.mail import build_message, mail_transport_configured, parse_smtp_url, smtp_config
from tests.factories import PASSWORD, Client, unique_email
from tests.smtp_server import SmtpServer

pytest.importorskip("aiosmtpd")


@pytest.fixture
def smtp(platform):
    """The platform (web and its in-process worker) sending to a fresh SMTP server that asks
    for a login, with links pointing at the served app."""
    with SmtpServer(user="kairos", password="s3cret pass") as server:
        before = get_settings()
        configure(
            dataclasses.replace(
                before,
                smtp_url=server.url.replace("s3cret pass", "s3cret%20pass"),
                public_url=platform.base_url,
                mail_from="Kairos <noreply@kairos.example>",
            )
        )
        try:
            yield server
        finally:
            configure(before)


def _register(platform, org_name="Acme") -> tuple[Client, str]:
    email = unique_email()
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "org_name": org_name},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    data = resp.json()["data"]
    return Client(platform, data["tokens"]["access_token"], email=email, user=data["user"]), email


def test_the_smtp_url_is_parsed_and_a_bad_one_stops_the_process():
    config = parse_smtp_url("smtps://me%40x.org:p%3Ass@mail.example.org?starttls=false")
    assert (config.host, config.port, config.security) == ("mail.example.org", 465, "tls")
    assert (config.user, config.password) == ("me@x.org", "p:ss")
    assert parse_smtp_url("smtp://mail.example.org").security == "starttls"
    assert parse_smtp_url("smtp://mail.example.org").port == 587
    assert parse_smtp_url("smtp://h:2525?starttls=false").security == "none"
    assert "p:ss" not in config.describe()
    for bad in ("http://mail.example.org", "smtp://", "smtp://h?tls=1", "smtp://h:99999"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)
    with pytest.raises(ConfigError, match="smtp_url"):
        load_settings({"KAIROS_SMTP_URL": "mail.example.org:25"})


def test_without_smtp_mail_goes_to_the_file_sink():
    settings = load_settings({})
    assert smtp_config(settings) is None and not mail_transport_configured(settings)
    assert mail_transport_configured(load_settings({"KAIROS_SMTP_HOST": "mail.example.org"}))


def test_a_verification_mail_arrives_with_its_headers_and_its_link_works(platform, smtp):
    client, email = _register(platform)
    got = smtp.wait_for(email, "Verify")
    msg = got.message
    assert got.rcpt_tos == [email]
    assert got.login == "kairos"  # the credentials of the URL reached the server
    assert msg["From"] == "Kairos <noreply@kairos.example>"
    assert msg["To"] == email
    assert msg["Subject"] == "Verify your Kairos e-mail address"
    assert msg["Date"] and re.fullmatch(r"<[^<>@\s]+@kairos\.example>", msg["Message-ID"])
    link = re.search(r"https?://\S+/api/v1/auth/verify/\S+", msg.get_content()).group(0)
    assert link.startswith(platform.base_url)
    resp = requests.get(link, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["email_verified"] is True
    assert client.get("/api/v1/users/me").json()["data"]["email_verified"] is True


def test_a_name_with_line_breaks_cannot_add_a_header(platform, smtp):
    evil = "Evil Corp\r\nBcc: attacker@evil.example\r\nX-Injected: yes"
    admin, _ = _register(platform, org_name=evil)
    invitee = unique_email()
    resp = admin.post("/api/v1/members/invitations", json={"email": invitee, "role": "member"})
    assert resp.status_code == 201, resp.text
    got = smtp.wait_for(invitee, "Join")
    assert got.rcpt_tos == [invitee]  # nobody else was sent a copy
    assert got.message["Bcc"] is None and got.message["X-Injected"] is None
    assert (
        got.message["Subject"]
        == "Join Evil Corp Bcc: attacker@evil.example X-Injected: yes on Kairos"
    )
    # And a header value that would still hold a line break is refused, never sent.
    with pytest.raises(ValueError):
        build_message("a@example.org", "b@example.org\r\nBcc: c@example.org", "Hi", "body")


def test_an_invitation_is_accepted_from_its_mailed_link(platform, smtp):
    admin, _ = _register(platform, org_name="Globex")
    invitee = unique_email()
    resp = admin.post("/api/v1/members/invitations", json={"email": invitee, "role": "member"})
    assert resp.status_code == 201, resp.text
    body = smtp.wait_for(invitee, "Join Globex").message.get_content()
    accept = re.search(r"POST (\S+/api/v1/invitations/\S+/accept)", body).group(1)
    resp = requests.post(accept, json={"password": PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    joined = resp.json()["data"]
    assert joined["user"]["email"] == invitee
    assert joined["user"]["org_id"] == admin.user["org_id"]


def _send(platform, api, subject: str) -> dict:
    from app.core.principal import Principal
    from app.platform.kinds import SEND_MAIL
    from app.platform.task_service import enqueue_internal

    system = Principal.of_user(api.user["id"], api.user["org_id"], "owner")
    with platform.app.app_context():
        task = enqueue_internal(
            system, SEND_MAIL, {"to": api.email, "subject": subject, "body": "hello"}
        )
    return api.wait(task.id, timeout=60)


def test_a_temporary_failure_is_retried_and_the_mail_then_arrives(platform, api, smtp):
    smtp.answers = [("Retried", "451 4.3.0 Try again later")]
    task = _send(platform, api, "Retried")
    assert task["state"] == "succeeded", task
    assert task["retries"] == 1
    assert task["result"]["transport"] == "smtp"
    assert smtp.attempts["Retried"] == 2
    assert smtp.wait_for(api.email, "Retried").message.get_content().strip() == "hello"


def test_a_permanent_failure_fails_the_task_clearly(platform, api, smtp):
    smtp.answers = [("Refused", "550 5.1.1 No such mailbox")]
    task = _send(platform, api, "Refused")
    assert task["state"] == "failed"
    assert task["error"]["code"] == "MAIL_REJECTED"
    assert "550" in task["error"]["message"] and task["retries"] == 0
    assert smtp.attempts["Refused"] == 1
    assert not [r for r in smtp.received if "Refused" in str(r.message["Subject"])]
