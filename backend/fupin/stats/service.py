"""Dashboard figures for an area, read from the per-village summary the register keeps exact in every write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.households.models import HouseholdStat
from fupin.regions.models import Region
from fupin.stats.schemas import Bucket, PoorVillage, Summary, YearBucket

OPEN_STATUSES = ("not_exited", "returned")
MAX_POOR_VILLAGES = 500
_households = func.sum(HouseholdStat.households)
_people = func.sum(HouseholdStat.people)


async def _grouped(session: AsyncSession, scope: AreaScope, dimension: str) -> list[Bucket]:
    stmt = (
        scope.select(HouseholdStat.value, _households, _people, area_of=HouseholdStat)
        .where(HouseholdStat.dimension == dimension)
        .group_by(HouseholdStat.value)
        .having(_households > 0)
        .order_by(HouseholdStat.value)
    )
    return [Bucket(code=str(c), households=int(n), people=int(p)) for c, n, p in (await session.execute(stmt)).all()]


async def _poor_villages(session: AsyncSession, scope: AreaScope) -> list[PoorVillage]:
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
        .limit(MAX_POOR_VILLAGES)
    )
    return [
        PoorVillage(code=c, name=nm, poverty_exit_year=ey, households=int(n or 0), not_exited=int(o or 0))
        for c, nm, ey, n, o in (await session.execute(stmt)).all()
    ]


async def summary(session: AsyncSession, scope: AreaScope) -> Summary:
    by_status = await _grouped(session, scope, "status")
    exits = await _grouped(session, scope, "exit_year")
    return Summary(
        region_code=scope.region_code,
        households=sum(b.households for b in by_status),
        people=sum(b.people for b in by_status),
        by_status=by_status,
        by_attribute=await _grouped(session, scope, "attribute"),
        by_main_cause=await _grouped(session, scope, "main_cause"),
        exits_by_year=sorted(
            (YearBucket(year=int(b.code), households=b.households, people=b.people) for b in exits),
            key=lambda y: y.year,
        ),
        poor_villages=await _poor_villages(session, scope),
    )
