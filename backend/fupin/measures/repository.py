"""Queries of measures for writes: read through the caller's area scope (a measure outside it is a 404)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope, unscoped
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
