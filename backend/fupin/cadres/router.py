"""HTTP routes of cadres, assignments, visits and residency days. Thin wrappers around the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from fupin.authz.deps import CadreReader, CadreWriter, HouseholdReader, VisitWriter
from fupin.cadres import service, visits
from fupin.cadres.schemas import (
    AssignmentIn,
    AssignmentList,
    AssignmentOut,
    CadreIn,
    CadreOut,
    CadrePage,
    CadresQuery,
    CadreUpdate,
    HouseholdVisitsQuery,
    ResidencyIn,
    ResidencyOut,
    ResidencyPage,
    ResidencyQuery,
    ResidencyYear,
    ResidencyYearQuery,
    TurnoverOut,
    TurnoverQuery,
    VisitIn,
    VisitOut,
    VisitPage,
    VisitsQuery,
)
from fupin.core.concurrency import IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb

router = APIRouter(prefix="/api/v1", tags=["cadres"])
cadres_query, CADRES_QUERY_DOCS = query_model(CadresQuery)
turnover_query, TURNOVER_QUERY_DOCS = query_model(TurnoverQuery)
visits_query, VISITS_QUERY_DOCS = query_model(VisitsQuery)
household_visits_query, HOUSEHOLD_VISITS_QUERY_DOCS = query_model(HouseholdVisitsQuery)
residency_query, RESIDENCY_QUERY_DOCS = query_model(ResidencyQuery)
residency_year_query, RESIDENCY_YEAR_QUERY_DOCS = query_model(ResidencyYearQuery)
JSON = "application/json"


@router.get(
    "/cadres",
    response_model=CadrePage,
    operation_id="cadres-list",
    responses=problems(403, 404),
    openapi_extra=CADRES_QUERY_DOCS,
)
async def list_cadres(
    read: ReadDb, principal: CadreReader, params: Annotated[CadresQuery, Depends(cadres_query)]
) -> Response:
    """Cadres of the caller's area (ID numbers and phones masked without the personal-data permission), newest
    first, in keyset pages; filters: region, kind, work unit, active."""
    return Response(await service.page_json(read, principal, params), media_type=JSON)


@router.post(
    "/cadres",
    response_model=CadreOut,
    status_code=201,
    operation_id="cadres-create",
    responses=problems(*WRITE),
)
async def create_cadre(body: CadreIn, session: DbSession, principal: CadreWriter, response: Response) -> CadreOut:
    """A cadre (帮扶干部) serving an area within the caller's (default: the caller's area). One per ID number
    (409 `cadre.duplicate_id_number`)."""
    cadre = await service.create_cadre(session, principal, body)
    response.headers["Location"] = f"/api/v1/cadres/{cadre.public_id}"
    response.headers["ETag"] = etag(cadre.version)
    return service.cadre_out(principal, cadre)


@router.get(
    "/cadres/turnover",
    response_model=TurnoverOut,
    operation_id="cadres-turnover",
    responses=problems(403, 404),
    openapi_extra=TURNOVER_QUERY_DOCS,
)
async def cadre_turnover(
    read: ReadDb, principal: CadreReader, params: Annotated[TurnoverQuery, Depends(turnover_query)]
) -> TurnoverOut:
    """Turnover per work unit in a year: assignments of the caller's area held at some time in it, and those that
    ended in it (a reassignment ends the old one)."""
    return await service.turnover(read, principal, params)


@router.get(
    "/cadres/{cadre_id}",
    response_model=CadreOut,
    operation_id="cadres-get",
    responses=problems(403, 404),
)
async def get_cadre(cadre_id: uuid.UUID, session: DbSession, principal: CadreReader, response: Response) -> CadreOut:
    cadre = await service.get_cadre(session, principal, cadre_id)
    response.headers["ETag"] = etag(cadre.version)
    return service.cadre_out(principal, cadre)


@router.patch(
    "/cadres/{cadre_id}",
    response_model=CadreOut,
    operation_id="cadres-update",
    responses=problems(*UPDATE),
)
async def update_cadre(
    cadre_id: uuid.UUID,
    body: CadreUpdate,
    session: DbSession,
    principal: CadreWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> CadreOut:
    """Change a cadre (If-Match: its version). Deactivating one that still holds current assignments is a 409."""
    cadre = await service.update_cadre(
        session, principal, cadre_id=cadre_id, expected_version=parse_if_match(if_match), data=body
    )
    response.headers["ETag"] = etag(cadre.version)
    return service.cadre_out(principal, cadre)


@router.get(
    "/cadres/{cadre_id}/assignments",
    response_model=AssignmentList,
    operation_id="cadres-assignments-list",
    responses=problems(403, 404),
)
async def list_assignments(cadre_id: uuid.UUID, session: DbSession, principal: CadreReader) -> AssignmentList:
    """The cadre's assignments in the caller's area, current first, then ended ones (kept as history)."""
    return await service.assignments_of_cadre(session, principal, cadre_id=cadre_id)


@router.post(
    "/cadres/{cadre_id}/assignments",
    response_model=AssignmentOut,
    status_code=201,
    operation_id="cadres-assignments-create",
    responses=problems(*WRITE),
)
async def create_assignment(
    cadre_id: uuid.UUID, body: AssignmentIn, session: DbSession, principal: CadreWriter
) -> AssignmentOut:
    """Pair a paired cadre with a household (`household_id`), or post a first secretary or work-team member to a
    village (`village_code`). A new current pairing ends the household's current one on its start date (the
    village's first secretary likewise); the old one is kept."""
    assignment = await service.add_assignment(session, principal, cadre_id=cadre_id, data=body)
    return await service.assignment_by_id(session, principal, assignment)


