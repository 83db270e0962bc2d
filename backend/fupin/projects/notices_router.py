"""HTTP routes of a project's public notices (公告公示) and of the notices overdue in the caller's area."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from fupin.authz.deps import ProjectReader, ProjectWriter
from fupin.core.concurrency import IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.projects import notices, notices_render
from fupin.projects.notice_schemas import (
    DocumentQuery,
    NoticeIn,
    NoticeList,
    NoticeOut,
    NoticeUpdate,
    OverdueList,
    OverdueQuery,
)

router = APIRouter(prefix="/api/v1", tags=["projects"])
document_query, DOCUMENT_QUERY_DOCS = query_model(DocumentQuery)
overdue_query, OVERDUE_QUERY_DOCS = query_model(OverdueQuery)
DOCUMENT_MEDIA = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "text/html": {"schema": {"type": "string"}},
}


def _located(response: Response, out: NoticeOut) -> NoticeOut:
    response.headers["ETag"] = etag(out.version)
    return out


@router.get(
    "/projects/{project_id}/notices",
    response_model=NoticeList,
    operation_id="projects-notices-list",
    responses=problems(403, 404),
)
async def list_notices(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> NoticeList:
    """The project's notices (入库公示, 竣工公告, 资金分配公告), oldest first."""
    return NoticeList(items=await notices.list_notices(session, principal, project_id=project_id))


@router.post(
    "/projects/{project_id}/notices",
    response_model=NoticeOut,
    status_code=201,
    operation_id="projects-notices-create",
    responses=problems(*WRITE),
)
async def create_notice(
    project_id: uuid.UUID, body: NoticeIn, session: DbSession, principal: ProjectWriter, response: Response
) -> NoticeOut:
    """Make a notice: its figures are taken from the project now and kept. entry from stage approved on with a
    target, completion at accepted or completed, allocation of one of the project's allocations; one per kind
    (per allocation): a second is 409 `notice.exists`. The display period is at least 10 days."""
    out = await notices.create_notice(session, principal, project_id=project_id, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project_id}/notices/{out.id}"
    return _located(response, out)


@router.patch(
    "/projects/{project_id}/notices/{notice_id}",
    response_model=NoticeOut,
    operation_id="projects-notices-update",
    responses=problems(*UPDATE),
)
async def update_notice(
    project_id: uuid.UUID,
    notice_id: uuid.UUID,
    body: NoticeUpdate,
    session: DbSession,
    principal: ProjectWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> NoticeOut:
    """Record where and when the notice is displayed and the day it was put up (If-Match: its ETag). Publishing an
    allocation notice sets the allocation's published_on."""
    out = await notices.update_notice(
        session,
        principal,
        project_id=project_id,
        notice_id=notice_id,
        expected_version=parse_if_match(if_match),
        data=body,
    )
    return _located(response, out)


@router.get(
    "/projects/{project_id}/notices/{notice_id}/document",
    operation_id="projects-notices-document",
    responses={
        **problems(403, 404, 503),
        200: {"description": "The notice as a PDF file or a printable HTML page", "content": DOCUMENT_MEDIA},
    },
    openapi_extra=DOCUMENT_QUERY_DOCS,
)
async def notice_document(
    project_id: uuid.UUID,
    notice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: ProjectReader,
    params: Annotated[DocumentQuery, Depends(document_query)],
) -> Response:
    """The notice to print: `format=pdf` (default; a file with the CJK font embedded, 503 `notice.font_missing`
    without the font) or `format=html` (a self-contained page). Each document is audited (`export.created`)."""
    project, notice = await notices.read_notice(session, principal, project_id=project_id, notice_id=notice_id)
    doc = notices_render.Document(
        kind=notice.kind,
        figures=dict(notice.figures or {}),
        location=notice.location,
        display_from=notice.display_from,
        display_to=notice.display_to,
        published_on=notice.published_on,
    )
    if params.format == "pdf":
        font = notices_render.font_file(request.app.state.settings.notice_font)
        body = await run_in_threadpool(notices_render.render_pdf, doc, font=font)
        await notices.record_document(session, principal, project=project, notice=notice, format="pdf")
        disposition = notices_render.content_disposition(doc, notice_id=str(notice.public_id))
        return Response(body, media_type="application/pdf", headers={"Content-Disposition": disposition})
    page = notices_render.render_html(doc)
    await notices.record_document(session, principal, project=project, notice=notice, format="html")
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


@router.get(
    "/project-notices/overdue",
    response_model=OverdueList,
    operation_id="project-notices-overdue",
    responses=problems(403, 404),
    openapi_extra=OVERDUE_QUERY_DOCS,
)
async def overdue_notices(
    session: DbSession, principal: ProjectReader, params: Annotated[OverdueQuery, Depends(overdue_query)]
) -> OverdueList:
    """Notices overdue in your area (or in `region_code`, lying within it): allocations not published within 15
    working days (Mon–Fri; public holidays are not modelled), projects in the library without a published entry
    notice, projects completed more than 10 days ago without a published completion notice, published notices
    with no display period recorded."""
    scope = principal.scope.narrowed_to(params.region_code)
    return OverdueList(items=await notices.overdue(session, scope, query=params))
