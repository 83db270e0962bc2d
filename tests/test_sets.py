"""`core.sets.among`: one array parameter on PostgreSQL, an IN list elsewhere; the same rows either way, and a
statement compiled once (SQLAlchemy's cache) answers later calls with their own values, not the first call's."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from fupin.core.db import make_engine
from fupin.core.sets import among
from fupin.regions.models import Region
from tests.conftest import Api


def test_among_returns_the_rows_of_each_calls_own_values(api: Api, database_url: str) -> None:
    async def run() -> list[set[str]]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                codes = sorted((await conn.execute(select(Region.code).where(Region.level == 5))).scalars())
                assert len(codes) >= 3
                answers = []
                for wanted in ([codes[0], codes[1]], [codes[2]], [], [codes[0], "999999999999", codes[2]]):
                    stmt = select(Region.code).where(among(Region.code, wanted))
                    answers.append(set((await conn.execute(stmt)).scalars()))
                answers.append({codes[0], codes[1]})
                answers.append({codes[2]})
                answers.append(set())
                answers.append({codes[0], codes[2]})
                dialect = engine.dialect.name
                text = str(select(Region.code).where(among(Region.code, codes)).compile(engine.sync_engine))
                assert ("ANY" in text) == (dialect == "postgresql"), text
                return answers
        finally:
            await engine.dispose()

    answers = asyncio.run(run())
    assert answers[:4] == answers[4:]
