"""HTTP routes of assistance measures (帮扶措施): list, export, create, read, update, transitions, the household's
measures, and the scripted access of line departments (by-external upsert, batch)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse

from fupin.authz.deps import MeasureReader, MeasureWriter
from fupin.authz.principal import Principal
from fupin.core.concurrency import IfMatch, IfMatchRequired, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb, ReadSnapshots
from fupin.exports.router import export_responses, streamed
from fupin.households import repository as households
from fupin.measures import evidence as _evidence  # noqa: F401  (measures own evidence files)
from fupin.measures import export as measure_export
from fupin.measures import health, listing, service, upsert
from fupin.measures.schemas import (
    ExternalId,
    HouseholdMeasuresQuery,
    MeasureBatchIn,
    MeasureBatchOut,
    MeasureCreate,
    MeasureExportQuery,
    MeasureFilters,
    MeasureListQuery,
    MeasureOut,
    MeasurePage,
    MeasureTransitionIn,
    MeasureUpdate,
    MeasureUpsert,
    SourceSystem,
)

router = APIRouter(prefix="/api/v1", tags=["measures"])
JSON = "application/json"
list_query, LIST_QUERY_DOCS = query_model(MeasureListQuery)
household_query, HOUSEHOLD_QUERY_DOCS = query_model(HouseholdMeasuresQuery)
export_query, EXPORT_QUERY_DOCS = query_model(MeasureExportQuery)
LINKS = {
    "GetMeasure": {"operationId": "measures-get", "parameters": {"measure_id": "$response.body#/id"}},
    "UpdateMeasure": {"operationId": "measures-update", "parameters": {"measure_id": "$response.body#/id"}},
    "TransitionMeasure": {"operationId": "measures-transition", "parameters": {"measure_id": "$response.body#/id"}},
}


async def _written(
    session: DbSession, principal: Principal, response: Response, written: service.Written
) -> MeasureOut:
    response.headers["ETag"] = etag(written.measure.version)
    return written.out(health_shown=await health.shown(session, principal))


@router.get(
    "/measures",
    response_model=MeasurePage,
    operation_id="measures-list",
    responses=problems(403, 404),
    openapi_extra=LIST_QUERY_DOCS,
)
async def list_measures(
    read: ReadDb,
    session: DbSession,
    principal: MeasureReader,
    params: Annotated[MeasureListQuery, Depends(list_query)],
) -> Response:
    """Measures of the caller's area, newest first, filtered, in keyset pages (`next_cursor`). A health measure
    (健康) comes without `content` and `member_id` to a caller that may not see health details."""
    scope = principal.scope.narrowed_to(params.region)
    body = await listing.page_json(
        read,
        scope,
        params,
        limit=params.limit,
        cursor=params.cursor,
        include_total=params.include_total,
        health_shown=await health.shown(session, principal),
    )
    return Response(body, media_type=JSON)


@router.get(
    "/measures/export",
    operation_id="measures-export",
    response_class=StreamingResponse,
    responses=export_responses("The file, streamed (one row per measure; NDJSON: one MeasureOut per line)"),
    openapi_extra=EXPORT_QUERY_DOCS,
)
async def export_measures(
    request: Request,
    session: DbSession,
    snapshots: ReadSnapshots,
    principal: MeasureReader,
    params: Annotated[MeasureExportQuery, Depends(export_query)],
) -> StreamingResponse:
    """The measures of the caller's area with the list's filters as CSV (UTF-8 with BOM, or GB18030), XLSX or
    NDJSON, from one snapshot whose change-feed position is `X-Fupin-Changes-Position`; audited
    (`export.created`). Over `export_direct_limit` rows: 413 `export.too_large`."""
    export = await measure_export.direct(
        session, snapshots, principal, query=params, limit=request.app.state.settings.export_direct_limit
    )
    return streamed(export)


@router.post(
    "/measures",
    response_model=MeasureOut,
    status_code=201,
    operation_id="measures-create",
    responses={**problems(*WRITE), 201: {"description": "Created", "links": LINKS}},
)
async def create_measure(
    body: MeasureCreate, session: DbSession, principal: MeasureWriter, response: Response
) -> MeasureOut:
    """Record a measure for a household of the caller's area (a department: of its field only)."""
    written = await service.create_measure(session, principal, data=body)
    response.headers["Location"] = f"/api/v1/measures/{written.measure.public_id}"
    return await _written(session, principal, response, written)


