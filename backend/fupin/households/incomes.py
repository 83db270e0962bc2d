"""Yearly incomes and 人均纯收入 = (total − production costs) / household size, computed by the server."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.core.errors import ProblemError
from fupin.households import repository as repo
from fupin.households.models import Household, Income
from fupin.households.presenters import income_out
from fupin.households.yearly import create_or_replace, locked_with_record
from fupin.households.yearly_schemas import IncomeIn, IncomeOut
from fupin.poverty_lines import repository as lines

CENT = Decimal("0.01")


def income_figures(data: IncomeIn, size: int) -> tuple[Decimal, Decimal, Decimal]:
    transfer = data.transfer_income or Decimal(0)
    total = data.wage_income + data.production_income + data.property_income + transfer
    net = total - data.production_costs
    per_capita = (net / size).quantize(CENT, rounding=ROUND_HALF_UP) if size else Decimal(0)
    return total, net, per_capita


async def put_income(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    year: int,
    expected_version: int | None,
    if_match_sent: bool,
    data: IncomeIn,
) -> tuple[Income, Household, bool]:
    household, existing = await locked_with_record(
        session,
        principal,
        household_id=household_id,
        year=year,
        lookup=repo.income,
        expected_version=expected_version,
        if_match_sent=if_match_sent,
        what="income",
    )
    size = household.member_count
    if size < 1:
        raise ProblemError(422, "household.no_members", "户内无在册成员, 无法计算人均纯收入")
    _, net, per_capita = income_figures(data, size)
    values = {
        "wage_income": data.wage_income,
        "production_income": data.production_income,
        "property_income": data.property_income,
        "transfer_income": data.transfer_income or Decimal(0),
        "transfer_details": {k: str(v) for k, v in data.transfer_details.items()},
        "production_costs": data.production_costs,
        "household_size": size,
        "net_income": net,
        "per_capita_net_income": per_capita,
    }
    income = await create_or_replace(
        session,
        principal,
        household=household,
        existing=existing,
        model=Income,
        year=year,
        values=values,
        entity="income",
    )
    return income, household, existing is None


async def one_out(session: AsyncSession, household: Household, income: Income) -> IncomeOut:
    line = await lines.line_for(session, year=income.year, standard=household.identification_standard)
    return income_out(income, line)


async def all_out(session: AsyncSession, household: Household) -> list[IncomeOut]:
    """All years of a household, with the poverty lines read once (not once per year)."""
    table = await lines.line_table(session)
    standard = household.identification_standard
    return [
        income_out(i, table.line_for(year=i.year, standard=standard)) for i in await repo.incomes(session, household)
    ]
