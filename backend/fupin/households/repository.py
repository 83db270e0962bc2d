"""Queries of the household register. Households are read from the caller's area scope; their members and yearly
records are read from a household that was (child lookups take the scoped household, never a bare id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope, unscoped
from fupin.core.errors import ProblemError, not_found
from fupin.core.pagination import decode_cursor, encode_cursor
from fupin.core.pii import sql_masked
from fupin.households.models import Assessment, Household, Income, Member, StatusChange, VillageSequence
from fupin.regions.models import Region


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
        .where(Member.id_number.in_(id_numbers), Member.active.is_(True))
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


async def next_household_sequence(session: AsyncSession, village_code: str) -> int:
    """Bump the village's counter under its row lock; create the counter on first use."""
    for _ in range(3):
        value = (
            await session.execute(
                update(VillageSequence)
                .where(VillageSequence.village_code == village_code)
                .values(last_value=VillageSequence.last_value + 1)
                .returning(VillageSequence.last_value)
            )
        ).scalar_one_or_none()
        if value is not None:
            return int(value)
        start = (
            await session.execute(
                select(func.count())
                .select_from(Household)
                .where(Household.village_code == village_code)
                .execution_options(**unscoped("numbering a village the caller writes to"))
            )
        ).scalar_one()
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(VillageSequence).values(village_code=village_code, last_value=int(start) + 1)
                )
            return int(start) + 1
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a household number")


@dataclass
class HouseholdFilters:
    status: list[str] | None = None
    attribute: str | None = None
    main_cause: str | None = None
    identified_year: int | None = None
    exit_year: int | None = None
    q: str | None = None
    member_health: str | None = None
    member_labour: str | None = None


_HEAD = aliased(Member)
# Built once: constructing the joined column list costs more than running the query on a warm cache.
_LIST_BASE: Any = (
    select(
        Household.public_id.label("id"),
        Household.household_number,
        Household.village_code,
        Region.name.label("village_name"),
        Household.head_name,
        # lists always mask: full numbers are read one household at a time, audited
        sql_masked("id_number", _HEAD.id_number).label("head_id_number"),
        Household.member_count,
        Household.status,
        Household.attribute,
        Household.main_cause,
        Household.first_identified_on,
        Household.exit_year,
        Household.updated_at,
        Household.version,
        Household.id.label("pk"),
    )
    .join(Region, Region.code == Household.village_code)
    .outerjoin(_HEAD, _HEAD.id == Household.head_member_id)
)


def filtered(scope: AreaScope, filters: HouseholdFilters) -> Select[Any]:
    """The list statement; `scope` is the caller's, narrowed to the region filter (`AreaScope.narrowed_to`)."""
    stmt: Any = scope.apply(_LIST_BASE, Household)
    if filters.status:
        stmt = stmt.where(Household.status.in_(filters.status))
    if filters.attribute:
        stmt = stmt.where(Household.attribute == filters.attribute)
    if filters.main_cause:
        stmt = stmt.where(Household.main_cause == filters.main_cause)
    if filters.identified_year:
        stmt = stmt.where(Household.identified_year == filters.identified_year)
    if filters.exit_year:
        stmt = stmt.where(Household.exit_year == filters.exit_year)
    member_conditions = []
    if filters.q:
        member_conditions.append(or_(Member.name == filters.q, Member.id_number == filters.q.upper()))
    if member_conditions:
        stmt = stmt.where(
            exists(
                select(Member.id).where(
                    Member.household_id == Household.id, Member.active.is_(True), *member_conditions
                )
            )
        )
    if filters.member_health:
        stmt = stmt.where(
            exists(
                select(Member.id).where(
                    Member.household_id == Household.id,
                    Member.active.is_(True),
                    Member.health == filters.member_health,
                )
            )
        )
    if filters.member_labour:
        stmt = stmt.where(
            exists(
                select(Member.id).where(
                    Member.household_id == Household.id,
                    Member.active.is_(True),
                    Member.labour == filters.member_labour,
                )
            )
        )
    return stmt


def _cursor_values(cursor: str, kind: str) -> list[Any]:
    values = decode_cursor(cursor, kind)
    try:
        if len(values) != 2:
            raise ValueError
        if kind.startswith("hh_updated"):
            return [datetime.fromisoformat(str(values[0])), int(values[1])]
        return [str(values[0]), str(values[1])]
    except (TypeError, ValueError):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")


async def list_page(
    session: AsyncSession,
    scope: AreaScope,
    filters: HouseholdFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    include_total: bool,
) -> tuple[list[Any], str | None, int | None]:
    """One keyset page: the cursor is the sort key of the last row, so a deep page costs what page 1 costs."""
    base = filtered(scope, filters)
    descending = sort.startswith("-")
    keys: tuple[Any, ...]
    if sort.lstrip("-") == "household_number":
        keys, kind = (Household.village_code, Household.household_number), "hh_number"
    else:
        keys, kind = (Household.updated_at, Household.id), "hh_updated"
    kind += "_desc" if descending else "_asc"
    stmt = base
    if cursor:
        values = _cursor_values(cursor, kind)
        stmt = stmt.where(tuple_(*keys) < tuple_(*values) if descending else tuple_(*keys) > tuple_(*values))
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = list((await session.execute(stmt.order_by(*order).limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if kind.startswith("hh_number"):
            next_cursor = encode_cursor(kind, [last.village_code, last.household_number])
        else:
            next_cursor = encode_cursor(kind, [last.updated_at.isoformat(), last.pk])
    total = None
    if include_total:
        count_stmt = select(func.count()).select_from(base.with_only_columns(Household.id).subquery())
        total = int((await session.execute(count_stmt)).scalar_one())
    return rows, next_cursor, total


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
