"""Jobs: list, read, cancel; and the routes that start the jobs of this module's kinds (202 + Location)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from fupin.authz.deps import JobCanceller, JobReader, ManagesJobs, StatsRebuilder
from fupin.core.db import DbSession
from fupin.core.openapi import problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.jobs import service
from fupin.jobs.schemas import JobOut, JobPage, JobsQuery, StatsRebuildIn
from fupin.jobs.stats_rebuild import KIND as STATS_REBUILD

router = APIRouter(prefix="/api/v1", tags=["jobs"])
JSON = "application/json"
jobs_query, JOBS_QUERY_DOCS = query_model(JobsQuery)
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Accepted: the job is queued",
        "headers": {"Location": {"description": "URL of the job", "schema": {"type": "string"}}},
        "links": {
            "job": {"operationId": "jobs-get", "parameters": {"job_id": "$response.body#/id"}},
            "cancel": {"operationId": "jobs-cancel", "parameters": {"job_id": "$response.body#/id"}},
        },
    }
}


@router.get(
    "/jobs",
    response_model=JobPage,
    operation_id="jobs-list",
    responses=problems(403),
    openapi_extra=JOBS_QUERY_DOCS,
)
async def list_jobs(read: ReadDb, principal: JobReader, params: Annotated[JobsQuery, Depends(jobs_query)]) -> Response:
    """Jobs of the caller's area, newest first."""
    return Response(await service.page_json(read, principal, params), media_type=JSON)


@router.get("/jobs/{job_id}", response_model=JobOut, operation_id="jobs-get", responses=problems(403, 404))
async def get_job(job_id: uuid.UUID, read: ReadDb, principal: JobReader) -> Response:
    """A job: its state, progress, and (once finished) report or error."""
    return Response(await service.get_json(read, principal, job_id), media_type=JSON)


@router.post(
    "/jobs/{job_id}/cancel", response_model=JobOut, operation_id="jobs-cancel", responses=problems(403, 404, 409)
)
async def cancel_job(job_id: uuid.UUID, session: DbSession, principal: JobCanceller, any_owner: ManagesJobs) -> JobOut:
    """Cancel a job (its owner or a jobs manager): a queued job at once, a running one at its next chunk boundary
    (`cancel_requested`; what it committed stays and is reported). A finished job is a 409 `job.finished`."""
    job = await service.cancel(session, principal, job_id=job_id, any_owner=any_owner)
    return service.job_out(job)


@router.post(
    "/stats/rebuild",
    response_model=JobOut,
    status_code=202,
    operation_id="stats-rebuild",
    tags=["stats"],
    responses={**problems(403, 404), **ACCEPTED},
)
async def rebuild_stats(
    session: DbSession, principal: StatsRebuilder, response: Response, body: StatsRebuildIn | None = None
) -> JobOut:
    """Recompute the per-village household summary of the caller's area (or a part of it) from the register, as a
    job: 202 with `Location: /api/v1/jobs/{id}`."""
    body = body or StatsRebuildIn()
    scope = principal.scope.narrowed_to(body.region_code)
    job = await service.submit(
        session,
        principal,
        kind=STATS_REBUILD,
        params={"chunk_villages": body.chunk_villages},
        scope=scope,
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.public_id}"
    return service.job_out(job)
