"""A real SMTP server for tests (aiosmtpd): what arrived, with its envelope, and scripted
answers (a temporary 451, a permanent 550) for the next messages."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None


class SmtpServer:
    """``with SmtpServer() as smtp:`` a server on 127.0.0.1:``smtp.port``; ``smtp.url`` for
    KAIROS_SMTP_URL. With ``user``/``password`` it requires AUTH (over plain SMTP: tests only)."""

    def __init__(self, user: str | None = None, password: str | None = None):
        self.port = free_port()
        self.user, self.password = user, password
        self.received: list[Received] = []
        # (subject contains, answer): the next message with that subject gets the answer
        # instead of 250, once per entry.
        self.answers: list[tuple[str, str]] = []
        self.attempts: dict[str, int] = {}  # subject -> DATA commands seen
        self._cond = threading.Condition()
        self._controller = None

    @property
    def url(self) -> str:
        auth = f"{self.user}:{self.password}@" if self.user else ""
        return f"smtp://{auth}127.0.0.1:{self.port}?starttls=false"

    # aiosmtpd's handler hooks
    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        subject = str(message["Subject"])
        with self._cond:
            self.attempts[subject] = self.attempts.get(subject, 0) + 1
            for index, (match, answer) in enumerate(self.answers):
                if match in subject:
                    del self.answers[index]
                    return answer
            login = session.auth_data if session.authenticated else None
            if isinstance(login, bytes):
                login = login.decode()
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, login)
            )
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

    def __enter__(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        kwargs = {}
        if self.user:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def wait_for(self, to: str, subject: str = "", timeout: float = 30) -> Received:
        """The first message to ``to`` whose subject contains ``subject``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self.received:
                    if to in item.rcpt_tos and subject in str(item.message["Subject"]):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {to} arrived over SMTP")
                self._cond.wait(left)
