"""HTTP routes of evidence files: upload (multipart), an owner's list, download (attachment only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from fupin.authz.deps import EvidenceReader, EvidenceWriter
from fupin.core.db import DbSession
from fupin.core.openapi import problems, request_body
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.evidence import service, storage
from fupin.evidence.schemas import EvidenceOut, EvidencePage, EvidenceQuery, EvidenceUpload

router = APIRouter(prefix="/api/v1", tags=["evidence"])
evidence_query, EVIDENCE_QUERY_DOCS = query_model(EvidenceQuery)
# a download is never rendered by the browser: a file, its sniffed type, no content sniffing, no active content
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=0, no-cache",
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/evidence",
    response_model=EvidenceOut,
    status_code=201,
    operation_id="evidence-upload",
    responses=problems(403, 404, 415, 507),
    openapi_extra=request_body(
        {"multipart/form-data": EvidenceUpload},
        description="The file (field `file`: JPEG, PNG or PDF judged by content, at most `evidence_max_bytes`, "
        "default 20 MB) and the record it belongs to (`owner_type`, `owner_id`).",
    ),
)
async def upload_evidence(
    request: Request, session: DbSession, principal: EvidenceWriter, response: Response
) -> EvidenceOut:
    """Attach a photo or document to a record the caller may change (a visit: its cadre or an office of its
    area). The type is judged by content (415 `evidence.unsupported_type`), the size counted (413
    `evidence.too_large`); the SHA-256 is kept. A full disk answers 507 `evidence.storage_full` and stores
    nothing."""
    settings = request.app.state.settings
    root = settings.evidence_root
    fields, filename, staged = await storage.receive(request, root, settings.evidence_max_bytes)
    try:
        form = service.parse_form(fields)
        evidence = await service.attach(session, principal, form=form, filename=filename, staged=staged, root=root)
    except BaseException:
        staged.discard()
        raise
    response.headers["Location"] = service.download_url(evidence.public_id)
    return service.evidence_out(evidence)


@router.get(
    "/evidence",
    response_model=EvidencePage,
    operation_id="evidence-list",
    responses=problems(403, 404),
    openapi_extra=EVIDENCE_QUERY_DOCS,
)
async def list_evidence(
    read: ReadDb,
    session: DbSession,
    principal: EvidenceReader,
    params: Annotated[EvidenceQuery, Depends(evidence_query)],
) -> Response:
    """The files of one record (`owner_type`, `owner_id`), newest first, in keyset pages; 404 when the record
    is outside the caller's area."""
    return Response(await service.page_json(read, session, principal, params), media_type="application/json")


@router.get(
    "/evidence/{evidence_id}",
    operation_id="evidence-download",
    response_class=Response,
    responses={
        **problems(403, 404),
        200: {
            "description": "The file, as an attachment",
            "content": {"image/jpeg": _BINARY, "image/png": _BINARY, "application/pdf": _BINARY},
        },
    },
)
async def download_evidence(
    evidence_id: uuid.UUID, request: Request, session: DbSession, principal: EvidenceReader
) -> FileResponse:
    """The file, always as an attachment download (never shown inline), with `X-Content-Type-Options: nosniff`
    and the SHA-256 in `Digest`-style header `X-Content-SHA256`."""
    evidence, path = await service.file_of(
        session, principal, evidence_id=evidence_id, root=request.app.state.settings.evidence_root
    )
    return FileResponse(
        path,
        media_type=evidence.content_type,
        filename=evidence.filename,
        content_disposition_type="attachment",
        headers={**DOWNLOAD_HEADERS, "X-Content-SHA256": evidence.sha256},
    )
