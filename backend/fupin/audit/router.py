"""Read side of the audit trail and the change feed (a household's own trail is served by the households router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fupin.audit import trail
from fupin.audit.schemas import AuditPage, AuditQuery, ChangePage, ChangesQuery
from fupin.authz.deps import AuditReader, ChangesReader
from fupin.core.db import DbSession
from fupin.core.openapi import problems

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit-events", response_model=AuditPage, operation_id="audit-events-list", responses=problems(403))
async def list_audit_events(
    session: DbSession, principal: AuditReader, params: Annotated[AuditQuery, Query()]
) -> AuditPage:
    """The audit trail (discipline/audit role and admins), oldest first from `after`."""
    return await trail.events_page(session, principal, params)


@router.get(
    "/changes",
    response_model=ChangePage,
    operation_id="changes-list",
    tags=["integration"],
    responses=problems(403),
)
async def list_changes(
    session: DbSession, principal: ChangesReader, params: Annotated[ChangesQuery, Query()]
) -> ChangePage:
    """Committed changes in commit order, without gaps, limited to the caller's area."""
    return await trail.changes_page(session, principal, after=params.after, limit=params.limit)
