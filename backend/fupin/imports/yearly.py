"""The yearly records of an imported household (incomes and 两不愁三保障 of a JSON record): what differs from the
stored ones, written through the households' own services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.core.errors import FieldError, ProblemError
from fupin.households import assessments as assessment_service
from fupin.households import incomes as income_service
from fupin.households import repository as repo
from fupin.households.yearly_schemas import AssessmentIn, IncomeIn
from fupin.imports.checks import RowFailed, differs, validation_failed
from fupin.imports.rows import Candidate, RowError

Stored = Any  # a stored household: a row of its columns or its ORM object (imports/process.py)

Yearly = list[tuple[str, int, int, BaseModel, int | None]]  # (what, index, year, data, existing version)


def _income_values(data: IncomeIn) -> dict[str, Any]:
    return {
        "wage_income": data.wage_income,
        "production_income": data.production_income,
        "property_income": data.property_income,
        "transfer_income": data.transfer_income or Decimal(0),
        "transfer_details": {k: Decimal(str(v)) for k, v in data.transfer_details.items()},
        "production_costs": data.production_costs,
    }


def _same(record: Any, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        current = getattr(record, key)
        if isinstance(value, dict):
            current = {k: Decimal(str(v)) for k, v in (current or {}).items()} if key == "transfer_details" else current
            if (current or {}) != value:
                return False
        elif isinstance(value, date | None) and not isinstance(value, Decimal):
            if current != value:
                return False
        elif differs(current, value):
            return False
    return True


async def yearly_changes(session: AsyncSession, candidate: Candidate, household: Stored | None) -> Yearly:
    changes: Yearly = []
    errors: list[RowError] = []
    for what, items in (("incomes", candidate.incomes), ("assessments", candidate.assessments)):
        for index, (year, body) in enumerate(items):
            model: type[BaseModel] = IncomeIn if what == "incomes" else AssessmentIn
            try:
                data = model.model_validate(body)
            except ValidationError as exc:
                errors += validation_failed(candidate, exc, prefix=(what, index)).errors
                continue
            existing = None
            if household is not None:
                lookup = repo.income if what == "incomes" else repo.assessment
                existing = await lookup(session, household, year)
            if existing is not None:
                values = _income_values(data) if isinstance(data, IncomeIn) else data.model_dump()
                size_same = not isinstance(data, IncomeIn) or existing.household_size == household.member_count  # type: ignore[union-attr]
                if size_same and _same(existing, values):
                    continue
            changes.append((what, index, year, data, existing.version if existing is not None else None))
    if errors:
        raise RowFailed(errors)
    return changes


async def apply_yearly(
    session: AsyncSession, principal: Principal, candidate: Candidate, household: Stored, changes: Yearly
) -> None:
    for what, index, year, data, version in changes:
        try:
            if isinstance(data, IncomeIn):
                await income_service.put_income(
                    session,
                    principal,
                    household_id=household.public_id,
                    year=year,
                    expected_version=version,
                    if_match_sent=version is not None,
                    data=data,
                )
            elif isinstance(data, AssessmentIn):
                await assessment_service.put_assessment(
                    session,
                    principal,
                    household_id=household.public_id,
                    year=year,
                    expected_version=version,
                    if_match_sent=version is not None,
                    data=data,
                )
        except ProblemError as exc:
            pointer = f"/{what}/{index}"
            errors = exc.errors or [FieldError(pointer="/year", code=exc.code, message=exc.detail or exc.code)]
            raise RowFailed([candidate.error(pointer + e.pointer, e.code, e.message) for e in errors])


async def create_yearly(session: AsyncSession, principal: Principal, candidate: Candidate, household: Stored) -> None:
    if candidate.incomes or candidate.assessments:
        await apply_yearly(session, principal, candidate, household, await yearly_changes(session, candidate, None))
