"""The households of a region as reconciliation needs them: identifiers, version and the content-hash fields,
read in keyset batches from the caller's scope (narrowed to the region), with their active members."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.households.content_hash import HOUSEHOLD_COLUMNS, MEMBER_FIELDS
from fupin.households.models import Household, Member

IDENTITY = ("id", "public_id", "external_id", "source_system", "version")
_COLUMNS = tuple(getattr(Household, name) for name in dict.fromkeys((*IDENTITY, *HOUSEHOLD_COLUMNS)))
_MEMBER_COLUMNS = (Member.household_id, Member.active, *(getattr(Member, name) for name in MEMBER_FIELDS))


async def _with_members(session: AsyncSession, rows: Sequence[Any]) -> list[tuple[dict[str, Any], list[Any]]]:
    households = [dict(row._mapping) for row in rows]
    if not households:
        return []
    # the members of households already read from the scope (children come from their parents)
    stmt = select(*_MEMBER_COLUMNS).where(
        Member.household_id.in_([h["id"] for h in households]), Member.active.is_(True)
    )
    members: dict[int, list[Any]] = defaultdict(list)
    for member in (await session.execute(stmt)).mappings():
        members[member["household_id"]].append(member)
    return [(h, members.get(h["id"], [])) for h in households]


async def region_batch(
    session: AsyncSession, scope: AreaScope, *, after: int, limit: int
) -> list[tuple[dict[str, Any], list[Any]]]:
    """The next `limit` households of the scope after internal id `after`, with their active members."""
    stmt = scope.select(*_COLUMNS, area_of=Household).where(Household.id > after).order_by(Household.id).limit(limit)
    return await _with_members(session, (await session.execute(stmt)).all())


async def matching(
    session: AsyncSession,
    scope: AreaScope,
    *,
    ids: Sequence[uuid.UUID],
    external: Sequence[tuple[str | None, str]],
) -> list[tuple[dict[str, Any], list[Any]]]:
    """The households of the scope with one of these public ids or (source_system, external_id) pairs
    (source_system None: any system)."""
    conditions = []
    if ids:
        conditions.append(Household.public_id.in_(ids))
    any_system = sorted({ext for system, ext in external if system is None})
    if any_system:
        conditions.append(Household.external_id.in_(any_system))
    pairs = sorted({(system, ext) for system, ext in external if system is not None})
    if pairs:
        conditions.append(tuple_(Household.source_system, Household.external_id).in_(pairs))
    if not conditions:
        return []
    stmt = scope.select(*_COLUMNS, area_of=Household).where(or_(*conditions)).order_by(Household.id)
    return await _with_members(session, (await session.execute(stmt)).all())
