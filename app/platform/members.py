"""Teams: an org's members and invitations.

Admins invite by e-mail with a role (never above their own); the mail task delivers a
single-use link that expires. The invitee accepts by registering, or with the password of
the account they already have. Admins change roles and remove members, never touching
someone who outranks them and never leaving an org without an owner. A removed member's
tokens stop working on their next request (every request re-reads the membership) and the
API keys they created in the org are revoked; every change is in the audit trail.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import func, select, update

from app.config import get_settings
from app.core.errors import ApiError, NotFound
from app.core.principal import Principal
from app.core.schema import Schema
from app.core.scoping import scoped
from app.db import session_scope
from app.http import Blueprint, ErrorEnvelopeSchema
from app.models import ApiKey, Invitation, Membership, Org, User
from app.models.platform import ROLES
from app.pagination import Rows
from app.platform import audit, auth_cache, task_service
from app.platform.accounts import RegisteredSchema, tokens_for, user_json
from app.platform.auth import check_password, current_principal, hash_key, hash_password, require
from app.platform.kinds import SEND_MAIL

blp = Blueprint(
    "members", __name__, url_prefix="/api/v1", description="Org members and invitations"
)


class MemberSchema(Schema):
    user_id = ma.fields.String()
    email = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    joined_at = ma.fields.DateTime()


class MemberUpdateSchema(Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


class InviteSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=320))
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(ROLES))


class InvitationSchema(Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    role = ma.fields.String()
    invited_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    accepted_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)


class InvitationPreviewSchema(Schema):
    org_name = ma.fields.String()
    email = ma.fields.String()
    role = ma.fields.String()
    expires_at = ma.fields.DateTime()
    account_exists = ma.fields.Boolean(
        metadata={"description": "Accept with this account's password (else: register)"}
    )


class AcceptSchema(Schema):
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=ma.validate.Length(min=8, max=256),
        metadata={"description": "The existing account's password, or the new account's"},
    )
    name = ma.fields.String(validate=ma.validate.Length(max=200))


def _member_json(user: User, membership: Membership) -> dict:
    return {
        "user_id": user.id,
        "email": user.email,
        "name": user.name,
        "role": membership.role,
        "joined_at": membership.created_at,
    }


def _membership(s, principal: Principal, user_id: str) -> tuple[Membership, User]:
    row = s.execute(
        scoped(select(Membership, User), Membership, principal)
        .join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("member")
    return row


def _may_manage(principal: Principal, target: Membership) -> None:
    if not principal.has_role(target.role) and target.user_id != principal.user_id:
        raise ApiError(403, "FORBIDDEN", f"Only an {target.role} or above may change this member")


def _keep_an_owner(s, org_id: str, target: Membership) -> None:
    if target.role != "owner":
        return
    owners = s.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.org_id == org_id, Membership.role == "owner")
    )
    if owners <= 1:
        raise ApiError(409, "CONFLICT", "An organization needs an owner; make another owner first")


@blp.route("/members")
class Members(MethodView):
    @require("admin")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate()
    def get(self):
        """The org's members and their roles, oldest first."""
        stmt = scoped(select(Membership), Membership, current_principal())
        return Rows(stmt.order_by(Membership.created_at, Membership.id), _members_json)


def _members_json(session, rows) -> list[dict]:
    ids = [m.user_id for m in rows]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    return [_member_json(users[m.user_id], m) for m in rows]


