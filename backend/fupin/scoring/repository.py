"""Reads of the assessment. Periods and indicator sets are the city's reference data (like poverty lines); scores
and kept records are area data, read through the caller's scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fupin.audit.chain import Target
from fupin.authz.scope import AreaScope, unscoped
from fupin.core.errors import not_found
from fupin.regions.models import Region
from fupin.scoring.indicators import EXAMPLE
from fupin.scoring.models import IndicatorSet, Period, Score

FROZEN_READ = unscoped("the records a frozen assessment kept, counted for the period as a whole")


def example_indicators() -> list[dict[str, Any]]:
    from fupin.scoring.schemas import IndicatorIn

    return [indicator_dict(IndicatorIn.model_validate(item)) for item in EXAMPLE]


def indicator_dict(indicator: Any) -> dict[str, Any]:
    """An indicator as stored: decimals as strings, unset rule fields left out."""
    data = indicator.model_dump(exclude_none=True)
    return {
        key: str(value) if key in ("weight", "target", "floor", "per_item") else value for key, value in data.items()
    }


async def indicator_set(session: AsyncSession, year: int) -> IndicatorSet | None:
    return await session.get(IndicatorSet, year)


async def period(session: AsyncSession, code: str) -> Period:
    found = (await session.execute(select(Period).where(Period.code == code))).scalar_one_or_none()
    if found is None:
        raise not_found("assessment period")
    return found


async def period_for_update(session: AsyncSession, code: str) -> Period:
    stmt = select(Period).where(Period.code == code).with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise not_found("assessment period")
    return found


async def periods(session: AsyncSession) -> list[Period]:
    return list((await session.execute(select(Period).order_by(Period.starts_on.desc(), Period.code))).scalars())


def period_target(period: Period, *, region_code: str | None) -> Target:
    return Target("assessment_period", period.code, region_code, version=period.version)


async def ranking(
    session: AsyncSession, scope: AreaScope, *, period: Period, level: str, limit: int, offset: int
) -> tuple[int, list[tuple[Score, str, str | None, str | None]]]:
    """The level's scores in the caller's area, best first (then by code), one page, and how many there are."""
    region, parent = aliased(Region), aliased(Region)
    base = scope.select(Score).where(Score.period_id == period.id, Score.level == level)
    counted = scope.select(func.count(), area_of=Score).select_from(Score)
    counted = counted.where(Score.period_id == period.id, Score.level == level)
    total = int((await session.execute(counted)).scalar_one())
    stmt = (
        base.add_columns(region.name, region.parent_code, parent.name)
        .join(region, region.code == Score.region_code)
        .outerjoin(parent, parent.code == region.parent_code)
        .order_by(Score.rank, Score.region_code)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(stmt)).all()
    return total, [(row[0], row[1], row[2], row[3]) for row in rows]


async def score(
    session: AsyncSession, scope: AreaScope, *, period: Period, region_code: str
) -> tuple[Score, str, str | None, str | None]:
    """A unit's score, with its name and its parent's: 404 outside the caller's area or when not scored."""
    region, parent = aliased(Region), aliased(Region)
    stmt = (
        scope.select(Score)
        .where(Score.period_id == period.id, Score.region_code == region_code)
        .add_columns(region.name, region.parent_code, parent.name)
        .join(region, region.code == Score.region_code)
        .outerjoin(parent, parent.code == region.parent_code)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise not_found("assessment score")
    return row[0], row[1], row[2], row[3]
