"""HTTP routes of projects (扶贫项目库): list, export, declare, read, update, stage transitions, the step history,
the project's audit trail and the overview counts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from fupin.audit import trail
from fupin.audit.schemas import AuditPage, TrailQuery
from fupin.authz.deps import ProjectReader, ProjectStepper, ProjectWriter
from fupin.core.concurrency import IfMatch, IfMatchRequired, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb, ReadSnapshots
from fupin.departments.field import sees_health
from fupin.exports.router import export_responses, streamed
from fupin.projects import evidence as _evidence  # noqa: F401  (projects own evidence files)
from fupin.projects import export as project_export
from fupin.projects import listing, service, workflow
from fupin.projects.models import Project
from fupin.projects.schemas import (
    OverviewQuery,
    ProjectCreate,
    ProjectExportQuery,
    ProjectListQuery,
    ProjectOut,
    ProjectOverview,
    ProjectPage,
    ProjectSteps,
    ProjectTransitionIn,
    ProjectUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["projects"])
JSON = "application/json"
list_query, LIST_QUERY_DOCS = query_model(ProjectListQuery)
export_query, EXPORT_QUERY_DOCS = query_model(ProjectExportQuery)
overview_query, OVERVIEW_QUERY_DOCS = query_model(OverviewQuery)
LINKS = {
    "GetProject": {"operationId": "projects-get", "parameters": {"project_id": "$response.body#/id"}},
    "UpdateProject": {"operationId": "projects-update", "parameters": {"project_id": "$response.body#/id"}},
    "TransitionProject": {"operationId": "projects-transition", "parameters": {"project_id": "$response.body#/id"}},
}


async def _out(session: DbSession, response: Response, project: Project) -> ProjectOut:
    await session.flush()  # the version the answer names is the one committed
    response.headers["ETag"] = etag(project.version)
    return await service.project_out(session, project)


@router.get(
    "/projects",
    response_model=ProjectPage,
    operation_id="projects-list",
    responses=problems(403, 404),
    openapi_extra=LIST_QUERY_DOCS,
)
async def list_projects(
    read: ReadDb, principal: ProjectReader, params: Annotated[ProjectListQuery, Depends(list_query)]
) -> Response:
    """Projects of the caller's area (lying within it), newest first, filtered, in keyset pages (`next_cursor`);
    each row with its allocated and disbursed funds."""
    scope = principal.scope.narrowed_to(params.region)
    body = await listing.page_json(
        read, scope, params, limit=params.limit, cursor=params.cursor, include_total=params.include_total
    )
    return Response(body, media_type=JSON)


@router.get(
    "/projects/export",
    operation_id="projects-export",
    response_class=StreamingResponse,
    responses=export_responses("The file, streamed (one row per project; NDJSON: one ProjectRow per line)"),
    openapi_extra=EXPORT_QUERY_DOCS,
)
async def export_projects(
    request: Request,
    session: DbSession,
    snapshots: ReadSnapshots,
    principal: ProjectReader,
    params: Annotated[ProjectExportQuery, Depends(export_query)],
) -> StreamingResponse:
    """The projects of the caller's area with the list's filters as CSV (UTF-8 with BOM, or GB18030), XLSX or
    NDJSON, from one snapshot whose change-feed position is `X-Fupin-Changes-Position`; audited
    (`export.created`). Over `export_direct_limit` rows: 413 `export.too_large`."""
    export = await project_export.direct(
        session, snapshots, principal, query=params, limit=request.app.state.settings.export_direct_limit
    )
    return streamed(export)


@router.post(
    "/projects",
    response_model=ProjectOut,
    status_code=201,
    operation_id="projects-create",
    responses={**problems(*WRITE), 201: {"description": "Created", "links": LINKS}},
)
async def create_project(
    body: ProjectCreate, session: DbSession, principal: ProjectWriter, response: Response
) -> ProjectOut:
    """Declare a project (申报) for regions of one county within the caller's area (a department: of its field
    only). Its county and area follow from the regions."""
    project = await service.create_project(session, principal, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project.public_id}"
    return await _out(session, response, project)


@router.get(
    "/projects/{project_id}",
    response_model=ProjectOut,
    operation_id="projects-get",
    responses=problems(403, 404),
)
async def get_project(
    project_id: uuid.UUID, session: DbSession, principal: ProjectReader, response: Response
) -> ProjectOut:
    project = await service.read_project(session, principal, project_id=project_id)
    response.headers["ETag"] = etag(project.version)
    return await service.project_out(session, project)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectOut,
    operation_id="projects-update",
    responses=problems(*UPDATE),
)
async def update_project(
    project_id: uuid.UUID,
    body: ProjectUpdate,
    session: DbSession,
    principal: ProjectWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> ProjectOut:
    """Change a project's fields (If-Match) until it is completed or removed (409 `project.closed`)."""
    project = await service.update_project(
        session, principal, project_id=project_id, expected_version=parse_if_match(if_match), data=body
    )
    return await _out(session, response, project)


@router.post(
    "/projects/{project_id}/transitions",
    response_model=ProjectOut,
    operation_id="projects-transition",
    responses=problems(*UPDATE),
)
async def transition_project(
    project_id: uuid.UUID,
    body: ProjectTransitionIn,
    session: DbSession,
    principal: ProjectStepper,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectOut:
    """Move the project to the next library stage (or remove it, with a reason). A move the table lacks is 409
    `project.transition_not_allowed` with the allowed ones in `allowed`; a caller who may not make the step is 403
    `projects.step_not_allowed`. If-Match is checked when sent."""
    project = await workflow.transition(
        session,
        principal,
        project_id=project_id,
        expected_version=parse_if_match(if_match, required=False) if if_match_sent(if_match) else None,
        data=body,
    )
    return await _out(session, response, project)


@router.get(
    "/projects/{project_id}/steps",
    response_model=ProjectSteps,
    operation_id="projects-steps",
    responses=problems(403, 404),
)
async def project_steps(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> ProjectSteps:
    """The step history of the project, oldest first; the declaration (申报) is the first, from_stage null."""
    return ProjectSteps(items=await workflow.steps(session, principal, project_id=project_id))


@router.get(
    "/projects/{project_id}/audit-events",
    response_model=AuditPage,
    operation_id="projects-audit-events",
    tags=["audit"],
    responses=problems(403, 404),
)
async def project_audit_events(
    project_id: uuid.UUID, session: DbSession, principal: ProjectReader, params: Annotated[TrailQuery, Query()]
) -> AuditPage:
    """The trail (操作记录) of one project: its own changes and those of everything attached to it."""
    project = await service.read_project(session, principal, project_id=project_id)
    return await trail.subject_page(
        session,
        principal,
        subject_id=str(project.public_id),
        after=params.after,
        limit=params.limit,
        health=await sees_health(session, principal),
    )


@router.get(
    "/project-overview",
    response_model=ProjectOverview,
    operation_id="projects-overview",
    responses=problems(403, 404),
    openapi_extra=OVERVIEW_QUERY_DOCS,
)
async def project_overview(
    read: ReadDb, principal: ProjectReader, params: Annotated[OverviewQuery, Depends(overview_query)]
) -> Response:
    """Counts of the projects of the caller's area (or of `region`, lying within it): by category, by stage, by
    health and by category × health (项目总览)."""
    scope = principal.scope.narrowed_to(params.region)
    body = ProjectOverview.model_validate(await listing.overview(read, scope, params))
    return Response(body.model_dump_json(), media_type=JSON)
