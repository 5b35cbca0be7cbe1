"""The one auth helper.

A request is authenticated by a JWT access token or an API key, sent as
``Authorization: Bearer|ApiKey <token>``, ``X-API-Key``, ``X-Kairos-Key`` or, for a key with the
``service`` scope, seed 003's ``X-Service-Token`` (or, for the
WebSocket feed, as ``?token=``). The result is a :class:`Principal`; every route asks for one
through :func:`require`. (Org scoping is ``app.core.scoping``; the Principal is
``app.core.principal``: both Flask-free, so workers use them too.)
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import wraps

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, request
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_config
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.core.errors import ApiError
from app.core.principal import Principal
from app.db import get_engine, session_scope
from app.models import ApiKey, Membership, Org, RevokedToken, User
from app.models.platform import ROLES
from app.openapi import mark_auth
from app.platform import auth_cache

API_KEY_PREFIX = "kai_"
LOCAL_EMAIL = "local@localhost"
SERVICE_TOKEN_HEADER = "X-Service-Token"


def unauthorized(message: str = "Authentication required") -> ApiError:
    return ApiError(401, "UNAUTHORIZED", message)


# --- passwords and keys -------------------------------------------------------------------


def password_hasher(env: str) -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes)
    everywhere but ``KAIROS_ENV=test``, where the test suite hashes hundreds of passwords and
    the cheapest parameters keep it fast. A hash states its own parameters, so either hasher
    verifies the other's hashes."""
    if env == "test":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


@functools.cache
def _hasher() -> PasswordHasher:
    return password_hasher(get_settings().env)


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    if user is None:
        # Spend the same time as a real check, so login does not reveal which e-mails exist.
        _safe_verify(_dummy_hash(), password)
        return False
    return _safe_verify(user.password_hash, password)


def _safe_verify(hashed: str, password: str) -> bool:
    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """Return (full key, visible prefix, hash). Keys are random, so SHA-256 is enough."""
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- tokens ---------------------------------------------------------------------------------


def issue_tokens(user_id: str, org_id: str, role: str) -> dict:
    """An access and a refresh token bound to one org. The role claim is informational:
    every request re-reads the membership, so a role change or removal applies at once."""
    claims = {"org": org_id, "role": role}
    settings = get_settings()
    return {
        "access_token": create_access_token(identity=user_id, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=user_id, additional_claims=claims),
        "token_type": "bearer",
        "expires_in": settings.access_token_ttl,
        "org_id": org_id,
    }


def revoke(claims: dict) -> None:
    """Refuse this token from now on. Kept in the database (not only Redis), so a signed-out
    token stays refused across a Redis restart; the janitor prunes expired rows."""
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if expires <= datetime.now(UTC):
        return
    with session_scope() as s:
        if s.get(RevokedToken, claims["jti"]) is None:
            s.add(RevokedToken(jti=claims["jti"], expires_at=expires))
    auth_cache.announce("revoked", claims.get("org", ""), claims.get("sub"))


def decode_jwt(token: str, expected_type: str = "access") -> dict:
    """Verify signature, expiry and type (not revocation or membership: see
    :func:`member_role`).

    One PyJWT decode with flask-jwt-extended's settings. Its own ``decode_token`` decodes
    each token twice (plus its header once more): first without checking the signature, to
    hand the claims to a ``decode_key_loader`` that may pick a key per token, then again
    verified. There is one key here, so the first pass is pure cost."""
    try:
        claims = jwt.decode(
            token,
            jwt_config.decode_key,
            algorithms=jwt_config.decode_algorithms,
            audience=jwt_config.decode_audience,
            issuer=jwt_config.decode_issuer,
            leeway=jwt_config.leeway,
            options={
                "verify_aud": jwt_config.decode_audience is not None,
                "verify_sub": jwt_config.verify_sub,
            },
        )
    except Exception:
        raise unauthorized("Invalid or expired token") from None
    if claims.get("type") != expected_type or not claims.get("org"):
        raise unauthorized(f"Expected an {expected_type} token")
    return claims


_revoked = select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti")).exists()
_MEMBER_QUERY = (
    select(Membership.role, User.is_active, _revoked.label("revoked"))
    .join(User, User.id == Membership.user_id)
    .where(Membership.org_id == bindparam("org"), Membership.user_id == bindparam("sub"))
)


