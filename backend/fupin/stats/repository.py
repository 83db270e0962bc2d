"""Queries of the per-village summary (household_stats) and the poor villages, from an area scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.households.models import HouseholdStat
from fupin.regions.models import Region

OPEN_STATUSES = ("not_exited", "returned")
_households = func.sum(HouseholdStat.households)
_people = func.sum(HouseholdStat.people)


async def totals_by(session: AsyncSession, scope: AreaScope, *, dimension: str) -> list[tuple[str, int, int]]:
    """(value, households, people) of one dimension over the area, values with households only."""
    stmt = (
        scope.select(HouseholdStat.value, _households, _people, area_of=HouseholdStat)
        .where(HouseholdStat.dimension == dimension)
        .group_by(HouseholdStat.value)
        .having(_households > 0)
        .order_by(HouseholdStat.value)
    )
    return [(str(v), int(n), int(p)) for v, n, p in (await session.execute(stmt)).all()]


async def poor_villages(
    session: AsyncSession, scope: AreaScope, *, limit: int
) -> list[tuple[str, str, int | None, int, int]]:
    """(code, name, poverty exit year, households, households not exited) of the area's poor villages."""
    per_village: Any = (
        scope.select(
            HouseholdStat.village_code.label("code"),
            _households.label("n"),
            func.sum(case((HouseholdStat.value.in_(OPEN_STATUSES), HouseholdStat.households), else_=0)).label("open"),
            area_of=HouseholdStat,
        )
        .where(HouseholdStat.dimension == "status")
        .group_by(HouseholdStat.village_code)
        .subquery()
    )
    stmt = (
        scope.select(
            Region.code,
            Region.name,
            Region.poverty_exit_year,
            func.coalesce(per_village.c.n, 0),
            func.coalesce(per_village.c.open, 0),
            area_of=Region,
        )
        .outerjoin(per_village, per_village.c.code == Region.code)
        .where(Region.level == 5, Region.is_poor_village.is_(True))
        .order_by(Region.code)
        .limit(limit)
    )
    return [(c, nm, ey, int(n or 0), int(o or 0)) for c, nm, ey, n, o in (await session.execute(stmt)).all()]
