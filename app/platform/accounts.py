"""Accounts: register, login, refresh, logout, e-mail verification, the current user."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.core.errors import ApiError
from app.core.principal import Principal
from app.core.schema import Schema
from app.db import session_scope
from app.http import Blueprint, ErrorEnvelopeSchema
from app.mail import mail_transport_configured
from app.models import Membership, Org, User
from app.models.platform import ROLES
from app.platform import task_service
from app.platform.auth import (
    check_password,
    credential_from_request,
    current_principal,
    decode_jwt,
    hash_password,
    issue_tokens,
    member_role,
    require,
    revoke,
)
from app.platform.limits import limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and sessions")

VERIFY_MAX_AGE = 7 * 24 * 3600
EMAIL_NOT_VERIFIED = ApiError(
    403,
    "EMAIL_NOT_VERIFIED",
    "Email not verified. Please check your inbox (POST /api/v1/auth/resend-verification "
    "sends a new link).",
)


class RegisterSchema(Schema):
    email = ma.fields.Email(required=True)
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=8, max=256)
    )
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    # The seeds' spellings of the display name: seed 001's `full_name`, seed 003's `username`
    # (`name` wins, then `full_name`).
    full_name = ma.fields.String(
        validate=ma.validate.Length(max=200), metadata={"description": "Seed 001: the name"}
    )
    username = ma.fields.String(
        validate=ma.validate.Length(max=150), metadata={"description": "Seed 003: the name"}
    )
    org_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


class LoginSchema(Schema):
    email = ma.fields.Email(required=True, metadata={"description": "`username` in form posts"})
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=256)
    )
    org_id = ma.fields.String(
        validate=ma.validate.Length(min=1, max=36),
        metadata={"description": "The org to sign in to (default: the one last chosen)"},
    )


class SwitchOrgSchema(Schema):
    org_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=36))


class RefreshSchema(Schema):
    refresh_token = ma.fields.String(required=True)


class LogoutSchema(Schema):
    refresh_token = ma.fields.String()


class TokensSchema(Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()
    org_id = ma.fields.String(metadata={"description": "The org these tokens are bound to"})


class OrgMembershipSchema(Schema):
    org_id = ma.fields.String()
    org_name = ma.fields.String()
    role = ma.fields.String(metadata={"enum": list(ROLES)})


class UserSchema(Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    role = ma.fields.String(metadata={"description": "Role in the current org"})
    org_id = ma.fields.String()
    org_name = ma.fields.String()
    email_verified = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    orgs = ma.fields.List(
        ma.fields.Nested(OrgMembershipSchema),
        metadata={"description": "Every org this user belongs to (for an org switcher)"},
    )


class RegisteredSchema(Schema):
    user = ma.fields.Nested(UserSchema)
    tokens = ma.fields.Nested(TokensSchema)


def user_json(s, user: User, org_id: str) -> dict:
    orgs = [
        {"org_id": org.id, "org_name": org.name, "role": role}
        for org, role in s.execute(
            select(Org, Membership.role)
            .join(Membership, Membership.org_id == Org.id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.created_at)
        )
    ]
    current = next((o for o in orgs if o["org_id"] == org_id), None) or {
        "org_id": org_id,
        "org_name": s.get(Org, org_id).name,
        "role": None,
    }
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": current["role"],
        "org_id": current["org_id"],
        "org_name": current["org_name"],
        "email_verified": user.email_verified_at is not None,
        "created_at": user.created_at,
        "orgs": orgs,
    }


def tokens_for(s, user: User, org_id: str | None = None) -> dict:
    """Tokens bound to ``org_id`` (default: the user's last chosen org, else their first);
    401 when the user is not a member there. Remembers the choice for the next login."""
    memberships = s.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.created_at)
    ).all()
    wanted = org_id or user.org_id
    chosen = next((m for m in memberships if m.org_id == wanted), None)
    if chosen is None and org_id is None and memberships:
        chosen = memberships[0]
    if chosen is None:
        raise ApiError(
            401 if org_id is None else 403,
            "UNAUTHORIZED" if org_id is None else "FORBIDDEN",
            "You are not a member of this organization"
            if org_id
            else "This account belongs to no organization",
        )
    user.org_id = chosen.org_id
    return issue_tokens(user.id, chosen.org_id, chosen.role)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="kairos-verify-email")


def _send_verification(user: User) -> None:
    token = _serializer().dumps(user.id)
    link = f"{get_settings().public_url}/api/v1/auth/verify/{token}"
    system = Principal.of_user(user.id, user.org_id, "owner")
    # The mail kind is internal; enqueue it directly rather than through the public registry.
    from app.platform.kinds import SEND_MAIL

    task_service.enqueue_internal(
        system,
        SEND_MAIL,
        {
            "to": user.email,
            "subject": "Verify your Kairos e-mail address",
            "body": f"Welcome to Kairos.\n\nConfirm this address by opening:\n{link}\n",
        },
    )


@blp.route("/auth/register", methods=["POST"])
@limiter.limit(lambda: get_settings().auth_rate_limit)
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
@blp.alt_response(409, schema=ErrorEnvelopeSchema, description="The e-mail has an account")
def register(body):
    """Create an org (named `org_name`, optional) and its owner; sends a verification mail.
    The display name is `name`, or seed 001's `full_name`, or seed 003's `username`."""
    email = body["email"].lower()
    with session_scope() as s:
        if s.scalar(select(User.id).where(func.lower(User.email) == email)):
            raise ApiError(409, "CONFLICT", "An account with this e-mail already exists")
        org = Org(name=body.get("org_name") or f"{email.split('@')[0]}'s org")
        s.add(org)
        s.flush()
        user = User(
            org_id=org.id,
            email=email,
            name=body.get("name") or body.get("full_name") or body.get("username"),
            password_hash=hash_password(body["password"]),
        )
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            raise ApiError(409, "CONFLICT", "An account with this e-mail already exists") from None
        s.add(Membership(org_id=org.id, user_id=user.id, role="owner"))
        s.flush()
        answer = {"user": user_json(s, user, org.id), "tokens": tokens_for(s, user, org.id)}
    try:
        _send_verification(user)
    except ApiError:
        current_app.logger.warning("verification_mail_not_queued", extra={"user_id": user.id})
    return answer


@blp.route("/auth/login", methods=["POST"])
@limiter.limit(lambda: get_settings().auth_rate_limit)
@blp.response(200, TokensSchema)
@blp.doc(
    requestBody={
        "content": {
            "application/json": {"schema": LoginSchema},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "format": "email", "maxLength": 320},
                        "password": {"type": "string", "minLength": 1, "maxLength": 256},
                        "org_id": {"type": "string", "minLength": 1, "maxLength": 36},
                    },
                }
            },
        },
        "required": True,
    }
)
@blp.alt_response(400, schema=ErrorEnvelopeSchema, description="Missing or malformed fields")
@blp.alt_response(401, schema=ErrorEnvelopeSchema, description="Wrong e-mail or password")
@blp.alt_response(
    403,
    schema=ErrorEnvelopeSchema,
    description="Not a member of org_id (FORBIDDEN), or, when the server delivers mail, an "
    "address not verified yet (EMAIL_NOT_VERIFIED)",
)
def login():
    """Exchange e-mail and password for tokens bound to one org: JSON, or form fields
    `username`/`password` (and `org_id`). A user in several orgs names one with `org_id`;
    without it, the org they last chose. When the server delivers mail (SMTP configured), an
    unverified address is refused with 403 `EMAIL_NOT_VERIFIED` (see
    `POST /auth/resend-verification`)."""
    if request.mimetype == "application/json":
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise ApiError(400, "VALIDATION_ERROR", "Expected a JSON object")
    else:
        form = request.form
        raw = {"email": form.get("username"), "password": form.get("password")}
        raw["org_id"] = form.get("org_id")
        raw = {k: v for k, v in raw.items() if v is not None}
    try:
        body = LoginSchema().load(raw)
    except ma.ValidationError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", exc.messages) from None
    with session_scope() as s:
        user = s.scalar(select(User).where(func.lower(User.email) == body["email"].lower()))
        if not check_password(user, body["password"]) or not user.is_active:
            raise ApiError(401, "UNAUTHORIZED", "Wrong e-mail or password")
        if user.email_verified_at is None and mail_transport_configured():
            # As seed 003: only an address that received our mail signs in. Without a real
            # transport (the development file sink) nobody could, so the rule waits for one.
            raise EMAIL_NOT_VERIFIED
        return tokens_for(s, user, body.get("org_id"))


class ResendSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=320))


class ResendAnswerSchema(Schema):
    email = ma.fields.String()


@blp.route("/auth/resend-verification", methods=["POST"])
@limiter.limit(lambda: get_settings().auth_rate_limit)
@blp.arguments(ResendSchema)
@blp.response(202, ResendAnswerSchema)
def resend_verification(body):
    """Send a new verification link to an account's address that is not verified yet. The
    answer is the same whether or not such an account exists (nobody learns which addresses
    have one); the link arrives only if it does."""
    email = body["email"].lower()
    with session_scope() as s:
        user = s.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.email_verified_at is None and user.is_active:
            s.expunge(user)
        else:
            user = None
    if user is not None:
        try:
            _send_verification(user)
        except ApiError:
            current_app.logger.warning("verification_mail_not_queued", extra={"user_id": user.id})
    return {"email": email}


@blp.route("/auth/refresh", methods=["POST"])
@blp.arguments(RefreshSchema)
@blp.response(200, TokensSchema)
@blp.alt_response(
    401, schema=ErrorEnvelopeSchema, description="Invalid, expired or revoked refresh token"
)
def refresh(body):
    """Trade a refresh token for a new pair; the old refresh token is revoked (rotation)."""
    claims = decode_jwt(body["refresh_token"], expected_type="refresh")
    role = member_role(claims)  # still a member, not revoked, account active
    revoke(claims)
    return issue_tokens(claims["sub"], claims["org"], role)


@blp.route("/auth/switch-org", methods=["POST"])
@require("viewer")
@blp.arguments(SwitchOrgSchema)
@blp.response(200, TokensSchema)
@blp.alt_response(403, schema=ErrorEnvelopeSchema, description="Not a member of that org")
def switch_org(body):
    """New tokens bound to another org the signed-in user belongs to (API keys belong to
    one org and cannot switch). The current tokens keep their own org until they expire."""
    principal = current_principal()
    if principal.kind == "api_key":
        raise ApiError(403, "FORBIDDEN", "An API key belongs to one org and cannot switch")
    with session_scope() as s:
        return tokens_for(s, s.get(User, principal.user_id), body["org_id"])


@blp.route("/auth/logout", methods=["POST"])
@blp.arguments(LogoutSchema)
@blp.response(200)
@blp.alt_response(401, schema=ErrorEnvelopeSchema, description="No valid access token")
@blp.doc(security=[{"bearer": []}])
def logout(body):
    """Revoke the access token of this request, and the refresh token if given."""
    token = credential_from_request()
    if not token:
        raise ApiError(401, "UNAUTHORIZED", "Authentication required")
    revoke(decode_jwt(token))
    if body.get("refresh_token"):
        revoke(decode_jwt(body["refresh_token"], expected_type="refresh"))
    return {"logged_out": True}


@blp.route("/auth/verify/<token>", methods=["GET"])
@blp.response(200, UserSchema)
@blp.alt_response(404, schema=ErrorEnvelopeSchema, description="A link that is not valid")
@blp.alt_response(410, schema=ErrorEnvelopeSchema, description="A link that has expired")
def verify(token):
    """Confirm an e-mail address with the link sent at registration."""
    try:
        user_id = _serializer().loads(token, max_age=VERIFY_MAX_AGE)
    except SignatureExpired:
        raise ApiError(410, "TOKEN_EXPIRED", "This verification link has expired") from None
    except BadSignature:
        # Like any unknown record: the token names nothing this server signed.
        raise ApiError(
            404, "VERIFICATION_NOT_FOUND", "This verification link is not valid"
        ) from None
    with session_scope() as s:
        user = s.get(User, user_id)
        if user is None:
            raise ApiError(404, "USER_NOT_FOUND", "User not found")
        if user.email_verified_at is None:
            user.email_verified_at = datetime.now(UTC)
        return user_json(s, user, user.org_id)


@blp.route("/users/me")
class Me(MethodView):
    @require("viewer")
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in user (or the API key's creator) and their org."""
        principal = current_principal()
        with session_scope() as s:
            user = s.get(User, principal.user_id) if principal.user_id else None
            if user is None:
                raise ApiError(404, "USER_NOT_FOUND", "This credential has no user")
            return user_json(s, user, principal.org_id)
