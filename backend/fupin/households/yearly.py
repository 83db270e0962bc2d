"""Yearly records of a household (incomes, 两不愁三保障 assessments): one record per year, created by a PUT
without If-Match and replaced only with the version that was read."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_replace
from fupin.core.errors import field_error
from fupin.households import repository as repo
from fupin.households.models import Household
from fupin.households.presenters import yearly_target

R = TypeVar("R")
Lookup = Callable[[AsyncSession, Household, int], Awaitable[R | None]]
FIRST_YEAR = 2010


def check_year(year: int) -> None:
    if year < FIRST_YEAR or year > date.today().year + 1:
        raise field_error("/year", "year.out_of_range", "年度超出范围 (year out of range)")


async def locked_with_record(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    year: int,
    lookup: Lookup[R],
    expected_version: int | None,
    if_match_sent: bool,
    what: str,
) -> tuple[Household, R | None]:
    """The household (locked) and its record of that year, after the year and If-Match rules."""
    check_year(year)
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    existing = await lookup(session, household, year)
    check_replace(existing.version if existing else None, expected_version, if_match_sent, what)  # type: ignore[attr-defined]
    return household, existing


async def create_or_replace(
    session: AsyncSession,
    principal: Principal,
    *,
    household: Household,
    existing: R | None,
    model: Callable[..., R],
    year: int,
    values: dict[str, Any],
    entity: str,
) -> R:
    """Write a yearly record of a household and put what changed on the household's trail."""
    record: Any = existing or model(household_id=household.id, year=year, **values)
    if existing is None:
        session.add(record)
    async with audit.tracked(
        session,
        record,
        actor=principal.as_actor(),
        action=f"{entity}.{'created' if existing is None else 'updated'}",
        fields=tuple(values),
        created=existing is None,
        touch=existing is not None,
        extra={"year": [None, year]},
        target=lambda: yearly_target(entity, household, year),
    ):
        for key, value in values.items():
            setattr(record, key, value)
    return record
