"""The authenticated caller: a user (JWT) or an API key, with permissions and an area scope."""

from __future__ import annotations

from dataclasses import dataclass

from fupin.authz.roles import Permission
from fupin.authz.scope import AreaScope
from fupin.core.context import Actor


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # "user" | "api_key"
    id: int
    public_id: str
    name: str
    roles: tuple[str, ...]
    permissions: frozenset[Permission]
    scope: AreaScope
    department: str | None = None
    pii: bool = False
    cadre_id: str | None = None  # a cadre-linked user (帮扶干部 login): the public id of its cadre

    @property
    def region_code(self) -> str | None:
        """The root of the caller's area (None = the whole system)."""
        return self.scope.region_code

    def as_actor(self) -> Actor:
        return Actor(self.kind, self.public_id, self.name)

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"
