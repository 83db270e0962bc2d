"""Queries of cadres, assignments, visits and residency days: every one through the caller's scope; lists on the
read path (keyset pages, newest first)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Select, String, Uuid, and_, bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.cadres.models import VILLAGE_KINDS, Assignment, Cadre, ResidencyDay, Visit
from fupin.core.errors import FieldError, ProblemError
from fupin.core.pii import sql_masked
from fupin.core.readpath import ReadPath, query_family
from fupin.evidence.models import Evidence
from fupin.households.models import Household


def missing(what: str, pointer: str | None = None) -> ProblemError:
    """404 for a record outside the caller's area (or none); named at the field that referred to it."""
    errors = (
        [FieldError(pointer=pointer, code="not_found", message=f"{what} 不存在或不在您的管辖范围内")] if pointer else []
    )
    return ProblemError(404, "not_found", f"{what} not found", errors)


async def get_cadre(
    session: AsyncSession,
    scope: AreaScope,
    public_id: uuid.UUID,
    *,
    for_update: bool = False,
    pointer: str | None = None,
) -> Cadre:
    stmt = scope.select(Cadre).where(Cadre.public_id == public_id)
    if for_update:
        stmt = stmt.with_for_update()
    cadre = (await session.execute(stmt)).scalar_one_or_none()
    if cadre is None:
        raise missing("cadre", pointer)
    return cadre


async def get_household(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, pointer: str | None = None
) -> Household:
    stmt = scope.select(Household).where(Household.public_id == public_id)
    household = (await session.execute(stmt)).scalar_one_or_none()
    if household is None:
        raise missing("household", pointer)
    return household


async def id_number_taken(session: AsyncSession, id_number: str) -> bool:
    from fupin.authz.scope import unscoped

    stmt = select(Cadre.id).where(Cadre.id_number == id_number).execution_options(**unscoped("ID numbers are unique"))
    return (await session.execute(stmt)).first() is not None


# ---------------------------------------------------------------- assignments


def running_on(on: date) -> Any:
    """Held on `on`: not ended by then (open-ended, or ending later)."""
    return or_(Assignment.ends_on.is_(None), Assignment.ends_on > on)


async def current_pairing(
    session: AsyncSession, scope: AreaScope, household: Household, *, on: date
) -> Assignment | None:
    stmt = scope.select(Assignment).where(
        Assignment.household_id == household.id, Assignment.kind == "paired", running_on(on)
    )
    return (await session.execute(stmt.with_for_update())).scalars().first()


async def current_in_village(
    session: AsyncSession, scope: AreaScope, *, village_code: str, kind: str, on: date, cadre_id: int | None = None
) -> Assignment | None:
    stmt = scope.select(Assignment).where(
        Assignment.village_code == village_code,
        Assignment.kind == kind,
        Assignment.household_id.is_(None),
        running_on(on),
    )
    if cadre_id is not None:
        stmt = stmt.where(Assignment.cadre_id == cadre_id)
    return (await session.execute(stmt.with_for_update())).scalars().first()


