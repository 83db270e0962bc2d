"""Dashboard figures for an area, read from the per-village summary the register keeps exact in every write."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.stats import repository as repo
from fupin.stats.schemas import Bucket, PoorVillage, Summary, YearBucket

MAX_POOR_VILLAGES = 500


async def _buckets(session: AsyncSession, scope: AreaScope, dimension: str) -> list[Bucket]:
    rows = await repo.totals_by(session, scope, dimension=dimension)
    return [Bucket(code=code, households=n, people=p) for code, n, p in rows]


async def summary(session: AsyncSession, scope: AreaScope) -> Summary:
    by_status = await _buckets(session, scope, "status")
    exits = await _buckets(session, scope, "exit_year")
    villages = await repo.poor_villages(session, scope, limit=MAX_POOR_VILLAGES)
    return Summary(
        region_code=scope.region_code,
        households=sum(b.households for b in by_status),
        people=sum(b.people for b in by_status),
        by_status=by_status,
        by_attribute=await _buckets(session, scope, "attribute"),
        by_main_cause=await _buckets(session, scope, "main_cause"),
        exits_by_year=sorted(
            (YearBucket(year=int(b.code), households=b.households, people=b.people) for b in exits),
            key=lambda y: y.year,
        ),
        poor_villages=[
            PoorVillage(code=c, name=nm, poverty_exit_year=ey, households=n, not_exited=o)
            for c, nm, ey, n, o in villages
        ],
    )
