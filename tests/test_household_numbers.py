"""Household numbers under concurrent batch writers on PostgreSQL: several imports' batches register households
in the same villages at once, some villages numbered for the first time (their counters created by whichever
writer comes first); every number is given once, and each village's new numbers follow one another."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select

from fupin.authz.deps import principal_from_claims
from fupin.core.db import make_engine, make_sessionmaker
from fupin.households import service
from fupin.households.models import Household, VillageSequence
from fupin.households.schemas import HouseholdCreate
from fupin.regions.models import Region
from tests import factories
from tests.conftest import Api

WRITERS = 10
BATCHES_EACH = 6
COUNTY = "220382000000"


def _principal() -> Any:
    return principal_from_claims(
        {"uid": 1, "sub": str(uuid.uuid4()), "name": "并发导入", "roles": ["county_office"], "region": COUNTY}
    )


def test_concurrent_batches_number_each_household_once(postgres_only: None, api: Api, database_url: str) -> None:
    api.get("admin", "/api/v1/households")  # the app (and its database) is up

    async def run() -> tuple[list[str], dict[str, list[str]], set[str]]:
        engine = make_engine(database_url)
        sessions = make_sessionmaker(engine)
        principal = _principal()
        async with sessions() as session:
            villages = list(
                (
                    await session.execute(
                        select(Region.code)
                        .where(Region.level == 5, Region.code.like("220382%"), Region.valid_to.is_(None))
                        .order_by(Region.code)
                    )
                ).scalars()
            )[:8]
            counted = set((await session.execute(select(VillageSequence.village_code))).scalars())
            before = set((await session.execute(select(Household.household_number))).scalars())
        fresh = {v for v in villages if v not in counted}

        async def writer(w: int) -> None:
            for b in range(BATCHES_EACH):
                items = [
                    HouseholdCreate.model_validate(factories.household(village=villages[(w + b + i) % len(villages)]))
                    for i in range(6)
                ]
                async with sessions() as session:
                    results = await service.create_households(session, principal, items)
                    assert all(isinstance(r, service.Created) for r in results), results
                    await session.commit()
                await asyncio.sleep(0)

        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        async with sessions() as session:
            rows = (await session.execute(select(Household.village_code, Household.household_number))).all()
        await engine.dispose()
        new: dict[str, list[str]] = {}
        for village, number in rows:
            if number not in before:
                new.setdefault(village, []).append(number)
        return [n for _, n in rows], new, fresh

    numbers, new, fresh = asyncio.run(run())
    assert len(numbers) == len(set(numbers))
    assert sum(len(v) for v in new.values()) == WRITERS * BATCHES_EACH * 6
    assert fresh, "some villages are numbered for the first time"
    for village, taken in new.items():
        sequence = sorted(int(n[len(village) :]) for n in taken)
        assert all(n.startswith(village) for n in taken)
        assert sequence == list(range(sequence[0], sequence[0] + len(sequence))), (village, sequence)
