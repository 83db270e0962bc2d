"""HTTP routes of the failure views (帮扶短板): seven read-only lists of the caller's area and their files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.deps import CadreReader, MeasureReader
from fupin.authz.principal import Principal
from fupin.core.db import DbSession
from fupin.core.openapi import problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb, ReadSnapshots
from fupin.departments.field import sees_health
from fupin.exports.router import FILE_CONTENT, FILE_HEADERS, POSITION_HEADER
from fupin.views import schemas as s
from fupin.views import service
from fupin.views.service import VIEWS

router = APIRouter(prefix="/api/v1/views", tags=["views"])
JSON = "application/json"
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file (one row per line of the view)",
        "content": {k: v for k, v in FILE_CONTENT.items() if "ndjson" not in k},
        "headers": {**FILE_HEADERS, "X-Fupin-Export-Rows": {"description": "Rows", "schema": {"type": "integer"}}},
    },
    **problems(403, 404, 413),
}

Lister = Callable[..., Awaitable[bytes]]


def _export_response(export: service.ViewExport) -> StreamingResponse:
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


def _register(
    name: str,
    *,
    reader: Any,
    query: type[BaseModel],
    export_query: type[BaseModel],
    page: type[BaseModel],
    lister: Lister,
    summary: str,
    health_aware: bool = False,
) -> None:
    """The list `GET /views/<name>` and its file `GET /views/<name>/export` (operation ids `views-<name>` and
    `views-<name>-export`), both from the caller's scope narrowed to `region` (outside it: 404)."""
    parse, docs = query_model(query)
    parse_export, export_docs = query_model(export_query)
    view = VIEWS[name]

    async def list_view(read: ReadDb, principal: Principal, params: Any) -> Response:
        scope = principal.scope.narrowed_to(params.region)
        return Response(await lister(read, scope, params), media_type=JSON)

    async def list_view_health(read: ReadDb, principal: Principal, params: Any, session: AsyncSession) -> Response:
        scope = principal.scope.narrowed_to(params.region)
        health = await sees_health(session, principal)
        return Response(await lister(read, scope, params, health=health), media_type=JSON)

    async def export_view(
        request: Request, session: DbSession, snapshots: ReadSnapshots, principal: Principal, params: Any
    ) -> StreamingResponse:
        export = await service.export(
            session,
            snapshots,
            principal,
            view=view,
            query=params,
            limit=request.app.state.settings.export_direct_limit,
            health=await sees_health(session, principal),
        )
        return _export_response(export)

    route: Callable[..., Awaitable[Response]] = list_view_health if health_aware else list_view
    route.__annotations__ = {
        "read": ReadDb,
        "principal": reader,
        "params": Annotated[query, Depends(parse)],
        **({"session": DbSession} if health_aware else {}),
        "return": Response,
    }
    export_view.__annotations__ = {
        "request": Request,
        "session": DbSession,
        "snapshots": ReadSnapshots,
        "principal": reader,
        "params": Annotated[export_query, Depends(parse_export)],
        "return": StreamingResponse,
    }
    route.__name__ = f"view_{name.replace('-', '_')}"
    export_view.__name__ = f"export_{name.replace('-', '_')}"
    route.__doc__ = summary
    export_view.__doc__ = (
        f"{summary.splitlines()[0]} — as XLSX (default) or CSV (UTF-8 with BOM, or GB18030), every row, read in "
        "one snapshot whose change-feed position is `X-Fupin-Changes-Position`; audited (`export.created`). Over "
        "`export_direct_limit` rows: 413 `export.too_large`."
    )
    router.add_api_route(
        f"/{name}/export",
        export_view,
        methods=["GET"],
        operation_id=f"views-{name}-export",
        response_class=StreamingResponse,
        responses=EXPORT_RESPONSES,
        openapi_extra=export_docs,
    )
    router.add_api_route(
        f"/{name}",
        route,
        methods=["GET"],
        operation_id=f"views-{name}",
        response_model=page,
        responses=problems(403, 404),
        openapi_extra=docs,
    )


_register(
    "households-without-measures",
    reader=MeasureReader,
    query=s.WithoutMeasuresQuery,
    export_query=s.WithoutMeasuresExport,
    page=s.WithoutMeasuresPage,
    lister=service.without_measures,
    summary="Registered households (not 注销, not 已脱贫(不再享受政策)) with no measure of the year that is not "
    "cancelled, newest first, keyset pages.",
)
_register(
    "households-not-visited",
    reader=CadreReader,
    query=s.NotVisitedQuery,
    export_query=s.NotVisitedExport,
    page=s.NotVisitedPage,
    lister=service.not_visited,
    summary="Registered households with no visit in the last `days` days (today included; never visited too), "
    "with their last visit and current paired cadre, newest first, keyset pages.",
)
_register(
    "households-never-visited-by-first-secretary",
    reader=CadreReader,
    query=s.NeverVisitedQuery,
    export_query=s.NeverVisitedExport,
    page=s.NeverVisitedPage,
    lister=service.never_visited,
    summary="Registered households their village's current first secretary never visited, naming the secretary; "
    "households of villages without a current first secretary are listed with none.",
)
_register(
    "residency-shortfall",
    reader=CadreReader,
    query=s.ResidencyQuery,
    export_query=s.ResidencyExport,
    page=s.ResidencyPage,
    lister=service.residency,
    summary="First secretaries and work-team members (their village assignments held in the year) whose counted "
    "days (present + official duty) are under 200 pro rata to today (a past year: 200).",
)
_register(
    "measures-overdue",
    reader=MeasureReader,
    query=s.OverdueQuery,
    export_query=s.OverdueExport,
    page=s.OverduePage,
    lister=service.overdue,
    summary="Measures planned before today that are neither done nor cancelled, the longest overdue first; a health "
    "measure's content is withheld (null) from a caller who may not see health details.",
    health_aware=True,
)
_register(
    "measure-coverage",
    reader=MeasureReader,
    query=s.CoverageQuery,
    export_query=s.CoverageExport,
    page=s.CoveragePage,
    lister=service.coverage,
    summary="Per village: registered households, those with a measure of the year, measures per type and the "
    "coverage rate; villages by code, offset pages.",
)
_register(
    "department-workload",
    reader=MeasureReader,
    query=s.WorkloadQuery,
    export_query=s.WorkloadExport,
    page=s.WorkloadPage,
    lister=service.workload,
    summary="Per responsible department: measures of the year by status, their amount (not cancelled) and the "
    "households they reach.",
)
