"""Queries of the household register. Households are read from the caller's area scope; their members and yearly
records are read from a household that was (child lookups take the scoped household, never a bare id)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope, unscoped
from fupin.core.errors import not_found
from fupin.core.sets import among, pairs_among
from fupin.households.models import Assessment, Household, Income, Member, StatusChange, VillageSequence


async def get_household(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> Household:
    stmt = scope.select(Household).where(Household.public_id == public_id)
    if for_update:
        stmt = stmt.with_for_update()
    household = (await session.execute(stmt)).scalar_one_or_none()
    if household is None:
        raise not_found("household")
    return household


async def members_of(session: AsyncSession, household: Household, *, include_removed: bool = False) -> list[Member]:
    stmt = select(Member).where(Member.household_id == household.id)
    if not include_removed:
        stmt = stmt.where(Member.active.is_(True))
    return list((await session.execute(stmt.order_by(Member.id))).scalars().all())


async def get_member(session: AsyncSession, household: Household, public_id: uuid.UUID) -> Member:
    stmt = select(Member).where(Member.household_id == household.id, Member.public_id == public_id)
    member = (await session.execute(stmt)).scalar_one_or_none()
    if member is None:
        raise not_found("member")
    return member


@dataclass
class ActiveHolder:
    id_number: str
    household_public_id: uuid.UUID
    household_number: str
    village_code: str


async def active_holders(
    session: AsyncSession, id_numbers: list[str], *, exclude_household_id: int | None = None
) -> list[ActiveHolder]:
    """Active households (anywhere, unscoped) that already hold these ID numbers: the uniqueness rule is global.
    Callers decide what of the answer the principal may see."""
    if not id_numbers:
        return []
    stmt = (
        select(Member.id_number, Household.public_id, Household.household_number, Household.village_code)
        .join(Household, Household.id == Member.household_id)
        .where(among(Member.id_number, id_numbers), Member.active.is_(True))
        .execution_options(**unscoped("one person in one active household, anywhere"))
    )
    if exclude_household_id is not None:
        stmt = stmt.where(Member.household_id != exclude_household_id)
    return [ActiveHolder(*row) for row in (await session.execute(stmt)).all()]


async def find_by_external(session: AsyncSession, source_system: str, external_id: str) -> Household | None:
    return (
        await session.execute(
            select(Household)
            .where(Household.source_system == source_system, Household.external_id == external_id)
            .execution_options(**unscoped("external keys are unique across areas"))
        )
    ).scalar_one_or_none()


async def take_household_numbers(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    """Take `counts[village]` sequence numbers from each village's counter; the counters of villages numbered for
    the first time are created from their households, all in one go. A few statements whatever the number of
    villages. Returns each village's first number.

    On PostgreSQL the villages are first locked in code order (transaction-scoped advisory locks), so concurrent
    writers never deadlock: row locks alone would not do, since a counter created by one writer is locked out of
    order with the existing counters it already holds, while another writer holding those waits on the new one."""
    villages = sorted(counts)
    if not villages:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_LOCK_VILLAGES, _village_lock_keys(villages))
    first = await _bump_sequences(session, {v: counts[v] for v in villages})
    missing = [v for v in villages if v not in first]
    if missing:
        first.update(await _start_sequences(session, {v: counts[v] for v in missing}))
    return first


# the two-key advisory lock space (apart from the one-key space the jobs and idempotency keys use): a village's
# county part and the rest of its code; unnest keeps the array's order, so the locks are taken in code order
_LOCK_VILLAGES = text(
    "SELECT count(pg_advisory_xact_lock(k.high, k.low)) "
    "FROM unnest(CAST(:high AS integer[]), CAST(:low AS integer[])) AS k(high, low)"
)


def _village_lock_keys(villages: list[str]) -> dict[str, list[int]]:
    """The advisory lock keys of these (sorted) village codes: their first six digits and the rest."""
    return {"high": [int(v[:6]) for v in villages], "low": [int(v[6:] or 0) for v in villages]}


_BUMP_SEQUENCES = text(
    "UPDATE village_sequences AS s SET last_value = s.last_value + w.n "
    "FROM unnest(CAST(:codes AS varchar[]), CAST(:counts AS integer[])) AS w(code, n) "
    "WHERE s.village_code = w.code RETURNING s.village_code, s.last_value"
)


async def _bump_sequences(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    """The first number taken from each existing counter (villages without one are absent)."""
    villages = sorted(counts)
    if session.get_bind().dialect.name == "postgresql":
        # short statements with the villages as arrays (the same text for one village or a thousand)
        params = {"codes": villages, "counts": [counts[v] for v in villages]}
        rows = (await session.execute(_BUMP_SEQUENCES, params)).all()
    else:
        bump = case(*((VillageSequence.village_code == v, counts[v]) for v in villages), else_=0)
        stmt = (
            update(VillageSequence)
            .where(VillageSequence.village_code.in_(villages))
            .values(last_value=VillageSequence.last_value + bump)
            .returning(VillageSequence.village_code, VillageSequence.last_value)
        )
        rows = (await session.execute(stmt)).all()
    return {str(code): int(last) - counts[str(code)] + 1 for code, last in rows}


async def _start_sequences(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    """Create the counters of villages numbered for the first time, from their households; a counter another
    writer created meanwhile is bumped instead."""
    villages = sorted(counts)
    households = dict(
        (
            await session.execute(
                select(Household.village_code, func.count())
                .where(among(Household.village_code, villages))
                .group_by(Household.village_code)
                .execution_options(**unscoped("numbering the villages the caller writes to"))
            )
        ).all()
    )
    starts = {v: int(households.get(v, 0)) for v in villages}
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = (
        await session.execute(
            dialect_insert(VillageSequence)
            .values([{"village_code": v, "last_value": starts[v] + counts[v]} for v in villages])
            .on_conflict_do_nothing(index_elements=["village_code"])
            .returning(VillageSequence.village_code)
        )
    ).scalars()
    first = {str(v): starts[str(v)] + 1 for v in created}
    raced = {v: counts[v] for v in villages if v not in first}
    if raced:
        first.update(await _bump_sequences(session, raced))
    if len(first) != len(villages):
        raise RuntimeError("could not allocate a household number")
    return first


async def taken_external_keys(session: AsyncSession, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (source_system, external_id) pairs a household already has, anywhere."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    stmt = (
        select(Household.source_system, Household.external_id)
        .where(pairs_among(Household.source_system, Household.external_id, wanted))
        .execution_options(**unscoped("external keys are unique across areas"))
    )
    return {(str(a), str(b)) for a, b in (await session.execute(stmt)).all()}


async def status_changes(session: AsyncSession, household: Household) -> list[StatusChange]:
    stmt = select(StatusChange).where(StatusChange.household_id == household.id).order_by(StatusChange.id)
    return list((await session.execute(stmt)).scalars().all())


async def income(session: AsyncSession, household: Household, year: int) -> Income | None:
    stmt = select(Income).where(Income.household_id == household.id, Income.year == year)
    return (await session.execute(stmt)).scalar_one_or_none()


async def incomes(session: AsyncSession, household: Household) -> list[Income]:
    stmt = select(Income).where(Income.household_id == household.id).order_by(Income.year)
    return list((await session.execute(stmt)).scalars().all())


async def assessment(session: AsyncSession, household: Household, year: int) -> Assessment | None:
    stmt = select(Assessment).where(Assessment.household_id == household.id, Assessment.year == year)
    return (await session.execute(stmt)).scalar_one_or_none()


async def assessments(session: AsyncSession, household: Household) -> list[Assessment]:
    stmt = select(Assessment).where(Assessment.household_id == household.id).order_by(Assessment.year)
    return list((await session.execute(stmt)).scalars().all())