@blp.route("/members/<user_id>")
class Member(MethodView):
    @require("admin")
    @blp.arguments(MemberUpdateSchema)
    @blp.response(200, MemberSchema)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="The org's last owner")
    def patch(self, body, user_id):
        """Change a member's role: never above your own, never the org's last owner away."""
        principal = current_principal()
        role = body["role"]
        if not principal.has_role(role):
            raise ApiError(403, "FORBIDDEN", "You cannot give a role above your own")
        with session_scope() as s:
            membership, user = _membership(s, principal, user_id)
            _may_manage(principal, membership)
            if role != membership.role:
                if role != "owner":
                    _keep_an_owner(s, principal.org_id, membership)
                before = {"role": membership.role}
                membership.role = role
                membership.updated_at = datetime.now(UTC)
                audit.record(
                    s, principal, "member.role_changed", "user", user.id, before, {"role": role}
                )
            answer = _member_json(user, membership)
        # Committed: every web process drops the role it may have kept for this member.
        auth_cache.announce("member", principal.org_id, user_id)
        return answer

    @require("viewer")
    @blp.response(204)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="The org's last owner")
    def delete(self, user_id):
        """Remove a member (admins; anyone may leave). Their tokens stop working at once and
        the API keys they created in this org are revoked."""
        principal = current_principal()
        if user_id != principal.user_id and not principal.has_role("admin"):
            raise ApiError(403, "FORBIDDEN", "Requires the admin role")
        now = datetime.now(UTC)
        with session_scope() as s:
            membership, user = _membership(s, principal, user_id)
            _may_manage(principal, membership)
            _keep_an_owner(s, principal.org_id, membership)
            keys = s.scalars(
                select(ApiKey.id).where(
                    ApiKey.org_id == principal.org_id,
                    ApiKey.created_by == user.id,
                    ApiKey.revoked_at.is_(None),
                )
            ).all()
            if keys:
                s.execute(update(ApiKey).where(ApiKey.id.in_(keys)).values(revoked_at=now))
            s.delete(membership)
            if user.org_id == principal.org_id:
                other = s.scalar(
                    select(Membership.org_id)
                    .where(Membership.user_id == user.id, Membership.org_id != principal.org_id)
                    .order_by(Membership.created_at)
                )
                user.org_id = other or user.org_id
            audit.record(
                s,
                principal,
                "member.removed",
                "user",
                user.id,
                {"role": membership.role, "email": user.email},
                {"revoked_api_keys": keys},
            )
        auth_cache.announce("member", principal.org_id, user_id)


# --- invitations --------------------------------------------------------------------------


