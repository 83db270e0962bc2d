"""The authenticated caller: a user (JWT) or an API key, with permissions and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from fupin.authz.roles import Permission
from fupin.authz.scope import contains, in_subtree
from fupin.core.audit import Actor
from fupin.core.errors import ProblemError


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key"
    id: int
    public_id: str
    name: str
    roles: tuple[str, ...]
    permissions: frozenset[Permission]
    region_code: str | None  # None = the whole system
    department: str | None = None
    pii: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def as_actor(self) -> Actor:
        return Actor(self.kind, self.public_id, self.name)

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise ProblemError(403, "forbidden", f"This action needs the permission {permission.value}.")

    def sees(self, region_code: str | None) -> bool:
        return contains(self.region_code, region_code)

    def scope_filter(self, column: object):  # type: ignore[no-untyped-def]
        return in_subtree(column, self.region_code)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"
