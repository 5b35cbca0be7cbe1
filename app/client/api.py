"""The REST side of the client: one httpx client, the envelope unwrapped, errors as exit codes."""

from __future__ import annotations

import httpx

from app.client.config import ClientConfig

# Exit codes (docs/cli.md). 0, 1 and 2 say how a task ended; the rest say why we could not tell.
EXIT_SUCCEEDED = 0
EXIT_FAILED = 1
EXIT_CANCELLED = 2
EXIT_REFUSED = 3  # the API answered 4xx: bad input, not found, conflict
EXIT_AUTH = 4  # not signed in, token expired or revoked, role too low (401/403)
EXIT_CONNECTION = 5  # the server could not be reached, timed out, or failed (5xx)
EXIT_USAGE = 64  # a wrong command line (sysexits' EX_USAGE)

STATE_EXIT = {"succeeded": EXIT_SUCCEEDED, "failed": EXIT_FAILED, "cancelled": EXIT_CANCELLED}


class ClientError(Exception):
    def __init__(self, message: str, exit_code: int, code: str | None = None, errors=None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.code = code
        self.errors = errors or {}

    def as_json(self) -> dict:
        return {
            "status": "error",
            "code": self.code,
            "message": self.message,
            "errors": self.errors,
        }


def error_from_response(resp: httpx.Response) -> ClientError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or f"HTTP {resp.status_code}"
    code = body.get("code")
    if resp.status_code in (401, 403):
        exit_code = EXIT_AUTH
    elif resp.status_code >= 500:
        exit_code = EXIT_CONNECTION
    else:
        exit_code = EXIT_REFUSED
    return ClientError(message, exit_code, code, body.get("errors"))


class Api:
    def __init__(self, cfg: ClientConfig, timeout: float = 30.0):
        self.cfg = cfg
        self.http = httpx.Client(base_url=cfg.url, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def _headers(self, extra: dict | None) -> dict:
        headers = {"Accept": "application/json", **(extra or {})}
        if self.cfg.token:
            headers["Authorization"] = f"Bearer {self.cfg.token}"
        return headers

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs) -> dict:
        """The whole envelope of a 2xx answer; a ClientError otherwise. A 401 with a saved
        refresh token refreshes once and repeats the request."""
        for attempt in range(2):
            try:
                resp = self.http.request(method, path, headers=self._headers(headers), **kwargs)
            except httpx.HTTPError as exc:
                raise ClientError(
                    f"cannot reach {self.cfg.url}: {exc.__class__.__name__}: {exc}",
                    EXIT_CONNECTION,
                    "CONNECTION_ERROR",
                ) from None
            if resp.status_code == 401 and attempt == 0 and self.refresh():
                continue
            if resp.status_code >= 400:
                raise error_from_response(resp)
            try:
                return resp.json()
            except ValueError:
                raise ClientError(
                    f"{method} {path}: the answer is not JSON", EXIT_CONNECTION, "BAD_ANSWER"
                ) from None
        raise AssertionError("unreachable")

    def refresh(self) -> bool:
        if not (self.cfg.from_file and self.cfg.refresh_token):
            return False
        try:
            resp = self.http.post(
                "/api/v1/auth/refresh", json={"refresh_token": self.cfg.refresh_token}
            )
        except httpx.HTTPError:
            return False
        if resp.status_code != 200:
            return False
        tokens = resp.json()["data"]
        self.cfg.save_tokens(tokens["access_token"], tokens["refresh_token"])
        return True

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)["data"]

    def post(self, path: str, body: dict | None = None, **kw):
        return self.request("POST", path, json={} if body is None else body, **kw)["data"]

    def delete(self, path: str, **kw):
        return self.request("DELETE", path, **kw)["data"]

    def task(self, task_id: str) -> dict:
        return self.get(f"/api/v1/tasks/{task_id}")
