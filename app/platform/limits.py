"""Rate limits (flask-limiter, counted per process and pushed to the platform's Redis in
batches: :mod:`app.platform.rate_store`), keyed by credential, else by address."""

from __future__ import annotations

import hashlib

from flask import request
from flask_limiter import Limiter

from app.platform import rate_store  # noqa: F401 - registers the kairos:// storage
from app.platform.auth import credential_from_request


def _key() -> str:
    # Hash the raw credential: no database lookup before the limit is checked, and the
    # stored key reveals nothing.
    credential = credential_from_request()
    if credential:
        return "cred:" + hashlib.sha256(credential.encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")


limiter = Limiter(
    key_func=_key,
    strategy="fixed-window",
    # X-RateLimit-* headers on every answer would cost a second Redis round trip per request;
    # a refused request still says when to come back (Retry-After, set by the error mapping).
    headers_enabled=False,
    swallow_errors=True,  # Redis away must not take the API down with it
    key_prefix="kairos:rl",
)
