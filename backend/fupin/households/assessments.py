"""两不愁三保障 assessments per year, and the explainable exit evaluation (脱贫评估) that reads them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.households import repository as repo
from fupin.households.models import Assessment, Household
from fupin.households.presenters import ASSESSMENT_ITEMS
from fupin.households.yearly import create_or_replace, locked_with_record
from fupin.households.yearly_schemas import AssessmentIn, ChecklistItem, ExitEvaluation
from fupin.poverty_lines import repository as lines

ASSESSMENT_LABELS = {
    "food_clothing": "不愁吃、不愁穿",
    "compulsory_education": "义务教育有保障",
    "basic_medical": "基本医疗有保障",
    "safe_housing": "住房安全有保障",
    "safe_drinking_water": "饮水安全有保障",
}
INCOME_LABEL = "人均纯收入稳定超过当年贫困线"


async def put_assessment(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    year: int,
    expected_version: int | None,
    if_match_sent: bool,
    data: AssessmentIn,
) -> tuple[Assessment, bool]:
    household, existing = await locked_with_record(
        session,
        principal,
        household_id=household_id,
        year=year,
        lookup=repo.assessment,
        expected_version=expected_version,
        if_match_sent=if_match_sent,
        what="assessment",
    )
    item = await create_or_replace(
        session,
        principal,
        household=household,
        existing=existing,
        model=Assessment,
        year=year,
        values=data.model_dump(),
        entity="assessment",
    )
    return item, existing is None


async def _income_item(session: AsyncSession, household: Household, year: int) -> ChecklistItem:
    income = await repo.income(session, household, year)
    line = await lines.line_for(session, year=year, standard=household.identification_standard)
    if income is None or line is None:
        missing = "收入" if income is None else "贫困线"
        return ChecklistItem(
            key="income",
            label=INCOME_LABEL,
            passed=False,
            detail=f"{year}年{missing}数据缺失 (no {('income' if income is None else 'poverty line')} for {year})",
            figures={
                "year": year,
                "per_capita_net_income": str(income.per_capita_net_income) if income else None,
                "poverty_line": str(line.amount) if line else None,
            },
        )
    passed = income.per_capita_net_income > line.amount
    return ChecklistItem(
        key="income",
        label=INCOME_LABEL,
        passed=passed,
        detail=(
            f"人均纯收入 {income.per_capita_net_income} 元 {'>' if passed else '≤'} {year}年贫困线 {line.amount} 元"
        ),
        figures={
            "year": year,
            "per_capita_net_income": str(income.per_capita_net_income),
            "poverty_line": str(line.amount),
            "poverty_line_scope": line.scope,
            "net_income": str(income.net_income),
            "household_size": income.household_size,
        },
    )


async def evaluate_exit(session: AsyncSession, household: Household, *, year: int) -> ExitEvaluation:
    """Income above that year's line, and each guarantee met in that year's assessment. Changes nothing."""
    items = [await _income_item(session, household, year)]
    assessment = await repo.assessment(session, household, year)
    for key in ASSESSMENT_ITEMS:
        if assessment is None:
            items.append(
                ChecklistItem(
                    key=key,
                    label=ASSESSMENT_LABELS[key],
                    passed=False,
                    detail=f"{year}年两不愁三保障评估缺失 (no assessment for {year})",
                    figures={"year": year},
                )
            )
        else:
            ok = bool(getattr(assessment, key))
            items.append(
                ChecklistItem(
                    key=key,
                    label=ASSESSMENT_LABELS[key],
                    passed=ok,
                    detail="已达标 (met)" if ok else "未达标 (not met)",
                    figures={"year": year, "evidence": (assessment.evidence or {}).get(key)},
                )
            )
    return ExitEvaluation(household_id=household.public_id, year=year, passed=all(i.passed for i in items), items=items)