@router.post(
    "/measures/batch",
    response_model=MeasureBatchOut,
    operation_id="measures-batch",
    responses=problems(403),
)
async def batch_measures(body: MeasureBatchIn, session: DbSession, principal: MeasureWriter) -> MeasureBatchOut:
    """Up to 1,000 upserts by `(source_system, external_id)`, each on its own like a FHIR batch: the answer has one
    result per item, in order, with the status the item would have had alone (201 created, 200 updated or
    unchanged, 4xx with its problem). A refused item changes nothing; the others are saved."""
    return MeasureBatchOut(results=await upsert.batch(session, principal, items=body.items))


@router.put(
    "/measures/by-external/{source_system}/{external_id}",
    response_model=MeasureOut,
    operation_id="measures-upsert",
    responses={
        **problems(*UPDATE),
        201: {"description": "Created", "model": MeasureOut, "links": LINKS},
    },
)
async def upsert_measure(
    source_system: Annotated[SourceSystem, Path()],
    external_id: Annotated[ExternalId, Path()],
    body: MeasureUpsert,
    session: DbSession,
    principal: MeasureWriter,
    response: Response,
    if_match: IfMatch = None,
) -> MeasureOut:
    """Conditional upsert by the department system's key: 201 when created, 200 when replaced, 200 with the same
    version when identical. If-Match, when sent, must match (412)."""
    written = await upsert.upsert(
        session,
        principal,
        source_system=source_system,
        external_id=external_id,
        expected_version=parse_if_match(if_match, required=False) if if_match_sent(if_match) else None,
        data=body,
    )
    if written.outcome == "created":
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/measures/{written.measure.public_id}"
    return await _written(session, principal, response, written)


@router.get(
    "/measures/{measure_id}",
    response_model=MeasureOut,
    operation_id="measures-get",
    responses=problems(403, 404),
)
async def get_measure(
    measure_id: uuid.UUID, session: DbSession, principal: MeasureReader, response: Response
) -> MeasureOut:
    return await _written(
        session, principal, response, await service.read_measure(session, principal, measure_id=measure_id)
    )


@router.patch(
    "/measures/{measure_id}",
    response_model=MeasureOut,
    operation_id="measures-update",
    responses=problems(*UPDATE),
)
async def update_measure(
    measure_id: uuid.UUID,
    body: MeasureUpdate,
    session: DbSession,
    principal: MeasureWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> MeasureOut:
    written = await service.update_measure(
        session, principal, measure_id=measure_id, expected_version=parse_if_match(if_match), data=body
    )
    return await _written(session, principal, response, written)


@router.post(
    "/measures/{measure_id}/transitions",
    response_model=MeasureOut,
    operation_id="measures-transition",
    responses=problems(*UPDATE),
)
async def transition_measure(
    measure_id: uuid.UUID,
    body: MeasureTransitionIn,
    session: DbSession,
    principal: MeasureWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> MeasureOut:
    """planned → in_progress → done (with `done_on`); planned or in_progress → cancelled (with a `reason`)."""
    written = await service.transition(
        session, principal, measure_id=measure_id, expected_version=parse_if_match(if_match), data=body
    )
    return await _written(session, principal, response, written)


@router.get(
    "/households/{household_id}/measures",
    response_model=MeasurePage,
    operation_id="households-measures",
    tags=["households"],
    responses=problems(403, 404),
    openapi_extra=HOUSEHOLD_QUERY_DOCS,
)
async def household_measures(
    household_id: uuid.UUID,
    session: DbSession,
    read: ReadDb,
    principal: MeasureReader,
    params: Annotated[HouseholdMeasuresQuery, Depends(household_query)],
) -> Response:
    """The measures of one household (一户一策), newest first."""
    household = await households.get_household(session, principal.scope, household_id)
    body = await listing.page_json(
        read,
        principal.scope,
        MeasureFilters(household_id=household.public_id),
        limit=params.limit,
        cursor=params.cursor,
        include_total=False,
        health_shown=await health.shown(session, principal),
    )
    return Response(body, media_type=JSON)