@blp.route("/members/invitations")
class Invitations(MethodView):
    @require("admin")
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate()
    def get(self):
        """Invitations not yet accepted, revoked or expired."""
        principal = current_principal()
        stmt = scoped(select(Invitation), Invitation, principal).where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > datetime.now(UTC),
        )
        return stmt.order_by(Invitation.created_at.desc(), Invitation.id)

    @require("admin")
    @blp.arguments(InviteSchema)
    @blp.response(201, InvitationSchema)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="Already a member")
    def post(self, body):
        """Invite an e-mail address with a role (never above your own). The link goes out by
        mail, is single-use and expires; inviting the same address again replaces it."""
        principal = current_principal()
        if not principal.has_role(body["role"]):
            raise ApiError(403, "FORBIDDEN", "You cannot invite with a role above your own")
        email = body["email"].lower()
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with session_scope() as s:
            member = s.scalar(
                select(Membership.id)
                .join(User, User.id == Membership.user_id)
                .where(Membership.org_id == principal.org_id, func.lower(User.email) == email)
            )
            if member:
                raise ApiError(409, "CONFLICT", f"{email} is already a member")
            s.execute(
                update(Invitation)
                .where(
                    Invitation.org_id == principal.org_id,
                    Invitation.email == email,
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            invitation = Invitation(
                org_id=principal.org_id,
                email=email,
                role=body["role"],
                token_hash=hash_key(token),
                invited_by=principal.user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=get_settings().invite_ttl),
            )
            s.add(invitation)
            org_name = s.get(Org, principal.org_id).name
            audit.record(
                s,
                principal,
                "invitation.created",
                "invitation",
                invitation.id,
                None,
                {"email": email, "role": body["role"]},
            )
        _mail_invitation(principal, invitation, org_name, token)
        return invitation


@blp.route("/members/invitations/<invitation_id>", methods=["DELETE"])
@require("admin")
@blp.response(200, InvitationSchema)
@blp.alt_response(409, schema=ErrorEnvelopeSchema, description="Already accepted")
def revoke_invitation(invitation_id):
    """Withdraw an invitation; its link stops working."""
    principal = current_principal()
    with session_scope() as s:
        row = s.scalar(
            scoped(select(Invitation), Invitation, principal).where(Invitation.id == invitation_id)
        )
        if row is None:
            raise NotFound("invitation")
        if row.accepted_at is not None:
            raise ApiError(409, "CONFLICT", "This invitation was already accepted")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            audit.record(s, principal, "invitation.revoked", "invitation", row.id, None, None)
        return row


def _mail_invitation(principal: Principal, invitation: Invitation, org_name: str, token: str):
    base = get_settings().public_url.rstrip("/")
    body = (
        f"You are invited to join {org_name} on Kairos as {invitation.role}.\n\n"
        f"Accept in the console: {base}/invite/{token}\n"
        f"or with the API: POST {base}/api/v1/invitations/{token}/accept\n\n"
        f"The invitation expires at {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    task_service.enqueue_internal(
        principal,
        SEND_MAIL,
        {"to": invitation.email, "subject": f"Join {org_name} on Kairos", "body": body},
    )


def _open_invitation(s, token: str) -> Invitation:
    row = s.scalar(select(Invitation).where(Invitation.token_hash == hash_key(token)))
    if row is None or row.revoked_at is not None:
        raise NotFound("invitation")
    if row.accepted_at is not None:
        raise ApiError(410, "INVITATION_USED", "This invitation was already accepted")
    if row.expires_at <= datetime.now(UTC):
        raise ApiError(410, "INVITATION_EXPIRED", "This invitation has expired")
    return row


@blp.route("/invitations/<string(minlength=16, maxlength=128):token>", methods=["GET"])
@blp.response(200, InvitationPreviewSchema)
@blp.alt_response(404, schema=ErrorEnvelopeSchema, description="Unknown or withdrawn")
@blp.alt_response(410, schema=ErrorEnvelopeSchema, description="Used or expired")
def preview_invitation(token):
    """What an invitation link offers (public: the token is the credential)."""
    with session_scope() as s:
        row = _open_invitation(s, token)
        exists = s.scalar(select(User.id).where(func.lower(User.email) == row.email))
        return {
            "org_name": s.get(Org, row.org_id).name,
            "email": row.email,
            "role": row.role,
            "expires_at": row.expires_at,
            "account_exists": exists is not None,
        }


@blp.route("/invitations/<string(minlength=16, maxlength=128):token>/accept", methods=["POST"])
@blp.arguments(AcceptSchema)
@blp.response(200, RegisteredSchema)
@blp.alt_response(401, schema=ErrorEnvelopeSchema, description="Wrong password")
@blp.alt_response(404, schema=ErrorEnvelopeSchema, description="Unknown or withdrawn")
@blp.alt_response(409, schema=ErrorEnvelopeSchema, description="Already a member")
@blp.alt_response(410, schema=ErrorEnvelopeSchema, description="Used or expired")
def accept_invitation(body, token):
    """Accept: join with the existing account's password, or register with a new one.
    Answers the user and tokens bound to the inviting org. Single use."""
    now = datetime.now(UTC)
    with session_scope() as s:
        row = _open_invitation(s, token)
        # Claim it first: of two concurrent accepts, exactly one changes the row.
        claimed = s.execute(
            update(Invitation)
            .where(Invitation.id == row.id, Invitation.accepted_at.is_(None))
            .values(accepted_at=now)
        ).rowcount
        if not claimed:
            raise ApiError(410, "INVITATION_USED", "This invitation was already accepted")
        user = s.scalar(select(User).where(func.lower(User.email) == row.email))
        if user is None:
            user = User(
                org_id=row.org_id,
                email=row.email,
                name=body.get("name"),
                password_hash=hash_password(body["password"]),
                email_verified_at=now,  # the link reached this address
            )
            s.add(user)
            s.flush()
        elif not check_password(user, body["password"]) or not user.is_active:
            raise ApiError(401, "UNAUTHORIZED", "Wrong password for the existing account")
        if s.scalar(
            select(Membership.id).where(
                Membership.org_id == row.org_id, Membership.user_id == user.id
            )
        ):
            raise ApiError(409, "CONFLICT", "You are already a member of this organization")
        s.add(Membership(org_id=row.org_id, user_id=user.id, role=row.role))
        row.accepted_by = user.id
        s.flush()
        joined = Principal.of_user(user.id, row.org_id, row.role)
        audit.record(
            s,
            joined,
            "member.joined",
            "user",
            user.id,
            None,
            {"role": row.role, "invitation_id": row.id},
        )
        return {"user": user_json(s, user, row.org_id), "tokens": tokens_for(s, user, row.org_id)}
