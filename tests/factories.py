"""Shared test helpers: signed-in clients, users of other roles, waiting for tasks."""

from __future__ import annotations

import time
import uuid

import requests
from sqlalchemy import func, select

FINISHED = ("succeeded", "failed", "cancelled")
PASSWORD = "correct horse battery staple"


class Client:
    """Real HTTP against the served app, signed in as one principal."""

    def __init__(self, platform, token: str | None = None, **info):
        self.platform = platform
        self.token = token
        self.session = requests.Session()
        self.__dict__.update(info)

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs):
        headers = kwargs.pop("headers", {})
        if auth and self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(
            method,
            self.platform.base_url + path,
            headers=headers,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def submit(self, kind: str = "platform.diagnostic", **params) -> dict:
        resp = self.post("/api/v1/tasks", json={"kind": kind, "params": params})
        assert resp.status_code == 202, resp.text
        return resp.json()["data"]

    def wait(self, task_id: str, states=FINISHED, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(f"/api/v1/tasks/{task_id}").json()["data"]
            if task["state"] in states or time.monotonic() > deadline:
                return task
            time.sleep(0.05)


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def register(platform, org_name: str | None = None) -> Client:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "Test User"}
    if org_name:
        body["org_name"] = org_name
    resp = requests.post(platform.base_url + "/api/v1/auth/register", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    data = resp.json()["data"]
    return Client(
        platform,
        data["tokens"]["access_token"],
        email=email,
        user=data["user"],
        tokens=data["tokens"],
    )


def add_member(owner: Client, role: str) -> Client:
    """Another user of the owner's org, with ``role``, signed in."""
    from app.db import session_scope
    from app.models import Membership, User
    from app.platform.auth import hash_password

    email = unique_email()
    org_id = owner.user["org_id"]
    with session_scope() as s:
        user = User(org_id=org_id, email=email, password_hash=hash_password(PASSWORD))
        s.add(user)
        s.flush()
        s.add(Membership(org_id=org_id, user_id=user.id, role=role))
    resp = requests.post(
        owner.platform.base_url + "/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return Client(owner.platform, resp.json()["data"]["access_token"], email=email)


def mail_to(platform, email: str, subject: str = "", timeout: float = 20):
    """The first mail the mail worker delivered to ``email`` (whose subject contains
    ``subject``), read from the outbox under var/mail."""
    from email import message_from_bytes, policy
    from pathlib import Path

    outbox = Path(platform.settings.var_dir) / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == email and subject in str(msg["Subject"]):
                return msg
        time.sleep(0.1)
    raise AssertionError(f"no mail to {email}")


def add_task_row(api, **values) -> str:
    """A diagnostic task row of ``api``'s org written directly (as if submitted), with any
    columns overridden; returns its id."""
    from app.db import session_scope
    from app.models import Task

    row = Task(
        org_id=api.user["org_id"],
        owner_id=api.user["id"],
        caller=f"user:{api.user['id']}",
        kind="platform.diagnostic",
        queue="default",
        params={"steps": 1, "sleep": 0.0, "fail_at": None, "payload_bytes": 0},
        **values,
    )
    with session_scope() as s:
        s.add(row)
    return row.id


def count(model) -> int:
    from app.db import session_scope

    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(model))


class Feed:
    """A real WebSocket client on /api/v1/ws."""

    def __init__(self, platform, token: str | None = None, timeout: float = 20):
        import websocket

        url = platform.ws_url + (f"?token={token}" if token else "")
        self.ws = websocket.create_connection(url, timeout=timeout)

    def send(self, message: dict) -> None:
        import json

        self.ws.send(json.dumps(message))

    def recv(self) -> dict:
        import json

        return json.loads(self.ws.recv())

    def until(self, predicate, limit: int = 500) -> list[dict]:
        """Messages up to and including the first that satisfies ``predicate``."""
        seen = []
        for _ in range(limit):
            message = self.recv()
            seen.append(message)
            if predicate(message):
                return seen
        raise AssertionError(f"predicate never held in {limit} messages: {seen[-5:]}")

    def close_code(self) -> int | None:
        """Read until the server closes; return its close code."""
        import websocket

        while True:
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketConnectionClosedException:
                return None
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else None

    def close(self) -> None:
        self.ws.close()


def is_end_of(task_id: str):
    return lambda m: m.get("task_id") == task_id and m["type"] in ("complete", "error")
