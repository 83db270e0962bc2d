"""The owner registry: which records evidence may be attached to, and how each is found for a caller.

A module whose records carry evidence registers its owner type once, at import:

    register_owner("visit", resolve_visit)

`resolve(session, principal, owner_id, *, write)` finds the record through the caller's scope and returns its
`EvidenceOwner` (region code and household), or raises: 404 when it is outside the caller's area (or does not
exist), 403 when the caller may read it but not attach to it (`write=True`). Evidence is then read and written
exactly as its owner is."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.core.errors import field_error


@dataclass(frozen=True, slots=True)
class EvidenceOwner:
    region_code: str  # the owner's area (a village code for household records)
    subject_id: str | None = None  # the public id of the owner's household: the evidence joins its trail
    external_id: str | None = None  # the household's identifiers in a partner system, for the change feed
    source_system: str | None = None


class Resolve(Protocol):
    def __call__(
        self, session: AsyncSession, principal: Principal, owner_id: uuid.UUID, *, write: bool
    ) -> Awaitable[EvidenceOwner]: ...


_OWNERS: dict[str, Resolve] = {}
OWNER_TYPE_PATTERN = r"^[a-z_]{1,20}$"


def register_owner(owner_type: str, resolve: Resolve) -> None:
    """Register the records of `owner_type` as owners of evidence (once per type)."""
    if owner_type in _OWNERS and _OWNERS[owner_type] is not resolve:
        raise ValueError(f"evidence owner type {owner_type} is registered already")
    _OWNERS[owner_type] = resolve


def owner_types() -> tuple[str, ...]:
    return tuple(sorted(_OWNERS))


async def resolve_owner(
    session: AsyncSession,
    principal: Principal,
    *,
    owner_type: str,
    owner_id: uuid.UUID,
    write: bool,
    pointer: str = "/owner_type",
) -> EvidenceOwner:
    resolve = _OWNERS.get(owner_type)
    if resolve is None:
        raise field_error(
            pointer,
            "evidence.unknown_owner_type",
            f"不支持的佐证归属类型 '{owner_type}' (owner_type is one of: {', '.join(owner_types())})",
        )
    return await resolve(session, principal, owner_id, write=write)
