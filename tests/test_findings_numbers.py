"""Gap-free finding numbers under concurrent writers on PostgreSQL: several requests raise findings of one year at
once, some roll back after they took their number; the committed findings are numbered 1..n without a gap or a
repeat (the per-year counter row is locked for update, so a rolled-back number is given again)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select

from fupin.authz.deps import principal_from_claims
from fupin.core.db import make_engine, make_sessionmaker
from fupin.findings import service
from fupin.findings.models import Finding
from fupin.findings.schemas import FindingCreate
from tests.conftest import Api
from tests.finding_support import body

WRITERS = 6
WRITES_EACH = 5
COUNTY = "220382000000"


def _principal() -> Any:
    return principal_from_claims(
        {"uid": 1, "sub": str(uuid.uuid4()), "name": "并发督查", "roles": ["county_office"], "region": COUNTY}
    )


def test_concurrent_raises_get_gap_free_numbers(postgres_only: None, api: Api, database_url: str) -> None:
    api.get("inspector", "/api/v1/findings")  # the app (and its database) is up
    data = FindingCreate.model_validate(body(raised_on="2031-03-01", deadline="2031-06-30"))

    async def run() -> list[int]:
        engine = make_engine(database_url)
        sessions = make_sessionmaker(engine)
        principal = _principal()

        async def writer(w: int) -> None:
            for i in range(WRITES_EACH):
                async with sessions() as session:
                    await service.create_finding(session, principal, data=data)
                    if (w + i) % 3 == 0:
                        await session.rollback()  # after its number was taken
                    else:
                        await session.commit()
                await asyncio.sleep(0)

        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        async with sessions() as session:
            stmt = select(Finding.number).where(Finding.year == 2031).order_by(Finding.number)
            numbers = list((await session.execute(stmt)).scalars())
        await engine.dispose()
        return numbers

    numbers = asyncio.run(run())
    committed = sum(1 for w in range(WRITERS) for i in range(WRITES_EACH) if (w + i) % 3 != 0)
    assert numbers == list(range(1, committed + 1))
