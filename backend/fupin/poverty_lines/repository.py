from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.poverty_lines.models import PovertyLine

NATIONAL = "national"


async def all_lines(session: AsyncSession) -> list[PovertyLine]:
    stmt = select(PovertyLine).order_by(PovertyLine.year, PovertyLine.scope)
    return list((await session.execute(stmt)).scalars().all())


async def get(session: AsyncSession, *, year: int, scope: str) -> PovertyLine | None:
    stmt = select(PovertyLine).where(PovertyLine.year == year, PovertyLine.scope == scope)
    return (await session.execute(stmt)).scalar_one_or_none()


async def line_for(session: AsyncSession, *, year: int, standard: str) -> PovertyLine | None:
    """The line of that year for a household's identification standard, falling back to the national line."""
    stmt = select(PovertyLine).where(PovertyLine.year == year, PovertyLine.scope.in_([standard, NATIONAL]))
    by_scope = {line.scope: line for line in (await session.execute(stmt)).scalars().all()}
    return by_scope.get(standard) or by_scope.get(NATIONAL)


class LineTable:
    """Every line, read once, for pages that show many years."""

    def __init__(self, lines: list[PovertyLine]) -> None:
        self._by_key = {(line.year, line.scope): line for line in lines}

    def line_for(self, *, year: int, standard: str) -> PovertyLine | None:
        return self._by_key.get((year, standard)) or self._by_key.get((year, NATIONAL))


async def line_table(session: AsyncSession) -> LineTable:
    return LineTable(await all_lines(session))