async def cadre_holds(session: AsyncSession, scope: AreaScope, *, cadre: Cadre, household: Household, on: date) -> bool:
    """Is the household assigned to the cadre on `on`: paired with it, or in a village it serves."""
    started = Assignment.starts_on <= on
    running = or_(Assignment.ends_on.is_(None), Assignment.ends_on >= on)
    target = or_(
        Assignment.household_id == household.id,
        and_(
            Assignment.household_id.is_(None),
            Assignment.kind.in_(VILLAGE_KINDS),
            Assignment.village_code == household.village_code,
        ),
    )
    stmt = scope.select(Assignment.id, area_of=Assignment).where(
        Assignment.cadre_id == cadre.id, started, running, target
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def has_current_assignments(session: AsyncSession, scope: AreaScope, cadre: Cadre) -> bool:
    stmt = scope.select(Assignment.id, area_of=Assignment).where(
        Assignment.cadre_id == cadre.id, Assignment.ends_on.is_(None)
    )
    return (await session.execute(stmt.limit(1))).first() is not None


def _assignment_columns() -> tuple[Any, ...]:
    return (
        Assignment,
        Cadre.public_id.label("cadre_public_id"),
        Cadre.name.label("cadre_name"),
        Cadre.work_unit,
        Household.public_id.label("household_public_id"),
        Household.household_number,
        Household.head_name,
    )


async def assignments_where(session: AsyncSession, scope: AreaScope, *conditions: Any) -> list[Any]:
    stmt = (
        scope.select(*_assignment_columns(), area_of=Assignment)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .outerjoin(Household, Household.id == Assignment.household_id)
        .where(*conditions)
        .order_by(Assignment.ends_on.is_not(None), Assignment.starts_on.desc(), Assignment.id.desc())
    )
    return list((await session.execute(stmt)).all())


# ---------------------------------------------------------------- visits


async def get_visit(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID
) -> tuple[Visit, Household, Cadre] | None:
    stmt = (
        scope.select(Visit, Household, Cadre, area_of=Visit)
        .join(Household, Household.id == Visit.household_id)
        .join(Cadre, Cadre.id == Visit.cadre_id)
        .where(Visit.public_id == public_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def _evidence_count() -> Any:
    return (
        select(func.count(Evidence.id))
        .where(Evidence.owner_type == "visit", Evidence.owner_id == Visit.public_id)
        .correlate(Visit)
        .scalar_subquery()
    )


VISIT_FILTERS = ("cadre_id", "household_id", "visited_from", "visited_to")


def _visit_statement(present: tuple[str, ...], after: bool) -> Select[Any]:
    columns: tuple[Any, ...] = (
        Visit.id.label("pk"),
        Visit.public_id.label("id"),
        Cadre.public_id.label("cadre_id"),
        Cadre.name.label("cadre_name"),
        Cadre.kind.label("cadre_kind"),
        Household.public_id.label("household_id"),
        Household.household_number,
        Household.head_name,
        Visit.village_code,
        Visit.visited_on,
        Visit.content,
        Visit.location,
        _evidence_count().label("evidence_count"),
        Visit.created_by_name.label("created_by"),
        Visit.created_at,
        Visit.version,
    )
    stmt = select(*columns).join(Cadre, Cadre.id == Visit.cadre_id).join(Household, Household.id == Visit.household_id)
    if "cadre_id" in present:
        stmt = stmt.where(Cadre.public_id == bindparam("cadre_id", type_=Uuid()))
    if "household_id" in present:
        stmt = stmt.where(Household.public_id == bindparam("household_id", type_=Uuid()))
    if "visited_from" in present:
        stmt = stmt.where(Visit.visited_on >= bindparam("visited_from", type_=Date()))
    if "visited_to" in present:
        stmt = stmt.where(Visit.visited_on <= bindparam("visited_to", type_=Date()))
    if after:
        stmt = stmt.where(Visit.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Visit.id.desc()).limit(bindparam("limit", type_=Integer()))


_VISITS = query_family("visits", _visit_statement, lambda: Visit.village_code)


async def visit_page(
    read: ReadPath, scope: AreaScope, *, filters: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    present = tuple(name for name in VISIT_FILTERS if name in filters)
    values: dict[str, Any] = {**{name: filters[name] for name in present}, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_VISITS(present, before is not None), scope, values)


# ---------------------------------------------------------------- cadres list


CADRE_FILTERS = ("kind", "work_unit", "active")


def _cadre_statement(present: tuple[str, ...], after: bool, pii: bool) -> Select[Any]:
    id_number = Cadre.id_number if pii else sql_masked("id_number", Cadre.id_number)
    phone = Cadre.phone if pii else sql_masked("phone", Cadre.phone)
    columns: tuple[Any, ...] = (
        Cadre.id.label("pk"),
        Cadre.public_id.label("id"),
        Cadre.name,
        id_number.label("id_number"),
        phone.label("phone"),
        Cadre.work_unit,
        Cadre.post,
        Cadre.kind,
        Cadre.region_code,
        Cadre.active,
        Cadre.version,
    )
    stmt = select(*columns)
    if "kind" in present:
        stmt = stmt.where(Cadre.kind == bindparam("kind", type_=String()))
    if "work_unit" in present:
        stmt = stmt.where(Cadre.work_unit == bindparam("work_unit", type_=String()))
    if "active" in present:
        stmt = stmt.where(Cadre.active == bindparam("active", type_=Boolean()))
    if after:
        stmt = stmt.where(Cadre.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Cadre.id.desc()).limit(bindparam("limit", type_=Integer()))


_CADRES = query_family("cadres", _cadre_statement, lambda: Cadre.region_code)


async def cadre_page(
    read: ReadPath, scope: AreaScope, *, filters: dict[str, Any], before: int | None, limit: int, pii: bool
) -> list[dict[str, Any]]:
    present = tuple(name for name in CADRE_FILTERS if name in filters)
    values: dict[str, Any] = {**{name: filters[name] for name in present}, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_CADRES(present, before is not None, pii), scope, values)


# ---------------------------------------------------------------- turnover


def _turnover_statement() -> Select[Any]:
    first, last = bindparam("first", type_=Date()), bindparam("last", type_=Date())
    held = and_(Assignment.starts_on <= last, or_(Assignment.ends_on.is_(None), Assignment.ends_on >= first))
    ended = and_(Assignment.ends_on >= first, Assignment.ends_on <= last)
    return (
        select(
            Cadre.work_unit,
            func.count(Assignment.id).label("held"),
            func.coalesce(func.sum(case((ended, 1), else_=0)), 0).label("ended"),
        )
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .where(held)
        .group_by(Cadre.work_unit)
        .order_by(Cadre.work_unit)
    )


_TURNOVER = query_family("cadre-turnover", _turnover_statement, lambda: Assignment.village_code)


async def turnover(read: ReadPath, scope: AreaScope, *, first: date, last: date) -> list[dict[str, Any]]:
    return await read.fetch(_TURNOVER(), scope, {"first": first, "last": last})


# ---------------------------------------------------------------- residency


async def residency_of(session: AsyncSession, scope: AreaScope, *, cadre: Cadre, day: date) -> ResidencyDay | None:
    stmt = scope.select(ResidencyDay).where(ResidencyDay.cadre_id == cadre.id, ResidencyDay.day == day)
    return (await session.execute(stmt.with_for_update())).scalar_one_or_none()


async def residency_counts(
    session: AsyncSession, scope: AreaScope, *, cadre: Cadre, first: date, last: date
) -> dict[str, int]:
    stmt = (
        scope.select(ResidencyDay.kind, func.count(ResidencyDay.id), area_of=ResidencyDay)
        .where(ResidencyDay.cadre_id == cadre.id, ResidencyDay.day >= first, ResidencyDay.day <= last)
        .group_by(ResidencyDay.kind)
    )
    return {kind: int(n) for kind, n in (await session.execute(stmt)).all()}


RESIDENCY_FILTERS = ("cadre_id", "day_from", "day_to")


def _residency_statement(present: tuple[str, ...], after: bool) -> Select[Any]:
    columns: tuple[Any, ...] = (
        ResidencyDay.id.label("pk"),
        ResidencyDay.public_id.label("id"),
        Cadre.public_id.label("cadre_id"),
        Cadre.name.label("cadre_name"),
        ResidencyDay.day,
        ResidencyDay.kind,
        ResidencyDay.region_code,
        ResidencyDay.recorded_by_name.label("recorded_by"),
        ResidencyDay.updated_at,
        ResidencyDay.version,
    )
    stmt = select(*columns).join(Cadre, Cadre.id == ResidencyDay.cadre_id)
    if "cadre_id" in present:
        stmt = stmt.where(Cadre.public_id == bindparam("cadre_id", type_=Uuid()))
    if "day_from" in present:
        stmt = stmt.where(ResidencyDay.day >= bindparam("day_from", type_=Date()))
    if "day_to" in present:
        stmt = stmt.where(ResidencyDay.day <= bindparam("day_to", type_=Date()))
    if after:
        stmt = stmt.where(ResidencyDay.id < bindparam("before", type_=Integer()))
    return stmt.order_by(ResidencyDay.id.desc()).limit(bindparam("limit", type_=Integer()))


_RESIDENCY = query_family("residency-days", _residency_statement, lambda: ResidencyDay.region_code)


async def residency_page(
    read: ReadPath, scope: AreaScope, *, filters: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    present = tuple(name for name in RESIDENCY_FILTERS if name in filters)
    values: dict[str, Any] = {**{name: filters[name] for name in present}, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_RESIDENCY(present, before is not None), scope, values)
