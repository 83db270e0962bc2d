"""HTTP routes of households: list, create, read, update, status. Thin wrappers around the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from fupin.adjustments.http import PENDING_ACCEPTED, pending_accepted
from fupin.audit import trail
from fupin.audit.schemas import AuditPage, TrailQuery
from fupin.authz.deps import HouseholdReader, HouseholdTransitioner, HouseholdWriter, MayOverrideLocks
from fupin.authz.policy import require_personal_data
from fupin.core.concurrency import IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.departments.field import sees_health
from fupin.households import presenters, service, workflow
from fupin.households import repository as repo
from fupin.households.listing import HouseholdFilters, page_json
from fupin.households.schemas import (
    HouseholdCreate,
    HouseholdListQuery,
    HouseholdOut,
    HouseholdPage,
    HouseholdUpdate,
    StatusChangeOut,
    StatusHistory,
    StatusTransitionIn,
)

router = APIRouter(prefix="/api/v1/households", tags=["households"])

CREATE_LINKS = {
    "GetHousehold": {"operationId": "households-get", "parameters": {"household_id": "$response.body#/id"}},
    "UpdateHousehold": {
        "operationId": "households-update",
        "parameters": {"household_id": "$response.body#/id"},
    },
    "ListMembers": {"operationId": "members-list", "parameters": {"household_id": "$response.body#/id"}},
}


list_query, LIST_QUERY_DOCS = query_model(HouseholdListQuery)


@router.get(
    "",
    response_model=HouseholdPage,
    operation_id="households-list",
    responses=problems(403, 404),
    openapi_extra=LIST_QUERY_DOCS,
)
async def list_households(
    read: ReadDb, principal: HouseholdReader, params: Annotated[HouseholdListQuery, Depends(list_query)]
) -> Response:
    """Households in the caller's area, filtered, in keyset pages (`next_cursor`)."""
    scope = principal.scope.narrowed_to(params.region)  # a wider region just narrows to the area
    if params.member_health:
        require_personal_data(principal, "按健康状况筛选")
    filters = HouseholdFilters(
        status=params.status,
        attribute=params.attribute,
        main_cause=params.main_cause,
        identified_year=params.identified_year,
        exit_year=params.exit_year,
        q=params.q,
        member_health=params.member_health,
        member_labour=params.member_labour,
    )
    body = await page_json(
        read,
        scope,
        filters,
        sort=params.sort,
        limit=params.limit,
        cursor=params.cursor,
        include_total=params.include_total,
    )
    return Response(body, media_type="application/json")


@router.post(
    "",
    response_model=HouseholdOut,
    status_code=201,
    operation_id="households-create",
    responses={**problems(*WRITE), 201: {"description": "Created", "links": CREATE_LINKS}},
)
async def create_household(
    body: HouseholdCreate, session: DbSession, principal: HouseholdWriter, response: Response
) -> HouseholdOut:
    household = await service.create_household(session, principal, body)
    response.headers["Location"] = f"/api/v1/households/{household.public_id}"
    response.headers["ETag"] = etag(household.version)
    return await presenters.household_out(session, principal, household)


@router.get(
    "/{household_id}",
    response_model=HouseholdOut,
    operation_id="households-get",
    responses=problems(403, 404),
)
async def get_household(
    household_id: uuid.UUID, session: DbSession, principal: HouseholdReader, response: Response
) -> HouseholdOut:
    household = await repo.get_household(session, principal.scope, household_id)
    await presenters.record_personal_data_read(session, principal, household, what="household")
    response.headers["ETag"] = etag(household.version)
    return await presenters.household_out(session, principal, household)


@router.patch(
    "/{household_id}",
    response_model=HouseholdOut,
    operation_id="households-update",
    responses={**problems(*UPDATE), **PENDING_ACCEPTED},
)
async def update_household(
    household_id: uuid.UUID,
    body: HouseholdUpdate,
    session: DbSession,
    principal: HouseholdWriter,
    may_override: MayOverrideLocks,
    response: Response,
    if_match: IfMatchRequired = None,
) -> HouseholdOut | Response:
    """Change the fields sent. A locked field (attribute, identification_standard) outside the adjustment window
    (年度调整) is kept as a pending change: 202 `{pending_change}` with its Location, the other fields applied."""
    outcome = await service.change_household(
        session,
        principal,
        household_id=household_id,
        expected_version=parse_if_match(if_match),
        data=body,
        may_override=may_override,
    )
    if outcome.pending is not None:
        return pending_accepted(outcome)
    response.headers["ETag"] = etag(outcome.household.version)
    return await presenters.household_out(session, principal, outcome.household)


@router.post(
    "/{household_id}/status-transitions",
    response_model=HouseholdOut,
    operation_id="households-transition",
    responses={**problems(*UPDATE), **PENDING_ACCEPTED},
)
async def status_transition(
    household_id: uuid.UUID,
    body: StatusTransitionIn,
    session: DbSession,
    principal: HouseholdTransitioner,
    may_override: MayOverrideLocks,
    response: Response,
    if_match: IfMatchRequired = None,
) -> HouseholdOut | Response:
    """Change the status (e.g. 未脱贫 → 已脱贫) with a reason; exits require a passing evaluation. A move to or
    from 已脱贫, 注销 or 返贫 outside the adjustment window is checked, then kept as a pending change (202)."""
    outcome = await workflow.submit_transition(
        session,
        principal,
        household_id=household_id,
        expected_version=parse_if_match(if_match),
        data=body,
        may_override=may_override,
    )
    if outcome.pending is not None:
        return pending_accepted(outcome)
    response.headers["ETag"] = etag(outcome.household.version)
    return await presenters.household_out(session, principal, outcome.household)


@router.get(
    "/{household_id}/status-history",
    response_model=StatusHistory,
    operation_id="households-status-history",
    responses=problems(403, 404),
)
async def status_history(household_id: uuid.UUID, session: DbSession, principal: HouseholdReader) -> StatusHistory:
    household = await repo.get_household(session, principal.scope, household_id)
    rows = await repo.status_changes(session, household)
    return StatusHistory(items=[StatusChangeOut.model_validate(r) for r in rows])


@router.get(
    "/{household_id}/audit-events",
    response_model=AuditPage,
    operation_id="households-audit-events",
    tags=["audit"],
    responses=problems(403, 404),
)
async def household_audit_events(
    household_id: uuid.UUID, session: DbSession, principal: HouseholdReader, params: Annotated[TrailQuery, Query()]
) -> AuditPage:
    """The trail (操作记录) of one household: its members, yearly records and everything attached to it."""
    household = await repo.get_household(session, principal.scope, household_id)
    await presenters.record_personal_data_read(session, principal, household, what="audit_trail")
    return await trail.subject_page(
        session,
        principal,
        subject_id=str(household.public_id),
        after=params.after,
        limit=params.limit,
        health=await sees_health(session, principal),
    )
