"""The change feed under concurrent writers on PostgreSQL: several writers on their own connections commit and
roll back (on purpose, after their feed entry was written) while a reader follows `GET /changes`. The reader sees
every committed change exactly once, in commit order, without gaps, and nothing of a rolled-back transaction."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from typing import Any

from fupin.audit.verify import verify_chain
from fupin.authz.deps import principal_from_claims
from fupin.core.db import make_engine, make_sessionmaker
from fupin.households import service
from fupin.households.models import Household
from fupin.households.schemas import HouseholdUpdate
from tests.conftest import Api

WRITERS = 6
WRITES_EACH = 15
COUNTY = "220382000000"


def _writer_principal() -> Any:
    return principal_from_claims(
        {"uid": 1, "sub": str(uuid.uuid4()), "name": "并发写入", "roles": ["county_office"], "region": COUNTY}
    )


def test_reader_sees_every_committed_change_once_and_no_rolled_back_one(
    postgres_only: None, api: Api, database_url: str
) -> None:
    headers = api.headers("integration")
    start = api.get("integration", "/api/v1/changes", params={"after": 0, "limit": 1000}).json()
    position = start["next_after"]
    while True:
        page = api.get("integration", "/api/v1/changes", params={"after": position, "limit": 1000}).json()
        if not page["items"]:
            break
        position = page["next_after"]

    seen: list[dict[str, Any]] = []
    polls = 0
    stop = threading.Event()
    failure: list[str] = []

    def follow() -> None:
        nonlocal position, polls
        while True:
            finishing = stop.is_set()
            r = api.client.get("/api/v1/changes", params={"after": position, "limit": 7}, headers=headers)
            polls += 1
            if r.status_code != 200:
                failure.append(r.text)
                return
            page = r.json()
            seen.extend(page["items"])
            position = page["next_after"]
            if finishing and not page["items"]:
                return

    committed: list[tuple[str, int]] = []
    rolled_back = 0

    async def write() -> None:
        nonlocal rolled_back
        engine = make_engine(database_url, pool_size=WRITERS)
        sessions = make_sessionmaker(engine, area_guard=True)
        principal = _writer_principal()
        async with sessions() as session:
            stmt = principal.scope.select(Household.public_id).order_by(Household.id).limit(WRITERS)
            targets = list((await session.execute(stmt)).scalars().all())
        rng = random.Random(8)
        plans = [[rng.random() < 0.35 for _ in range(WRITES_EACH)] for _ in range(WRITERS)]

        async def writer(n: int) -> None:
            nonlocal rolled_back
            for i, roll_back in enumerate(plans[n]):
                async with sessions() as session, session.begin():
                    household = await service.update_household(
                        session,
                        principal,
                        household_id=targets[n],
                        expected_version=None,
                        data=HouseholdUpdate(address=f"并发 {n}-{i}"),
                    )
                    version = household.version
                    await asyncio.sleep(rng.random() / 100)  # hold the feed numbers a while
                    if roll_back:
                        await session.rollback()  # its feed entry was written: it must never be seen
                        rolled_back += 1
                    else:
                        committed.append((str(targets[n]), version))
                await asyncio.sleep(rng.random() / 200)

        await asyncio.gather(*(writer(n) for n in range(WRITERS)))
        async with sessions() as session:
            chain.append(await verify_chain(session))
            versions = (
                await session.execute(
                    principal.scope.select(Household.public_id, Household.version).where(
                        Household.public_id.in_(targets)
                    )
                )
            ).all()
        await engine.dispose()
        final.update({str(pid): v for pid, v in versions})

    final: dict[str, int] = {}
    chain: list[Any] = []
    reader = threading.Thread(target=follow)
    reader.start()
    try:
        asyncio.run(write())
    finally:
        during = len(seen)  # entries the reader took while the writers were still at work
        stop.set()
        reader.join(timeout=60)
    assert not failure, failure
    assert rolled_back > 5 and len(committed) > 30

    seqs = [c["seq"] for c in seen]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "gap or repetition in the feed"
    got = [(c["entity_id"], c["version"]) for c in seen]
    assert len(got) == len(committed) == len(set(got))  # once each, nothing rolled back
    assert set(got) == set(committed)
    # in commit order: each household's versions ascend, and end at the version it has
    for hid, version in final.items():
        mine = [v for e, v in got if e == hid]
        assert mine == sorted(mine) and (not mine or mine[-1] == version)
    assert polls > 3 and during > 0  # the reader really followed along while the writers worked
    assert chain[0].ok, chain[0].reason
