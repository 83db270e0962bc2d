"""Read side of the audit trail and the change feed (a household's own trail is served by the households router).
Both lists run on the shared read path: no session, no transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from fupin.audit import trail
from fupin.audit.schemas import AuditPage, AuditQuery, ChangePage, ChangesQuery
from fupin.authz.deps import AuditReader, ChangesReader
from fupin.core.openapi import problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb

router = APIRouter(prefix="/api/v1", tags=["audit"])
JSON = "application/json"
audit_query, AUDIT_QUERY_DOCS = query_model(AuditQuery)
changes_query, CHANGES_QUERY_DOCS = query_model(ChangesQuery)


@router.get(
    "/audit-events",
    response_model=AuditPage,
    operation_id="audit-events-list",
    responses=problems(403),
    openapi_extra=AUDIT_QUERY_DOCS,
)
async def list_audit_events(
    read: ReadDb, principal: AuditReader, params: Annotated[AuditQuery, Depends(audit_query)]
) -> Response:
    """The audit trail (discipline/audit role and admins), oldest first from `after`."""
    return Response(await trail.events_json(read, principal, params), media_type=JSON)


@router.get(
    "/changes",
    response_model=ChangePage,
    operation_id="changes-list",
    tags=["integration"],
    responses=problems(400, 403, 410),
    openapi_extra=CHANGES_QUERY_DOCS,
)
async def list_changes(
    read: ReadDb, principal: ChangesReader, params: Annotated[ChangesQuery, Depends(changes_query)]
) -> Response:
    """Committed changes in commit order, without gaps, limited to the caller's area, with tombstones for
    entities that left it (docs/integration/changes.md). Continue from `next_after`; 410 `changes.expired` when
    the position is older than the retention (resync from an export)."""
    return Response(await trail.changes_json(read, principal, after=params.after, limit=params.limit), media_type=JSON)
