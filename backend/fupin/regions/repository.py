from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fupin.authz.principal import Principal
from fupin.regions.models import Region


async def get(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def get_scoped(session: AsyncSession, principal: Principal, code: str) -> Region | None:
    if not principal.sees(code):
        return None
    return await session.get(Region, code)


async def names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    rows = (await session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))).all()
    return {code: name for code, name in rows}


async def children(session: AsyncSession, principal: Principal, parent: str | None) -> list[tuple[Region, bool]]:
    child = aliased(Region)
    has_children = exists(select(child.code).where(child.parent_code == Region.code)).correlate(Region)
    stmt = select(Region, has_children)
    if parent is None:
        if principal.region_code is None:
            stmt = stmt.where(Region.parent_code.is_(None))
        else:
            stmt = stmt.where(Region.code == principal.region_code)
    else:
        stmt = stmt.where(Region.parent_code == parent, principal.scope_filter(Region.code))
    rows = (await session.execute(stmt.order_by(Region.code))).all()
    return [(r, bool(h)) for r, h in rows]


async def ancestors(session: AsyncSession, region: Region) -> list[Region]:
    chain: list[Region] = []
    current = region
    while current.parent_code:
        parent = await session.get(Region, current.parent_code)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))
