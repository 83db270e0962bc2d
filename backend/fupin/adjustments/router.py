"""HTTP routes of the adjustment window (年度调整) and its pending changes. Thin wrappers around the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from fupin.adjustments import service
from fupin.adjustments.schemas import (
    CancelIn,
    PendingChangeOut,
    PendingChangePage,
    PendingChangesQuery,
    WindowIn,
    WindowList,
    WindowOut,
    WindowUpdate,
)
from fupin.authz.deps import AdjustmentManager, HouseholdReader, HouseholdWriter, ManagesAdjustments
from fupin.core.concurrency import IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.jobs.router import ACCEPTED
from fupin.jobs.schemas import JobOut
from fupin.jobs.service import job_out

router = APIRouter(prefix="/api/v1", tags=["adjustments"])
pending_query, PENDING_QUERY_DOCS = query_model(PendingChangesQuery)


@router.get(
    "/adjustment-windows",
    response_model=WindowList,
    operation_id="adjustment-windows-list",
    responses=problems(403),
)
async def list_windows(session: DbSession, principal: HouseholdReader) -> WindowList:
    """The adjustment windows (年度调整期) that cover the caller's area, and those of its parts."""
    return await service.list_windows(session, principal)


@router.post(
    "/adjustment-windows",
    response_model=WindowOut,
    status_code=201,
    operation_id="adjustment-windows-create",
    responses=problems(*WRITE),
)
async def create_window(
    body: WindowIn, session: DbSession, principal: AdjustmentManager, response: Response
) -> WindowOut:
    """A window for the caller's area. Windows of nested areas may not overlap (409). A window open today queues
    the adjustments.apply job at once (`apply_job_id`)."""
    window, job = await service.create_window(session, principal, body)
    response.headers["Location"] = f"/api/v1/adjustment-windows/{window.public_id}"
    response.headers["ETag"] = etag(window.version)
    return service.window_out(window, job=job)


@router.patch(
    "/adjustment-windows/{window_id}",
    response_model=WindowOut,
    operation_id="adjustment-windows-update",
    responses=problems(*UPDATE),
)
async def update_window(
    window_id: uuid.UUID,
    body: WindowUpdate,
    session: DbSession,
    principal: AdjustmentManager,
    response: Response,
    if_match: IfMatchRequired = None,
) -> WindowOut:
    """Change a window of the caller's area; moved to be open today, it queues the adjustments.apply job."""
    window, job = await service.update_window(
        session, principal, window_id=window_id, expected_version=parse_if_match(if_match), data=body
    )
    response.headers["ETag"] = etag(window.version)
    return service.window_out(window, job=job)


@router.post(
    "/adjustment-windows/{window_id}/apply",
    response_model=JobOut,
    status_code=202,
    operation_id="adjustment-windows-apply",
    responses={**problems(403, 404, 409), **ACCEPTED},
)
async def apply_window(
    window_id: uuid.UUID, session: DbSession, principal: AdjustmentManager, response: Response
) -> JobOut:
    """Apply the pending changes of the window's area now, as a job (202 + Location); only while it is open."""
    job = await service.apply_window(session, principal, window_id=window_id)
    response.headers["Location"] = f"/api/v1/jobs/{job.public_id}"
    return job_out(job)


@router.get(
    "/pending-changes",
    response_model=PendingChangePage,
    operation_id="pending-changes-list",
    responses=problems(403),
    openapi_extra=PENDING_QUERY_DOCS,
)
async def list_pending(
    read: ReadDb, principal: HouseholdReader, params: Annotated[PendingChangesQuery, Depends(pending_query)]
) -> Response:
    """Pending changes (待年度调整) of the caller's area, newest first, in keyset pages."""
    return Response(await service.page_json(read, principal, params), media_type="application/json")


@router.get(
    "/pending-changes/{change_id}",
    response_model=PendingChangeOut,
    operation_id="pending-changes-get",
    responses=problems(403, 404),
)
async def get_pending(change_id: uuid.UUID, session: DbSession, principal: HouseholdReader) -> PendingChangeOut:
    return await service.get_pending(session, principal, change_id)


@router.post(
    "/pending-changes/{change_id}/cancel",
    response_model=PendingChangeOut,
    operation_id="pending-changes-cancel",
    responses=problems(403, 404, 409),
)
async def cancel_pending(
    change_id: uuid.UUID,
    body: CancelIn,
    session: DbSession,
    principal: HouseholdWriter,
    any_requester: ManagesAdjustments,
) -> PendingChangeOut:
    """Cancel a pending change (its requester or an adjustments manager); only a pending one (else 409)."""
    return await service.cancel_pending(
        session, principal, change_id=change_id, reason=body.reason, any_requester=any_requester
    )
