"""HTTP routes of the household register: thin wrappers around the service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from fupin.authz.deps import CurrentPrincipal
from fupin.authz.roles import Permission
from fupin.authz.scope import contains
from fupin.core.concurrency import IF_MATCH_PATTERN, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.households import repository as repo
from fupin.households import service
from fupin.households.repository import HouseholdFilters
from fupin.households.schemas import (
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    ExitEvaluation,
    ExitEvaluationIn,
    HeadChange,
    HouseholdCreate,
    HouseholdListQuery,
    HouseholdOut,
    HouseholdPage,
    HouseholdUpdate,
    IncomeIn,
    IncomeList,
    IncomeOut,
    MemberAdd,
    MemberList,
    MemberOut,
    MemberUpdate,
    RemoveReason,
    StatusChangeOut,
    StatusHistory,
    StatusTransitionIn,
)

router = APIRouter(prefix="/api/v1/households", tags=["households"])

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='Version ETag you read, e.g. "3"', max_length=40, pattern=IF_MATCH_PATTERN),
]
Year = Annotated[int, Path(ge=2000, le=2100, description="Calendar year")]
HouseholdId = Annotated[uuid.UUID, "household public id"]

CREATE_LINKS = {
    "GetHousehold": {"operationId": "households-get", "parameters": {"household_id": "$response.body#/id"}},
    "UpdateHousehold": {
        "operationId": "households-update",
        "parameters": {"household_id": "$response.body#/id"},
    },
    "ListMembers": {"operationId": "members-list", "parameters": {"household_id": "$response.body#/id"}},
}


def _read(principal: CurrentPrincipal) -> None:
    principal.require(Permission.HOUSEHOLDS_READ)


def _write(principal: CurrentPrincipal) -> None:
    principal.require(Permission.HOUSEHOLDS_WRITE)


@router.get("", response_model=HouseholdPage, operation_id="households-list", responses=problems(403, 404))
async def list_households(
    session: DbSession, principal: CurrentPrincipal, params: Annotated[HouseholdListQuery, Query()]
) -> Response:
    """Households in the caller's area, filtered, in keyset pages (`next_cursor`)."""
    _read(principal)
    if params.region and not (principal.sees(params.region) or contains(params.region, principal.region_code)):
        raise not_found("region")  # disjoint from the caller's area (a wider region just narrows to the area)
    if params.member_health and not principal.pii:
        raise ProblemError(403, "pii_required", "按健康状况筛选需要个人信息权限 (needs the personal-data permission)")
    filters = HouseholdFilters(
        region=params.region,
        status=params.status,
        attribute=params.attribute,
        main_cause=params.main_cause,
        identified_year=params.identified_year,
        exit_year=params.exit_year,
        q=params.q,
        member_health=params.member_health,
        member_labour=params.member_labour,
    )
    rows, next_cursor, total = await repo.list_page(
        session, principal, filters, params.sort, params.limit, params.cursor, params.include_total
    )
    # The hot path: plain dicts go to pydantic-core in one call and are serialised once, not validated twice.
    page = HouseholdPage.model_validate(
        {"items": [row._asdict() for row in rows], "next_cursor": next_cursor, "total": total}
    )
    return Response(page.model_dump_json(), media_type="application/json")


@router.post(
    "",
    response_model=HouseholdOut,
    status_code=201,
    operation_id="households-create",
    responses={**problems(*WRITE), 201: {"description": "Created", "links": CREATE_LINKS}},
)
async def create_household(
    body: HouseholdCreate, session: DbSession, principal: CurrentPrincipal, response: Response
) -> HouseholdOut:
    _write(principal)
    household = await service.create_household(session, principal, body)
    response.headers["Location"] = f"/api/v1/households/{household.public_id}"
    response.headers["ETag"] = etag(household.version)
    return await service.household_out(session, principal, household)


@router.get(
    "/{household_id}",
    response_model=HouseholdOut,
    operation_id="households-get",
    responses=problems(403, 404),
)
async def get_household(
    household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal, response: Response
) -> HouseholdOut:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    await service.audit_personal_data_read(session, principal, household, "household")
    response.headers["ETag"] = etag(household.version)
    return await service.household_out(session, principal, household)


