"""`stats.rebuild`: recompute the per-village household summary (household_stats) of an area, a batch of villages
per chunk. Each chunk replaces the summary rows of its villages from the register, in the chunk's transaction,
so a chunk done twice would give the same rows; the marker (the last village done) makes sure it is not.
A household write running meanwhile stays counted: its summary delta lands on the rebuilt rows or is in them.

The summary's whole-table rebuild (`households.stats.rebuild`, `fupin stats rebuild`) runs on a synchronous
connection; this is its per-village, scoped form on the worker's session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func

from fupin.households.models import Household, HouseholdStat
from fupin.households.stats import summary_inserts
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, register
from fupin.regions.models import Region

KIND = "stats.rebuild"
DEFAULT_CHUNK_VILLAGES = 50
_COLUMNS = ["village_code", "dimension", "value", "households", "people"]


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    session, scope = ctx.session, ctx.scope
    size = int(ctx.job.params.get("chunk_villages") or DEFAULT_CHUNK_VILLAGES)
    villages = scope.select(Region.code, area_of=Region).where(Region.level == 5)
    total = None
    if marker is None:
        counted = scope.select(func.count(), area_of=Region).select_from(Region).where(Region.level == 5)
        total = int((await session.execute(counted)).scalar_one())
    else:
        villages = villages.where(Region.code > str(marker))
    # The batch's villages stay locked until the chunk commits (FOR NO KEY UPDATE: household writes, which only
    # share-lock their village's key, go on), so two rebuilds of overlapping areas take turns per village instead
    # of both replacing the same summary rows.
    batch = villages.order_by(Region.code).limit(size).with_for_update(key_share=True)
    codes = list((await session.execute(batch)).scalars())
    if not codes:
        return Chunk(None, 0, total)
    await session.execute(delete(HouseholdStat).where(HouseholdStat.village_code.in_(codes)))
    for statement in summary_inserts(Household.village_code.in_(codes)):
        await session.execute(statement)
    figures = scope.select(
        func.count(func.distinct(HouseholdStat.village_code)),
        func.coalesce(func.sum(HouseholdStat.households), 0),
        func.coalesce(func.sum(HouseholdStat.people), 0),
        area_of=HouseholdStat,
    ).where(HouseholdStat.village_code.in_(codes), HouseholdStat.dimension == "status")
    with_households, households, people = (await session.execute(figures)).one()
    report = {
        "villages": len(codes),
        "villages_with_households": int(with_households),
        "households": int(households),
        "people": int(people),
    }
    return Chunk(codes[-1] if len(codes) == size else None, len(codes), total, report)


STATS_REBUILD = register(
    JobKind(KIND, run_chunk, "Recompute the per-village household summary of an area from the register")
)
