"""Health measures (健康) and who sees their details: a caller that may not see health details (`sees_health`: a
department outside the health field, a login without the personal-data permission) gets a health measure with its
`content` and `member_id` withheld (null) — in the list, the household's measures, the detail, the answers of writes
and the export alike. This module is the one place that decides it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.trail import register_withholding
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.departments.field import HEALTH, sees_health
from fupin.households.models import Household
from fupin.measures.models import Measure

WITHHELD = ("content", "member_id")


async def shown(session: AsyncSession, principal: Principal) -> bool:
    """Whether the caller sees the health details of health measures."""
    return await sees_health(session, principal)


def withheld(measure_type: str | None, *, shown: bool) -> dict[str, None]:
    """The fields a measure of this type shows as null to the caller."""
    return dict.fromkeys(WITHHELD) if not shown and measure_type == HEALTH else {}


def withhold(record: dict[str, Any], *, shown: bool) -> dict[str, Any]:
    """A measure's record (the fields of `MeasureOut`) as the caller may see it."""
    record.update(withheld(record.get("type"), shown=shown))
    return record


async def withhold_cells(
    batches: AsyncIterator[Sequence[Sequence[Any]]], *, shown: bool, kind: int, cleared: Sequence[int]
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Export rows whose column `kind` is the raw measure type (dropped from the row), with the cells at `cleared`
    emptied in a health measure's row when the caller may not see health details."""
    async with contextlib.aclosing(batches):  # type: ignore[type-var]
        async for batch in batches:
            rows = []
            for row in batch:
                cells = list(row)
                health = cells.pop(kind) == HEALTH
                if health and not shown:
                    for index in cleared:
                        cells[index] = None
                rows.append(tuple(cells))
            yield rows


@register_withholding
async def withheld_in_trail(
    session: AsyncSession, principal: Principal, subject_id: str, health: bool
) -> dict[str, frozenset[str]]:
    """A household's trail shows a health measure's content and member to callers who see health details only."""
    if health:
        return {}
    stmt = (
        select(Measure.public_id)
        .join(Household, Household.id == Measure.household_id)
        .where(Household.public_id == uuid.UUID(subject_id), Measure.type == HEALTH)
        .execution_options(**unscoped("the measures of a household the caller reads"))
    )
    return {str(pk): frozenset(WITHHELD) for pk in (await session.execute(stmt)).scalars()}
