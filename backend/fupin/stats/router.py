"""Dashboard figures for the caller's area (live aggregates over the register)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import case, func, select

from fupin.authz.deps import CurrentPrincipal
from fupin.authz.roles import Permission
from fupin.authz.scope import in_subtree
from fupin.core.db import DbSession
from fupin.core.errors import not_found
from fupin.core.openapi import problems
from fupin.core.schemas import OutModel
from fupin.households.models import HouseholdStat
from fupin.regions import repository as regions
from fupin.regions.models import Region

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


class Bucket(OutModel):
    code: str
    households: int
    people: int


class YearBucket(OutModel):
    year: int
    households: int
    people: int


class PoorVillage(OutModel):
    code: str
    name: str
    poverty_exit_year: int | None
    households: int
    not_exited: int


class Summary(OutModel):
    region_code: str | None
    households: int
    people: int
    by_status: list[Bucket]
    by_attribute: list[Bucket]
    by_main_cause: list[Bucket]
    exits_by_year: list[YearBucket]
    poor_villages: list[PoorVillage]


@router.get("/summary", response_model=Summary, operation_id="stats-summary", responses=problems(403, 404))
async def summary(
    session: DbSession,
    principal: CurrentPrincipal,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> Summary:
    """Households and people by status, attribute and main cause; exits per year; poor villages.
    Read from the per-village summary the register keeps up to date in every write."""
    principal.require(Permission.HOUSEHOLDS_READ)
    if region is not None and await regions.get_scoped(session, principal, region) is None:
        raise not_found("region")
    area = region or principal.region_code
    where = [in_subtree(HouseholdStat.village_code, area)] if area else []
    households = func.sum(HouseholdStat.households)
    people = func.sum(HouseholdStat.people)

    async def grouped(dimension: str) -> list[Bucket]:
        rows = (
            await session.execute(
                select(HouseholdStat.value, households, people)
                .where(*where, HouseholdStat.dimension == dimension)
                .group_by(HouseholdStat.value)
                .having(households > 0)
                .order_by(HouseholdStat.value)
            )
        ).all()
        return [Bucket(code=str(c), households=int(n), people=int(p)) for c, n, p in rows]

    by_status = await grouped("status")
    exits = await grouped("exit_year")
    village_where = [Region.level == 5, Region.is_poor_village.is_(True)]
    if area:
        village_where.append(in_subtree(Region.code, area))
    per_village = (
        select(
            HouseholdStat.village_code.label("code"),
            households.label("n"),
            func.sum(
                case((HouseholdStat.value.in_(["not_exited", "returned"]), HouseholdStat.households), else_=0)
            ).label("open"),
        )
        .where(*where, HouseholdStat.dimension == "status")
        .group_by(HouseholdStat.village_code)
        .subquery()
    )
    villages = (
        await session.execute(
            select(
                Region.code,
                Region.name,
                Region.poverty_exit_year,
                func.coalesce(per_village.c.n, 0),
                func.coalesce(per_village.c.open, 0),
            )
            .outerjoin(per_village, per_village.c.code == Region.code)
            .where(*village_where)
            .order_by(Region.code)
            .limit(500)
        )
    ).all()
    return Summary(
        region_code=area,
        households=sum(b.households for b in by_status),
        people=sum(b.people for b in by_status),
        by_status=by_status,
        by_attribute=await grouped("attribute"),
        by_main_cause=await grouped("main_cause"),
        exits_by_year=sorted(
            (YearBucket(year=int(b.code), households=b.households, people=b.people) for b in exits),
            key=lambda y: y.year,
        ),
        poor_villages=[
            PoorVillage(code=c, name=nm, poverty_exit_year=ey, households=int(n or 0), not_exited=int(o or 0))
            for c, nm, ey, n, o in villages
        ],
    )