@router.get(
    "/households/{household_id}/cadres",
    response_model=AssignmentList,
    operation_id="households-cadres",
    tags=["households"],
    responses=problems(403, 404),
)
async def household_cadres(household_id: uuid.UUID, session: DbSession, principal: CadreReader) -> AssignmentList:
    """The household's paired cadres (current and past) and its village's first secretaries and work team."""
    return await service.cadres_of_household(session, principal, household_id=household_id)


@router.get(
    "/cadres/{cadre_id}/residency",
    response_model=ResidencyYear,
    operation_id="cadres-residency",
    responses=problems(403, 404),
    openapi_extra=RESIDENCY_YEAR_QUERY_DOCS,
)
async def cadre_residency(
    cadre_id: uuid.UUID,
    session: DbSession,
    principal: CadreReader,
    params: Annotated[ResidencyYearQuery, Depends(residency_year_query)],
) -> ResidencyYear:
    """Residency days of a year by kind; counted = present + official duty; the 200-day requirement pro rata."""
    return await visits.residency_year(session, principal, cadre_id=cadre_id, year=params.year)


@router.get(
    "/visits",
    response_model=VisitPage,
    operation_id="visits-list",
    responses=problems(403, 404),
    openapi_extra=VISITS_QUERY_DOCS,
)
async def list_visits(
    read: ReadDb, principal: HouseholdReader, params: Annotated[VisitsQuery, Depends(visits_query)]
) -> Response:
    """Visits (走访) of the caller's area, newest first, in keyset pages; filters: cadre, household, region, date
    range."""
    return Response(await visits.visits_json(read, principal, params), media_type=JSON)


@router.post(
    "/visits",
    response_model=VisitOut,
    status_code=201,
    operation_id="visits-create",
    responses=problems(*WRITE),
)
async def create_visit(body: VisitIn, session: DbSession, principal: VisitWriter) -> VisitOut:
    """Log a visit. A cadre-linked login logs only its own (403 `visits.not_own_cadre`) and only to households
    assigned to it (403 `visits.not_assigned`). Photos: `POST /api/v1/evidence` with owner_type `visit`."""
    return await visits.create_visit(session, principal, body)


@router.get(
    "/households/{household_id}/visits",
    response_model=VisitPage,
    operation_id="households-visits",
    tags=["households"],
    responses=problems(403, 404),
    openapi_extra=HOUSEHOLD_VISITS_QUERY_DOCS,
)
async def household_visits(
    household_id: uuid.UUID,
    read: ReadDb,
    session: DbSession,
    principal: HouseholdReader,
    params: Annotated[HouseholdVisitsQuery, Depends(household_visits_query)],
) -> Response:
    """The household's visits, newest first."""
    return Response(
        await visits.household_visits_json(read, session, principal, household_id=household_id, query=params),
        media_type=JSON,
    )


@router.get(
    "/residency-days",
    response_model=ResidencyPage,
    operation_id="residency-days-list",
    responses=problems(403, 404),
    openapi_extra=RESIDENCY_QUERY_DOCS,
)
async def list_residency(
    read: ReadDb, principal: CadreReader, params: Annotated[ResidencyQuery, Depends(residency_query)]
) -> Response:
    """Residency days (驻村) of the caller's area, newest first; filters: cadre, region, day range."""
    return Response(await visits.residency_json(read, principal, params), media_type=JSON)


@router.post(
    "/residency-days",
    response_model=ResidencyOut,
    status_code=201,
    operation_id="residency-days-record",
    responses={**problems(*WRITE), 200: {"model": ResidencyOut, "description": "The day was recorded already"}},
)
async def record_residency(
    body: ResidencyIn, session: DbSession, principal: VisitWriter, response: Response
) -> ResidencyOut:
    """One day of a first secretary or work-team member (present, leave with approval, official duty). One record
    per cadre and day: a new day is 201; posting a recorded day again replaces its kind and answers 200 (the
    same kind again changes nothing)."""
    out, created = await visits.record_day(session, principal, body)
    response.status_code = 201 if created else 200
    return out
