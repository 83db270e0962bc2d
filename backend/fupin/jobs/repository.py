"""Queries of jobs. Lists and single reads run on the shared read path (the caller's scope applied there); the
request that changes a job reads it through the caller's scope; workers claim across areas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope, unscoped
from fupin.core.models import UTCDateTime
from fupin.core.readpath import ReadPath, ReadQuery, query_family
from fupin.jobs.models import Job

_COLUMNS = (
    Job.id.label("pk"),
    Job.public_id.label("id"),
    Job.kind,
    Job.state,
    Job.cancel_requested,
    Job.done,
    Job.total,
    Job.owner_type,
    Job.owner_id,
    Job.owner_name,
    Job.region_code,
    Job.created_at,
    Job.started_at,
    Job.finished_at,
    Job.report,
    Job.error,
)
# the attributes of a job its outputs show, besides its ids
FIELDS = tuple(str(c.key) for c in _COLUMNS[2:])
FILTERS = ("state", "kind")


def _list_statement(present: tuple[str, ...], after: bool) -> Select[Any]:
    stmt = select(*_COLUMNS)
    if "state" in present:
        stmt = stmt.where(Job.state == bindparam("state", type_=String()))
    if "kind" in present:
        stmt = stmt.where(Job.kind == bindparam("kind", type_=String()))
    if after:
        stmt = stmt.where(Job.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Job.id.desc()).limit(bindparam("limit", type_=Integer()))


_LIST = query_family("jobs", _list_statement, lambda: Job.region_code)
GET_QUERY = ReadQuery(
    "job-by-id",
    lambda: select(*_COLUMNS).where(Job.public_id == bindparam("id", type_=Uuid())),
    lambda: Job.region_code,
)


async def page(
    read: ReadPath, scope: AreaScope, *, filters: dict[str, str], before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit + 1 jobs of the area, newest first, older than the job `before` (the extra one: there is more)."""
    present = tuple(name for name in FILTERS if name in filters)
    values: dict[str, Any] = {**{name: filters[name] for name in present}, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_LIST(present, before is not None), scope, values)


async def get_row(read: ReadPath, scope: AreaScope, job_id: uuid.UUID) -> dict[str, Any] | None:
    rows = await read.fetch(GET_QUERY, scope, {"id": job_id})
    return rows[0] if rows else None


async def get_for_update(session: AsyncSession, scope: AreaScope, job_id: uuid.UUID) -> Job | None:
    """The job, in the caller's area, locked until the request commits (a worker's chunk waits for it)."""
    stmt = scope.select(Job).where(Job.public_id == job_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def claimable(now: Any) -> Any:
    """Queued jobs, and running jobs whose worker's lease has run out (or was given back)."""
    return or_(
        Job.state == "queued",
        and_(Job.state == "running", or_(Job.lease_until.is_(None), Job.lease_until < now)),
    )


PROBE_QUERY = ReadQuery(
    "jobs-claimable",
    lambda: select(Job.id).where(claimable(bindparam("now", type_=UTCDateTime()))).limit(1),
    None,  # workers serve every area
)


async def any_claimable(read: ReadPath, now: datetime) -> bool:
    """A cheap autocommit look before a worker opens a write transaction (on SQLite that takes the write lock)."""
    return bool(await read.fetch(PROBE_QUERY, None, {"now": now}))


async def claim(session: AsyncSession, *, now: datetime, skip_locked: bool) -> Job | None:
    """The oldest claimable job, locked (PostgreSQL: rows other workers hold are skipped, not waited for)."""
    stmt = (
        select(Job)
        .where(claimable(now))
        .order_by(Job.id)
        .limit(1)
        .execution_options(**unscoped("a worker serves the jobs of every area"))
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def held(session: AsyncSession, pk: int, worker_id: str) -> Job | None:
    """The job if this worker still holds it, locked for the chunk (a cancel request waits, and vice versa)."""
    stmt = (
        select(Job)
        .where(Job.id == pk, Job.worker_id == worker_id, Job.state == "running")
        .with_for_update()
        .execution_options(**unscoped("the worker's own job"), populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
