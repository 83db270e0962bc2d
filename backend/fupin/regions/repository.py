"""Queries of the region tree, from the caller's area scope (names of a record's own area are read unscoped)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope, unscoped
from fupin.core.sets import among
from fupin.regions.models import Region


async def get_scoped(session: AsyncSession, scope: AreaScope, code: str) -> Region | None:
    if not scope.contains(code):
        return None
    return (await session.execute(scope.select(Region).where(Region.code == code))).scalar_one_or_none()


async def get_scoped_many(session: AsyncSession, scope: AreaScope, codes: Iterable[str]) -> dict[str, Region]:
    """`get_scoped` for many codes in one statement: the regions of the caller's area among them, by code."""
    wanted = [c for c in set(codes) if scope.contains(c)]
    if not wanted:
        return {}
    stmt = scope.select(Region).where(among(Region.code, wanted))
    return {region.code: region for region in (await session.execute(stmt)).scalars()}


async def names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    """Names of regions a visible record refers to (its village, township, county)."""
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    stmt = (
        select(Region.code, Region.name)
        .where(Region.code.in_(wanted))
        .execution_options(**unscoped("names of a visible record's own area"))
    )
    return {code: name for code, name in (await session.execute(stmt)).all()}


async def children(session: AsyncSession, scope: AreaScope, parent: str | None) -> list[tuple[Region, bool]]:
    child = aliased(Region)
    has_children = exists(select(child.code).where(child.parent_code == Region.code)).correlate(Region)
    stmt = scope.select(Region, has_children)
    if parent is not None:
        stmt = stmt.where(Region.parent_code == parent)
    elif scope.whole_system:
        stmt = stmt.where(Region.parent_code.is_(None))
    else:
        stmt = stmt.where(Region.code == scope.region_code)
    rows = (await session.execute(stmt.order_by(Region.code))).all()
    return [(r, bool(h)) for r, h in rows]


async def path_to(session: AsyncSession, scope: AreaScope, region: Region) -> list[Region]:
    """The ancestors of a visible region, from the scope's root down (the part of the path the caller sees)."""
    wanted = [region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9) if region.code[:n].ljust(12, "0") != region.code]
    stmt = scope.select(Region).where(among(Region.code, wanted)).order_by(Region.level)
    return list((await session.execute(stmt)).scalars().all())