@router.patch(
    "/{household_id}",
    response_model=HouseholdOut,
    operation_id="households-update",
    responses=problems(*UPDATE),
)
async def update_household(
    household_id: uuid.UUID,
    body: HouseholdUpdate,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdOut:
    _write(principal)
    household = await service.update_household(session, principal, household_id, parse_if_match(if_match), body)
    response.headers["ETag"] = etag(household.version)
    return await service.household_out(session, principal, household)


@router.get(
    "/{household_id}/members",
    response_model=MemberList,
    operation_id="members-list",
    responses=problems(403, 404),
)
async def list_members(
    household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal, include_removed: bool = False
) -> MemberList:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    await service.audit_personal_data_read(session, principal, household, "members")
    members = await repo.members_of(session, household.id, include_removed=include_removed)
    return MemberList(items=[service.member_out(m, principal, household.head_member_id) for m in members])


@router.post(
    "/{household_id}/members",
    response_model=MemberOut,
    status_code=201,
    operation_id="members-add",
    responses=problems(*WRITE),
)
async def add_member(
    household_id: uuid.UUID,
    body: MemberAdd,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
) -> MemberOut:
    _write(principal)
    member = await service.add_member(session, principal, household_id, body)
    response.headers["Location"] = f"/api/v1/households/{household_id}/members/{member.public_id}"
    response.headers["ETag"] = etag(member.version)
    return service.member_out(member, principal, None)


@router.patch(
    "/{household_id}/members/{member_id}",
    response_model=MemberOut,
    operation_id="members-update",
    responses=problems(*UPDATE),
)
async def update_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    body: MemberUpdate,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> MemberOut:
    _write(principal)
    member, household = await service.update_member(
        session, principal, household_id, member_id, parse_if_match(if_match), body
    )
    response.headers["ETag"] = etag(member.version)
    return service.member_out(member, principal, household.head_member_id)


@router.delete(
    "/{household_id}/members/{member_id}",
    status_code=204,
    operation_id="members-remove",
    responses=problems(*UPDATE),
)
async def remove_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    session: DbSession,
    principal: CurrentPrincipal,
    reason: Annotated[RemoveReason, Query(description="member_remove_reason code: death, married_out, ...")],
    removed_on: date | None = None,
    new_head_member_id: uuid.UUID | None = None,
    note: Annotated[str | None, Query(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")] = None,
    if_match: IfMatch = None,
) -> Response:
    """A member leaves the household (死亡, 嫁出 ...). The member is kept as history, never deleted."""
    _write(principal)
    if removed_on is not None and removed_on > date.today():
        raise field_error("/query/removed_on", "date.out_of_range", "变更日期不能晚于今天")
    household = await service.remove_member(
        session,
        principal,
        household_id,
        member_id,
        parse_if_match(if_match),
        reason,
        removed_on,
        new_head_member_id,
        note,
    )
    return Response(status_code=204, headers={"ETag": etag(household.version)})


@router.post(
    "/{household_id}/head",
    response_model=HouseholdOut,
    operation_id="households-change-head",
    responses=problems(*UPDATE),
)
async def change_head(
    household_id: uuid.UUID,
    body: HeadChange,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdOut:
    _write(principal)
    household = await service.change_head(session, principal, household_id, parse_if_match(if_match), body)
    response.headers["ETag"] = etag(household.version)
    return await service.household_out(session, principal, household)


@router.get(
    "/{household_id}/incomes",
    response_model=IncomeList,
    operation_id="incomes-list",
    responses=problems(403, 404),
)
async def list_incomes(household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal) -> IncomeList:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    return IncomeList(items=await service.incomes_out(session, household))


@router.get(
    "/{household_id}/incomes/{year}",
    response_model=IncomeOut,
    operation_id="incomes-get",
    responses=problems(403, 404),
)
async def get_income(
    household_id: uuid.UUID, year: Year, session: DbSession, principal: CurrentPrincipal, response: Response
) -> IncomeOut:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    income = await repo.income(session, household.id, year)
    if income is None:
        raise ProblemError(404, "not_found", f"no income recorded for {year}")
    response.headers["ETag"] = etag(income.version)
    return await service.income_out(session, household, income)


@router.put(
    "/{household_id}/incomes/{year}",
    response_model=IncomeOut,
    operation_id="incomes-put",
    responses={**problems(*UPDATE), 201: {"model": IncomeOut, "description": "Created"}},
)
async def put_income(
    household_id: uuid.UUID,
    year: Year,
    body: IncomeIn,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> IncomeOut:
    """Record the year's income; 人均纯收入 is computed by the server. Replacing needs If-Match."""
    _write(principal)
    income, household, created = await service.put_income(
        session,
        principal,
        household_id,
        year,
        parse_if_match(if_match, required=False),
        if_match_sent(if_match),
        body,
    )
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/households/{household_id}/incomes/{year}"
    response.headers["ETag"] = etag(income.version)
    return await service.income_out(session, household, income)


@router.get(
    "/{household_id}/assessments",
    response_model=AssessmentList,
    operation_id="assessments-list",
    responses=problems(403, 404),
)
async def list_assessments(household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal) -> AssessmentList:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    return AssessmentList(items=[service.assessment_out(a) for a in await repo.assessments(session, household.id)])


@router.get(
    "/{household_id}/assessments/{year}",
    response_model=AssessmentOut,
    operation_id="assessments-get",
    responses=problems(403, 404),
)
async def get_assessment(
    household_id: uuid.UUID, year: Year, session: DbSession, principal: CurrentPrincipal, response: Response
) -> AssessmentOut:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    item = await repo.assessment(session, household.id, year)
    if item is None:
        raise ProblemError(404, "not_found", f"no assessment recorded for {year}")
    response.headers["ETag"] = etag(item.version)
    return service.assessment_out(item)


@router.put(
    "/{household_id}/assessments/{year}",
    response_model=AssessmentOut,
    operation_id="assessments-put",
    responses={**problems(*UPDATE), 201: {"model": AssessmentOut, "description": "Created"}},
)
async def put_assessment(
    household_id: uuid.UUID,
    year: Year,
    body: AssessmentIn,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentOut:
    """两不愁三保障 for one year. Replacing an existing assessment needs If-Match."""
    _write(principal)
    item, created = await service.put_assessment(
        session,
        principal,
        household_id,
        year,
        parse_if_match(if_match, required=False),
        if_match_sent(if_match),
        body,
    )
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/households/{household_id}/assessments/{year}"
    response.headers["ETag"] = etag(item.version)
    return service.assessment_out(item)


@router.post(
    "/{household_id}/exit-evaluation",
    response_model=ExitEvaluation,
    operation_id="households-exit-evaluation",
    responses=problems(403, 404),
)
async def exit_evaluation(
    household_id: uuid.UUID, body: ExitEvaluationIn, session: DbSession, principal: CurrentPrincipal
) -> ExitEvaluation:
    """An explainable checklist (income against the line of that year, each guarantee). Changes nothing."""
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    return await service.evaluate_exit(session, household, body.year)


@router.post(
    "/{household_id}/status-transitions",
    response_model=HouseholdOut,
    operation_id="households-transition",
    responses=problems(*UPDATE),
)
async def status_transition(
    household_id: uuid.UUID,
    body: StatusTransitionIn,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdOut:
    """Change the status (e.g. 未脱贫 → 已脱贫) with a reason; exits require a passing evaluation."""
    principal.require(Permission.HOUSEHOLDS_TRANSITION)
    household = await service.transition(session, principal, household_id, parse_if_match(if_match), body)
    response.headers["ETag"] = etag(household.version)
    return await service.household_out(session, principal, household)


@router.get(
    "/{household_id}/status-history",
    response_model=StatusHistory,
    operation_id="households-status-history",
    responses=problems(403, 404),
)
async def status_history(household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal) -> StatusHistory:
    _read(principal)
    household = await repo.get_household(session, principal, household_id)
    rows = await repo.status_changes(session, household.id)
    return StatusHistory(items=[StatusChangeOut.model_validate(r) for r in rows])
