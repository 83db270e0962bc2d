"""HTTP routes of a household's yearly records (incomes, 两不愁三保障) and the exit evaluation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from fupin.authz.deps import HouseholdReader, HouseholdWriter
from fupin.core.concurrency import IfMatch, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.errors import ProblemError
from fupin.core.openapi import UPDATE, problems
from fupin.households import assessments, incomes, presenters
from fupin.households import repository as repo
from fupin.households.yearly_schemas import (
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    ExitEvaluation,
    ExitEvaluationIn,
    IncomeIn,
    IncomeList,
    IncomeOut,
)

router = APIRouter(prefix="/api/v1/households", tags=["households"])
Year = Annotated[int, Path(ge=2000, le=2100, description="Calendar year")]


@router.get(
    "/{household_id}/incomes",
    response_model=IncomeList,
    operation_id="incomes-list",
    responses=problems(403, 404),
)
async def list_incomes(household_id: uuid.UUID, session: DbSession, principal: HouseholdReader) -> IncomeList:
    household = await repo.get_household(session, principal.scope, household_id)
    return IncomeList(items=await incomes.all_out(session, household))


@router.get(
    "/{household_id}/incomes/{year}",
    response_model=IncomeOut,
    operation_id="incomes-get",
    responses=problems(403, 404),
)
async def get_income(
    household_id: uuid.UUID, year: Year, session: DbSession, principal: HouseholdReader, response: Response
) -> IncomeOut:
    household = await repo.get_household(session, principal.scope, household_id)
    income = await repo.income(session, household, year)
    if income is None:
        raise ProblemError(404, "not_found", f"no income recorded for {year}")
    response.headers["ETag"] = etag(income.version)
    return await incomes.one_out(session, household, income)


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
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> IncomeOut:
    """Record the year's income; 人均纯收入 is computed by the server. Replacing needs If-Match."""
    income, household, created = await incomes.put_income(
        session,
        principal,
        household_id=household_id,
        year=year,
        expected_version=parse_if_match(if_match, required=False),
        if_match_sent=if_match_sent(if_match),
        data=body,
    )
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/households/{household_id}/incomes/{year}"
    response.headers["ETag"] = etag(income.version)
    return await incomes.one_out(session, household, income)


@router.get(
    "/{household_id}/assessments",
    response_model=AssessmentList,
    operation_id="assessments-list",
    responses=problems(403, 404),
)
async def list_assessments(household_id: uuid.UUID, session: DbSession, principal: HouseholdReader) -> AssessmentList:
    household = await repo.get_household(session, principal.scope, household_id)
    rows = await repo.assessments(session, household)
    return AssessmentList(items=[presenters.assessment_out(a) for a in rows])


@router.get(
    "/{household_id}/assessments/{year}",
    response_model=AssessmentOut,
    operation_id="assessments-get",
    responses=problems(403, 404),
)
async def get_assessment(
    household_id: uuid.UUID, year: Year, session: DbSession, principal: HouseholdReader, response: Response
) -> AssessmentOut:
    household = await repo.get_household(session, principal.scope, household_id)
    item = await repo.assessment(session, household, year)
    if item is None:
        raise ProblemError(404, "not_found", f"no assessment recorded for {year}")
    response.headers["ETag"] = etag(item.version)
    return presenters.assessment_out(item)


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
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentOut:
    """两不愁三保障 for one year. Replacing an existing assessment needs If-Match."""
    item, created = await assessments.put_assessment(
        session,
        principal,
        household_id=household_id,
        year=year,
        expected_version=parse_if_match(if_match, required=False),
        if_match_sent=if_match_sent(if_match),
        data=body,
    )
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/households/{household_id}/assessments/{year}"
    response.headers["ETag"] = etag(item.version)
    return presenters.assessment_out(item)


@router.post(
    "/{household_id}/exit-evaluation",
    response_model=ExitEvaluation,
    operation_id="households-exit-evaluation",
    responses=problems(403, 404),
)
async def exit_evaluation(
    household_id: uuid.UUID, body: ExitEvaluationIn, session: DbSession, principal: HouseholdReader
) -> ExitEvaluation:
    """An explainable checklist (income against the line of that year, each guarantee). Changes nothing."""
    household = await repo.get_household(session, principal.scope, household_id)
    return await assessments.evaluate_exit(session, household, year=body.year)