def member_role(claims: dict) -> str:
    """The caller's current role in the token's org, in one indexed query that also checks
    revocation, kept per process for at most a second (:mod:`app.platform.auth_cache`:
    dropped at once on any revocation or membership change). Auth keeps working while Redis
    is away: the cache is bypassed then, the database still answers."""
    key = (claims["org"], claims["sub"], claims["jti"])
    row = auth_cache.cache.get(key)
    if row is None:
        generation = auth_cache.cache.generation()
        with get_engine().connect() as conn:
            row = conn.execute(
                _MEMBER_QUERY, {"org": claims["org"], "sub": claims["sub"], "jti": claims["jti"]}
            ).first()
        if row is not None:
            row = tuple(row)
            auth_cache.cache.put(key, row, generation)
    if row is None:
        raise unauthorized("You are no longer a member of this organization")
    role, active, revoked = row
    if revoked:
        raise unauthorized("Token has been revoked")
    if not active:
        raise unauthorized("Account no longer active")
    return role


def _principal_from_key(key: str) -> Principal:
    parts = key.removeprefix(API_KEY_PREFIX).split("_", 1)
    if len(parts) != 2:
        raise unauthorized("Invalid API key")
    with session_scope() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
        if row is None or row.revoked_at or not hmac.compare_digest(row.key_hash, hash_key(key)):
            raise unauthorized("Invalid or revoked API key")
        role = row.role
        if row.created_by is not None:
            # A key never acts above its creator's current role.
            creator = s.scalar(
                select(Membership.role).where(
                    Membership.org_id == row.org_id, Membership.user_id == row.created_by
                )
            )
            if creator is None:
                raise unauthorized("Invalid or revoked API key")
            role = min(role, creator, key=ROLES.index)
        now = datetime.now(UTC)
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now  # at most one write a minute per key
        return Principal(
            "api_key", row.id, row.org_id, role, row.created_by, frozenset(row.scopes or ())
        )


def principal_from_token(token: str) -> Principal:
    """Authenticate a raw credential (header value or WebSocket ``?token=``)."""
    settings = get_settings()
    if settings.api_key and hmac.compare_digest(token.encode(), settings.api_key.encode()):
        return local_principal()  # seed 000's static key: the installation's local owner
    if token.startswith(API_KEY_PREFIX):
        return _principal_from_key(token)
    if settings.auth == "api_key":
        raise unauthorized("This server accepts API keys only")
    claims = decode_jwt(token)
    return Principal.of_user(claims["sub"], claims["org"], member_role(claims))


def credential_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "apikey") and value.strip():
        return value.strip()
    return (
        request.headers.get("X-API-Key")
        or request.headers.get("X-Kairos-Key")
        or request.headers.get(SERVICE_TOKEN_HEADER)
    )


def _check_service_token(token: str, principal: Principal) -> None:
    """Seed 003's backend sends its shared secret as ``X-Service-Token``: here that header
    carries an API key with the ``service`` scope, and nothing else."""
    if token == request.headers.get(SERVICE_TOKEN_HEADER) and not (
        principal.kind == "api_key" and "service" in principal.scopes
    ):
        raise unauthorized("X-Service-Token takes an API key with the service scope")


def local_principal() -> Principal:
    """``auth = "none"`` (loopback only): everything runs as the owner of the local org."""
    for _ in range(2):  # two first requests at once: the loser reads the winner's rows
        try:
            with session_scope() as s:
                user = s.scalar(select(User).where(User.email == LOCAL_EMAIL))
                if user is None:
                    org = Org(name="local")
                    s.add(org)
                    s.flush()
                    user = User(
                        org_id=org.id,
                        email=LOCAL_EMAIL,
                        name="Local user",
                        password_hash=hash_password(secrets.token_hex(16)),
                    )
                    s.add(user)
                    s.flush()
                    s.add(Membership(org_id=org.id, user_id=user.id, role="owner"))
                return Principal("local", user.id, user.org_id, "owner", user.id)
        except IntegrityError:
            continue
    raise ApiError(503, "SERVICE_UNAVAILABLE", "Could not set up the local user; try again")


def authenticate() -> Principal:
    if "principal" in g:
        return g.principal
    token = credential_from_request()
    if token:
        principal = principal_from_token(token)
        _check_service_token(token, principal)
    elif get_settings().auth == "none":
        principal = local_principal()
    else:
        raise unauthorized()
    g.principal = principal
    return principal


def require(role: str = "viewer", scope: str | None = None):
    """Route decorator: authenticate, then check role and (for API keys) scope."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            principal = authenticate()
            if not principal.has_role(role):
                raise ApiError(403, "FORBIDDEN", f"Requires the {role} role")
            if not principal.has_scope(scope):
                raise ApiError(403, "FORBIDDEN", f"API key lacks the {scope} scope")
            return fn(*args, **kwargs)

        return mark_auth(wrapper, role, scope)

    return decorator


def current_principal() -> Principal:
    return g.principal
