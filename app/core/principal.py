"""Who is asking: a user, an API key or the local user, in one org, with a role.

The web app authenticates a request into a Principal (``app.platform.auth``); a worker
rebuilds one from a task row to act for the task's owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.platform import ROLES


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key" | "local"
    id: str
    org_id: str
    role: str
    user_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of_user(cls, user_id: str, org_id: str, role: str = "member") -> Principal:
        return cls("user", user_id, org_id, role, user_id)

    @property
    def caller(self) -> str:
        return f"{self.kind}:{self.id}"

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def has_scope(self, scope: str | None) -> bool:
        # Users act with all scopes their role allows; keys carry explicit scopes.
        return scope is None or self.kind != "api_key" or scope in self.scopes
