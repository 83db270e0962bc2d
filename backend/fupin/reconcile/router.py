"""`POST /api/v1/reconcile`: thin; the body is read by `reconcile.body`, compared by `reconcile.service`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from fupin.authz.deps import ChangesReader
from fupin.core.db import DbSession
from fupin.core.openapi import problems, request_body
from fupin.reconcile import body, service
from fupin.reconcile.schemas import ReconcileIn, ReconcileItem, ReconcileOut, ReconcileStream

router = APIRouter(prefix="/api/v1", tags=["integration"])

STREAM_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"NDJSON bodies only: {text}",
        "schema": {"type": "string"},
    }
    for name, text in (("entity", "households"), ("region_code", "the region reconciled (6, 9 or 12 digits)"))
]


@router.post(
    "/reconcile",
    response_model=ReconcileOut,
    operation_id="reconcile",
    responses=problems(403, 404),
    openapi_extra={
        "parameters": STREAM_PARAMETERS,
        **request_body(
            {"application/json": ReconcileIn, body.NDJSON: ReconcileItem},
            description="JSON: up to 10,000 items. NDJSON: one item per line, any number (a whole county), "
            "with entity and region_code as query parameters.",
        ),
    },
)
async def reconcile(request: Request, session: DbSession, principal: ChangesReader) -> ReconcileOut:
    """Compare the partner's records of a region with ours (within the caller's area): missing here, missing
    there, differing (our version and content hash: docs/integration/content-hash.md). Nothing is written."""
    if body.is_ndjson(request):
        try:
            query = ReconcileStream.model_validate(dict(request.query_params))
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)])
        return await service.reconcile_stream(
            session, principal, region_code=query.region_code, items=body.ndjson_items(request)
        )
    data = await body.json_body(request)
    return await service.reconcile(session, principal, region_code=data.region_code, items=data.items)
