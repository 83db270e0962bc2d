"""Jobs from the caller's side: submit, read, cancel. Every state change is audited and enters the change feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.context import Actor
from fupin.core.errors import ProblemError, not_found
from fupin.core.models import utcnow
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath
from fupin.jobs import repository as repo
from fupin.jobs.models import FINISHED, Job
from fupin.jobs.schemas import JobOut, JobsQuery

CURSOR_KIND = "jobs"


def target(job: Job) -> audit.Target:
    return audit.Target("job", str(job.public_id), job.region_code)


async def record(session: AsyncSession, job: Job, *, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    await audit.record_on(session, target(job), actor=actor, action=action, changes={"kind": job.kind, **changes})


async def submit(
    session: AsyncSession, principal: Principal, *, kind: str, params: dict[str, Any], scope: AreaScope
) -> Job:
    """Queue a job of `kind` owned by the caller, in `scope` (the caller's area or a part of it)."""
    actor = principal.as_actor()
    job = Job(
        kind=kind,
        params=params,
        owner_type=actor.type,
        owner_id=actor.id,
        owner_name=actor.name,
        region_code=scope.region_code,
        state="queued",
        created_at=utcnow(),
    )
    session.add(job)
    await session.flush()
    await record(session, job, actor=actor, action="job.queued", changes={"state": [None, "queued"], "params": params})
    return job


def _rate(done: int, started: datetime | None, finished: datetime | None) -> float | None:
    if started is None:
        return None
    seconds = ((finished or utcnow()) - started).total_seconds()
    return round(done / seconds, 3) if seconds > 0 else None


def out_view(row: dict[str, Any]) -> dict[str, Any]:
    """A job row (read path or record) in the shape of `JobOut`."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "state": row["state"],
        "cancel_requested": row["cancel_requested"],
        "progress": {
            "done": row["done"],
            "total": row["total"],
            "rate": _rate(row["done"], row["started_at"], row["finished_at"]),
        },
        "owner": {"type": row["owner_type"], "id": row["owner_id"], "name": row["owner_name"]},
        "region_code": row["region_code"],
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "report": row["report"],
        "error": row["error"],
    }


def job_out(job: Job) -> JobOut:
    row = {name: getattr(job, name) for name in repo.FIELDS}
    return JobOut.model_validate(out_view({**row, "id": job.public_id}))


async def page_json(read: ReadPath, principal: Principal, query: JobsQuery) -> bytes:
    before = decode_key_cursor(query.cursor, CURSOR_KIND)
    filters = {name: value for name in repo.FILTERS if (value := getattr(query, name)) is not None}
    rows = await repo.page(read, principal.scope, filters=filters, before=before, limit=query.limit)
    items, next_cursor = key_page(rows, query.limit, CURSOR_KIND)
    return to_json({"items": [out_view(row) for row in items], "next_cursor": next_cursor})


async def get_json(read: ReadPath, principal: Principal, job_id: uuid.UUID) -> bytes:
    row = await repo.get_row(read, principal.scope, job_id)
    if row is None:
        raise not_found("job")
    return to_json(out_view(row))


def owns(principal: Principal, job: Job) -> bool:
    return job.owner_type == principal.kind and job.owner_id == principal.public_id


async def cancel(session: AsyncSession, principal: Principal, *, job_id: uuid.UUID, any_owner: bool) -> Job:
    """A queued job is cancelled at once; a running one stops at its next chunk boundary (what its chunks committed
    stays, and is reported). Its owner may cancel it, or anyone with `any_owner` (authz: jobs:manage) in its area;
    a finished job is a 409."""
    job = await repo.get_for_update(session, principal.scope, job_id)
    if job is None:
        raise not_found("job")
    if not (any_owner or owns(principal, job)):
        raise ProblemError(403, "job.not_owner", "Only the job's owner or a jobs manager may cancel it.")
    if job.state in FINISHED:
        raise ProblemError(409, "job.finished", f"The job has already finished ({job.state}); nothing to cancel.")
    actor = principal.as_actor()
    if job.state == "queued":
        job.state = "cancelled"
        job.finished_at = utcnow()
        await session.flush()
        await record(session, job, actor=actor, action="job.cancelled", changes={"state": ["queued", "cancelled"]})
    elif not job.cancel_requested:
        job.cancel_requested = True
        await session.flush()
        await record(
            session, job, actor=actor, action="job.cancel_requested", changes={"cancel_requested": [False, True]}
        )
    return job
