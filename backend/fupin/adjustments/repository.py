"""Queries of adjustment windows and pending changes. Windows are calendar data read by the area they cover (and
its parts); pending changes are area data (the household's village), read through the caller's scope."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, Uuid, and_, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments.models import AdjustmentWindow, PendingChange
from fupin.authz.scope import LEVEL_PREFIX, AreaScope, code_range
from fupin.core.readpath import ReadPath, query_family
from fupin.households.models import Household

W = AdjustmentWindow


def ancestors(code: str) -> list[str]:
    """The region itself and every region above it (12-digit codes)."""
    return list(dict.fromkeys(code[:n].ljust(12, "0") for n in LEVEL_PREFIX.values() if code[:n].strip("0")))


def covering(code: str | None) -> ColumnElement[bool]:
    """Windows that cover the region `code` (a whole-system window covers everything)."""
    if code is None:
        return W.region_code.is_(None)
    return or_(W.region_code.is_(None), W.region_code.in_(ancestors(code)))


def visible(scope: AreaScope) -> ColumnElement[bool]:
    """The windows a caller of `scope` reads: those covering the area and those of its parts."""
    if scope.whole_system:
        return true()
    return or_(covering(scope.region_code), scope.condition(W.region_code))


async def windows_covering(session: AsyncSession, code: str) -> list[AdjustmentWindow]:
    return list((await session.execute(select(W).where(covering(code)))).scalars())


async def windows_visible(session: AsyncSession, scope: AreaScope) -> list[AdjustmentWindow]:
    stmt = select(W).where(visible(scope)).order_by(W.year.desc(), W.opens_on.desc(), W.id.desc())
    return list((await session.execute(stmt)).scalars())


async def get_window(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> AdjustmentWindow | None:
    stmt = select(W).where(W.public_id == public_id, visible(scope))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def window_by_id(session: AsyncSession, public_id: uuid.UUID) -> AdjustmentWindow | None:
    """For a job: its window, whatever the area (the job's own scope narrows the work)."""
    return (await session.execute(select(W).where(W.public_id == public_id))).scalar_one_or_none()


async def overlapping(
    session: AsyncSession, *, region_code: str | None, opens_on: date, closes_on: date, exclude: int | None
) -> AdjustmentWindow | None:
    """A window whose dates meet [opens_on, closes_on] in an area that contains or lies in `region_code`."""
    if region_code is None:
        nested: ColumnElement[bool] = true()
    else:
        low, high = code_range(region_code)
        nested = or_(covering(region_code), and_(W.region_code >= low, W.region_code < high))
    stmt = select(W).where(W.opens_on <= closes_on, W.closes_on >= opens_on, nested)
    if exclude is not None:
        stmt = stmt.where(W.id != exclude)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


# ---------------------------------------------------------------- pending changes


async def pending_of(session: AsyncSession, scope: AreaScope, household: Household) -> list[PendingChange]:
    stmt = scope.select(PendingChange).where(
        PendingChange.household_id == household.id, PendingChange.state == "pending"
    )
    return list((await session.execute(stmt.order_by(PendingChange.id))).scalars())


async def get_pending(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> tuple[PendingChange, Household] | None:
    stmt = (
        scope.select(PendingChange, Household, area_of=PendingChange)
        .join(Household, Household.id == PendingChange.household_id)
        .where(PendingChange.public_id == public_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=PendingChange)
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


async def pending_batch(
    session: AsyncSession, scope: AreaScope, *, after: int | None, limit: int
) -> list[PendingChange]:
    """The next pending changes of the area in request order, locked for the applying chunk."""
    stmt = scope.select(PendingChange).where(PendingChange.state == "pending")
    if after is not None:
        stmt = stmt.where(PendingChange.id > after)
    stmt = stmt.order_by(PendingChange.id).limit(limit).with_for_update()
    return list((await session.execute(stmt)).scalars())


async def pending_count(session: AsyncSession, scope: AreaScope) -> int:
    stmt = scope.select(func.count(), area_of=PendingChange).select_from(PendingChange)
    stmt = stmt.where(PendingChange.state == "pending")
    return int((await session.execute(stmt)).scalar_one())


async def household_by_pk(session: AsyncSession, scope: AreaScope, pk: int) -> Household | None:
    """The household as stored now (also after a rolled-back savepoint changed the loaded one)."""
    stmt = scope.select(Household).where(Household.id == pk).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def reload_pending(session: AsyncSession, scope: AreaScope, change: PendingChange) -> PendingChange:
    stmt = scope.select(PendingChange).where(PendingChange.id == change.id)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()


_COLUMNS = (
    PendingChange.id.label("pk"),
    PendingChange.public_id.label("id"),
    Household.public_id.label("household_id"),
    Household.household_number,
    PendingChange.kind,
    PendingChange.changes,
    PendingChange.base,
    PendingChange.state,
    PendingChange.reason,
    PendingChange.requested_by_type,
    PendingChange.requested_by_id,
    PendingChange.requested_by_name,
    PendingChange.requested_at,
    PendingChange.decided_at,
    PendingChange.decided_by_name,
    PendingChange.error,
    PendingChange.version,
)
FILTERS = ("state", "household_id")


def _list_statement(present: tuple[str, ...], after: bool) -> Select[Any]:
    stmt = select(*_COLUMNS).join(Household, Household.id == PendingChange.household_id)
    if "state" in present:
        stmt = stmt.where(PendingChange.state == bindparam("state", type_=String()))
    if "household_id" in present:
        stmt = stmt.where(Household.public_id == bindparam("household_id", type_=Uuid()))
    if after:
        stmt = stmt.where(PendingChange.id < bindparam("before", type_=Integer()))
    return stmt.order_by(PendingChange.id.desc()).limit(bindparam("limit", type_=Integer()))


_LIST = query_family("pending-changes", _list_statement, lambda: PendingChange.region_code)


async def page(
    read: ReadPath, scope: AreaScope, *, filters: dict[str, Any], before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit + 1 pending changes of the area, newest first (the extra one: there is more)."""
    present = tuple(name for name in FILTERS if name in filters)
    values: dict[str, Any] = {**{name: filters[name] for name in present}, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_LIST(present, before is not None), scope, values)
