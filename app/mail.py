"""Mail: building a message and handing it to the configured transport.

Two transports, chosen by settings (the same on every process that sends mail):

- **SMTP** when ``smtp_host`` is set, or the secret ``KAIROS_SMTP_URL``
  (``smtp://user:pass@host:587?starttls=true``, ``smtps://…@host:465`` for implicit TLS):
  verification, invitations and monitoring alerts are really delivered.
- **the file sink** otherwise (the embedded default of ``make run``): one ``.eml`` file per
  message under ``var/mail``, readable by any mail client; nothing leaves the machine.

Messages are built with :class:`email.message.EmailMessage`, whose header policy refuses a
CR or LF inside a header value, so a user-supplied name can never add a header; subjects are
folded onto one line first. No Flask here: the ``platform.send_mail`` task calls it.
"""

from __future__ import annotations

import dataclasses
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from app.config import SMTP_DEFAULT_PORT, Settings, SmtpConfig, get_settings, parse_smtp_url


class MailError(Exception):
    """A message that could not be delivered; ``temporary`` says whether trying again later
    may succeed (an SMTP 4xx, a refused or dropped connection) or not (a 5xx)."""

    def __init__(self, message: str, temporary: bool, code: str):
        super().__init__(message)
        self.message, self.temporary, self.code = message, temporary, code


def smtp_config(settings: Settings | None = None) -> SmtpConfig | None:
    """The SMTP server mail goes to, or None for the file sink."""
    settings = settings or get_settings()
    if settings.smtp_url:
        config = parse_smtp_url(settings.smtp_url)
        return dataclasses.replace(config, timeout=float(settings.smtp_timeout))
    if not settings.smtp_host:
        return None
    security = settings.smtp_security
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port or SMTP_DEFAULT_PORT[security],
        security=security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=float(settings.smtp_timeout),
    )


def mail_transport_configured(settings: Settings | None = None) -> bool:
    """True when mail is really delivered (SMTP), False for the development file sink: a
    rule that only makes sense if people receive mail (e.g. refusing unverified sign-ins)
    asks this first."""
    return smtp_config(settings) is not None


def describe_transport(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    config = smtp_config(settings)
    if config is not None:
        return config.describe()
    return f"file sink {settings.var_path / 'mail'} (nothing is delivered; set KAIROS_SMTP_URL)"


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """One plain-text message with From, To, Subject, Date and Message-ID. A subject made
    from user input (an org's or a person's name) is folded onto one line; any other header
    value with a line break is refused by the message itself (ValueError), never sent."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body)
    return msg


def send_smtp(msg: EmailMessage, config: SmtpConfig) -> None:
    """Deliver over SMTP; raises MailError (temporary or permanent)."""
    context = ssl.create_default_context()
    try:
        if config.security == "tls":
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.starttls(context=context)
            if config.user:
                client.login(config.user, config.password)
            refused = client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        temporary = all(400 <= code < 500 for code in codes)
        raise MailError(
            f"recipient refused: {exc.recipients}",
            temporary,
            "MAIL_TEMPORARY_FAILURE" if temporary else "MAIL_REJECTED",
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        temporary = 400 <= exc.smtp_code < 500
        raise MailError(
            f"{config.describe()} answered {exc.smtp_code} {text}",
            temporary,
            "MAIL_TEMPORARY_FAILURE" if temporary else "MAIL_REJECTED",
        ) from None
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        # Refused, reset or timed out: the server may be back in a moment.
        raise MailError(
            f"{config.describe()} unreachable: {exc}", True, "MAIL_TEMPORARY_FAILURE"
        ) from None
    except smtplib.SMTPException as exc:  # e.g. STARTTLS or AUTH not offered: a configuration error
        raise MailError(f"{config.describe()}: {exc}", False, "MAIL_REJECTED") from None
    if refused:
        raise MailError(f"recipients refused: {sorted(refused)}", False, "MAIL_REJECTED")


def write_to_sink(msg: EmailMessage, name: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    outbox = settings.var_path / "mail"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{name}.eml"
    path.write_bytes(bytes(msg))
    return path
