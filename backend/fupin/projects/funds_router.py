"""HTTP routes of project funds: a project's allocations (资金下达), disbursements (报账) and corrections (冲正),
its fund figures, the fund views per county and per source, and the fund anomaly list (资金异常) and its export."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from fupin.authz.deps import FundWriter, ProjectReader
from fupin.core.db import DbSession
from fupin.core.errors import PROBLEM_MEDIA_TYPE
from fupin.core.openapi import WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb, ReadSnapshots
from fupin.exports.router import export_responses, streamed
from fupin.projects import anomalies, fund_views, funds
from fupin.projects.fund_schemas import (
    AllocationIn,
    AllocationList,
    AllocationOut,
    AnomalyExportQuery,
    AnomalyPage,
    AnomalyQuery,
    CountyView,
    CountyViewQuery,
    DisbursementIn,
    DisbursementList,
    DisbursementOut,
    OverdraftProblem,
    ProjectFunds,
    SourceView,
    SourceViewQuery,
)

router = APIRouter(prefix="/api/v1", tags=["funds"])
JSON = "application/json"
county_query, COUNTY_QUERY_DOCS = query_model(CountyViewQuery)
source_query, SOURCE_QUERY_DOCS = query_model(SourceViewQuery)
anomaly_query, ANOMALY_QUERY_DOCS = query_model(AnomalyQuery)
export_query, EXPORT_QUERY_DOCS = query_model(AnomalyExportQuery)

OVERDRAFT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": OverdraftProblem,
        "description": "`funds.overdraft`: the payment exceeds the source's allocation (the figures as members); "
        "or `funds.project_removed`",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/OverdraftProblem"}}},
    }
}


@router.get(
    "/projects/{project_id}/allocations",
    response_model=AllocationList,
    operation_id="projects-allocations-list",
    tags=["funds"],
    responses=problems(403, 404),
)
async def list_allocations(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> AllocationList:
    """The project's allocations, oldest first, each with the part its source's disbursements used."""
    return AllocationList(items=await funds.list_allocations(session, principal, project_id=project_id))


@router.post(
    "/projects/{project_id}/allocations",
    response_model=AllocationOut,
    status_code=201,
    operation_id="projects-allocations-create",
    responses=problems(*WRITE),
)
async def create_allocation(
    project_id: uuid.UUID, body: AllocationIn, session: DbSession, principal: FundWriter, response: Response
) -> AllocationOut:
    """Record an allocation (资金下达) with its document. A removed project refuses it (409
    `funds.project_removed`)."""
    out = await funds.create_allocation(session, principal, project_id=project_id, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project_id}/allocations/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/disbursements",
    response_model=DisbursementList,
    operation_id="projects-disbursements-list",
    responses=problems(403, 404),
)
async def list_disbursements(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> DisbursementList:
    """The project's disbursements and corrections, newest paid first."""
    return DisbursementList(items=await funds.list_disbursements(session, principal, project_id=project_id))


@router.post(
    "/projects/{project_id}/disbursements",
    response_model=DisbursementOut,
    status_code=201,
    operation_id="projects-disbursements-create",
    responses={**problems(*WRITE), **OVERDRAFT},
)
async def create_disbursement(
    project_id: uuid.UUID, body: DisbursementIn, session: DbSession, principal: FundWriter, response: Response
) -> DisbursementOut:
    """Record a payment (报账), or with a negative amount and `corrects_id` a correction (冲正). A payment beyond
    the source's allocation is a 409 `funds.overdraft` naming the figures (`allocated`, `disbursed`, `requested`,
    `available`); entries are never edited or deleted."""
    out = await funds.create_disbursement(session, principal, project_id=project_id, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project_id}/disbursements/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/funds",
    response_model=ProjectFunds,
    operation_id="projects-funds",
    responses=problems(403, 404),
)
async def project_funds(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> ProjectFunds:
    """Allocated, disbursed, available, rate and idle (资金闲置) of the project, in all and by source."""
    return await funds.project_funds(session, principal, project_id=project_id)


@router.get(
    "/fund-views/by-county",
    response_model=CountyView,
    operation_id="fund-views-by-county",
    responses=problems(403),
    openapi_extra=COUNTY_QUERY_DOCS,
)
async def view_by_county(
    read: ReadDb, principal: ProjectReader, params: Annotated[CountyViewQuery, Depends(county_query)]
) -> Response:
    """The fund figures of the projects of the caller's area, per county, and their total."""
    return Response(_json(await fund_views.by_county(read, principal.scope, params)), media_type=JSON)


@router.get(
    "/fund-views/by-source",
    response_model=SourceView,
    operation_id="fund-views-by-source",
    responses=problems(403, 404),
    openapi_extra=SOURCE_QUERY_DOCS,
)
async def view_by_source(
    read: ReadDb, principal: ProjectReader, params: Annotated[SourceViewQuery, Depends(source_query)]
) -> Response:
    """The fund figures of the projects of the caller's area (narrowed to `region_code`), per source."""
    scope = principal.scope.narrowed_to(params.region_code)
    return Response(_json(await fund_views.by_source(read, scope, params)), media_type=JSON)


@router.get(
    "/fund-anomalies",
    response_model=AnomalyPage,
    operation_id="fund-anomalies-list",
    responses=problems(403, 404),
    openapi_extra=ANOMALY_QUERY_DOCS,
)
async def list_anomalies(
    read: ReadDb, principal: ProjectReader, params: Annotated[AnomalyQuery, Depends(anomaly_query)]
) -> Response:
    """Fund anomalies (资金异常) of the projects of the caller's area, by kind (the code table's order), in keyset
    pages (`next_cursor`)."""
    scope = principal.scope.narrowed_to(params.region_code)
    body = await anomalies.page_json(read, scope, params, limit=params.limit, cursor=params.cursor)
    return Response(body, media_type=JSON)


@router.get(
    "/fund-anomalies/export",
    operation_id="fund-anomalies-export",
    response_class=StreamingResponse,
    responses=export_responses("The file (one row per anomaly)"),
    openapi_extra=EXPORT_QUERY_DOCS,
)
async def export_anomalies(
    request: Request,
    session: DbSession,
    snapshots: ReadSnapshots,
    principal: ProjectReader,
    params: Annotated[AnomalyExportQuery, Depends(export_query)],
) -> StreamingResponse:
    """The anomalies with the list's filters as CSV (UTF-8 with BOM, or GB18030) or XLSX, Chinese headers, from one
    snapshot; audited (`export.created`). Over `export_direct_limit` rows: 413 `export.too_large`."""
    export = await anomalies.direct(
        session, snapshots, principal, query=params, limit=request.app.state.settings.export_direct_limit
    )
    return streamed(export)


def _json(value: object) -> bytes:
    from pydantic_core import to_json

    return to_json(value)
