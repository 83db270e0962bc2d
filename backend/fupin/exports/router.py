"""Routes of exports: the direct household export, export jobs, and the download of a job's file. Included before
the households router, so `/households/export` is not taken for a household id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from fupin.authz.deps import HouseholdReader, holds
from fupin.authz.roles import Permission
from fupin.core.db import DbSession
from fupin.core.errors import ProblemError
from fupin.core.openapi import problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb, ReadSnapshots
from fupin.exports import files, jobs, service
from fupin.exports.schemas import ExportCreate, HouseholdExportQuery
from fupin.exports.writers import MEDIA_TYPES
from fupin.jobs.router import ACCEPTED
from fupin.jobs.schemas import JobOut
from fupin.jobs.service import job_out

router = APIRouter(prefix="/api/v1", tags=["exports"])
export_query, EXPORT_QUERY_DOCS = query_model(HouseholdExportQuery)
FollowsJobs = Annotated[bool, Depends(holds(Permission.JOBS_READ))]

POSITION_HEADER = "X-Fupin-Changes-Position"
FILE_HEADERS = {
    "Content-Disposition": {
        "description": "attachment; filename=\"households-YYYYMMDD.csv\"; filename*=UTF-8''<the Chinese name>",
        "schema": {"type": "string"},
    },
    POSITION_HEADER: {
        "description": "The change-feed position of the export's snapshot: continue with /api/v1/changes?after=",
        "schema": {"type": "string"},
    },
}
FILE_CONTENT: dict[str, Any] = {
    "text/csv": {"schema": {"type": "string"}},
    MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    "application/x-ndjson": {"schema": {"type": "string"}},
}


def export_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a list's direct export (`GET /<list>/export`)."""
    return {
        200: {
            "description": description,
            "content": FILE_CONTENT,
            "headers": {
                **FILE_HEADERS,
                "X-Fupin-Export-Rows": {"description": "Rows in the file", "schema": {"type": "integer"}},
            },
        },
        **problems(403, 404, 413),
    }


def streamed(export: service.DirectExport) -> StreamingResponse:
    """A direct export as the response: the file streamed from its snapshot, with its feed position and size."""
    return StreamingResponse(
        export.body,
        media_type=export.media_type,
        headers={
            "Content-Disposition": export.disposition,
            POSITION_HEADER: export.position,
            "X-Fupin-Export-Rows": str(export.rows),
            "X-Fupin-Export-Id": export.id,
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/households/export",
    operation_id="households-export",
    tags=["households"],
    response_class=StreamingResponse,
    responses=export_responses("The file, streamed (one row per active member; NDJSON: one household per line)"),
    openapi_extra=EXPORT_QUERY_DOCS,
)
async def export_households(
    request: Request,
    session: DbSession,
    snapshots: ReadSnapshots,
    principal: HouseholdReader,
    params: Annotated[HouseholdExportQuery, Depends(export_query)],
) -> StreamingResponse:
    """The households of the caller's area with the list's filters, as CSV (UTF-8 with BOM, or GB18030), XLSX or
    NDJSON, masked as the caller's personal-data permission says, from one snapshot whose change-feed position is
    the `X-Fupin-Changes-Position` header. Over `export_direct_limit` rows: 413 `export.too_large` (use
    `POST /api/v1/exports`). Every export is audited (`export.created`)."""
    export = await service.direct(
        session, snapshots, principal, query=params, limit=request.app.state.settings.export_direct_limit
    )
    return streamed(export)


@router.post(
    "/exports",
    response_model=JobOut,
    status_code=202,
    operation_id="exports-create",
    responses={**problems(403, 404), **ACCEPTED},
)
async def create_export(
    body: ExportCreate,
    request: Request,
    session: DbSession,
    principal: HouseholdReader,
    follows_jobs: FollowsJobs,
    response: Response,
) -> JobOut:
    """An export of any size written by a job (kind `export.households`): 202 with `Location: /api/v1/jobs/{id}`;
    when it has succeeded its report has `{rows, file, changes_position, format}` and `file` downloads it."""
    if not follows_jobs:
        raise ProblemError(403, "forbidden", "An export job needs the permission jobs:read to follow it.")
    job = await jobs.submit(session, principal, body=body, settings=request.app.state.settings)
    response.headers["Location"] = f"/api/v1/jobs/{job.public_id}"
    return job_out(job)


@router.get(
    "/jobs/{job_id}/file",
    operation_id="jobs-file",
    tags=["jobs"],
    response_class=FileResponse,
    responses={
        200: {"description": "The export file of a finished job", "content": FILE_CONTENT, "headers": FILE_HEADERS},
        **problems(403, 404, 409),
    },
)
async def job_file(job_id: uuid.UUID, read: ReadDb, session: DbSession, principal: HouseholdReader) -> FileResponse:
    """Download the file an export job wrote (its area's household readers; an unmasked file needs the
    personal-data permission). A job not finished yet is a 409 `job.not_finished`."""
    found = await files.job_file(read, session, principal, job_id=job_id)
    return FileResponse(
        found.path,
        media_type=found.media_type,
        headers={"Content-Disposition": found.disposition, POSITION_HEADER: found.position},
    )
