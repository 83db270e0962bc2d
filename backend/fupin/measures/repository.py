"""Queries of measures for writes: read through the caller's area scope (a measure outside it is a 404)."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope, unscoped
from fupin.cadres.models import Cadre
from fupin.core.errors import not_found
from fupin.households.models import Household, Member
from fupin.measures.models import Measure


async def get_measure(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> Measure:
    stmt = scope.select(Measure).where(Measure.public_id == public_id)
    if for_update:
        stmt = stmt.with_for_update()
    measure = (await session.execute(stmt)).scalar_one_or_none()
    if measure is None:
        raise not_found("measure")
    return measure


async def household_of(session: AsyncSession, measure: Measure) -> Household:
    """The household of a measure read through the scope (a measure's area is its household's)."""
    stmt = select(Household).where(Household.id == measure.household_id)
    return (await session.execute(stmt.execution_options(**unscoped("the household of a scoped measure")))).scalar_one()


async def member_by_pk(session: AsyncSession, household: Household, member_pk: int | None) -> Member | None:
    if member_pk is None:
        return None
    stmt = select(Member).where(Member.household_id == household.id, Member.id == member_pk)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_member(session: AsyncSession, public_id: uuid.UUID) -> Member | None:
    """A member by public id, with whichever household holds it: the caller compares it with the measure's."""
    stmt = select(Member).where(Member.public_id == public_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_by_external(session: AsyncSession, source_system: str, external_id: str) -> Measure | None:
    """A measure by the department system's key, in any area: the key is unique across areas (the caller decides
    what the answer reveals: outside its area it is a 404)."""
    stmt = select(Measure).where(Measure.source_system == source_system, Measure.external_id == external_id)
    return (
        await session.execute(stmt.execution_options(**unscoped("external keys are unique across areas")))
    ).scalar_one_or_none()


async def measures_by_keys(session: AsyncSession, keys: list[tuple[str, str]]) -> list[Measure]:
    """The measures of these department-system keys, in any area (the caller checks each against its scope), locked
    until the request commits."""
    if not keys:
        return []
    stmt = (
        select(Measure)
        .where(tuple_(Measure.source_system, Measure.external_id).in_(keys))
        .with_for_update()
        .execution_options(**unscoped("external keys are unique across areas"))
    )
    return list((await session.execute(stmt)).scalars().all())


async def households_for_update(
    session: AsyncSession, scope: AreaScope, public_ids: list[uuid.UUID]
) -> list[Household]:
    if not public_ids:
        return []
    stmt = scope.select(Household).where(Household.public_id.in_(public_ids)).with_for_update()
    return list((await session.execute(stmt)).scalars().all())


async def households_by_pk(session: AsyncSession, pks: list[int]) -> list[Household]:
    """The households of measures already read through the scope (a measure's area is its household's)."""
    if not pks:
        return []
    stmt = select(Household).where(Household.id.in_(pks))
    return list(
        (await session.execute(stmt.execution_options(**unscoped("the households of scoped measures")))).scalars().all()
    )


async def members_by_ids(session: AsyncSession, public_ids: list[uuid.UUID], pks: list[int]) -> list[Member]:
    """Members by public id or row id, with whichever household holds them: the caller compares."""
    if not public_ids and not pks:
        return []
    stmt = select(Member).where(or_(Member.public_id.in_(public_ids), Member.id.in_(pks)))
    return list((await session.execute(stmt)).scalars().all())


async def cadres_by_ids(session: AsyncSession, scope: AreaScope, public_ids: list[uuid.UUID]) -> list[Cadre]:
    """The cadres of these public ids in the caller's area (the others are not found)."""
    if not public_ids:
        return []
    stmt = scope.select(Cadre).where(Cadre.public_id.in_(public_ids))
    return list((await session.execute(stmt)).scalars().all())


async def cadre_by_pk(session: AsyncSession, pk: int | None) -> Cadre | None:
    """The responsible cadre of a measure read through the scope (its id is shown with the measure)."""
    if pk is None:
        return None
    stmt = select(Cadre).where(Cadre.id == pk)
    return (
        await session.execute(stmt.execution_options(**unscoped("the responsible cadre of a scoped measure")))
    ).scalar_one_or_none()
