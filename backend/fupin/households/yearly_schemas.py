"""Request and response models of the yearly records: incomes, 两不愁三保障 assessments, the exit evaluation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from fupin.core.schemas import DateIn, MoneyOut, OutModel, StrictModel, error_at
from fupin.households.fields import NonNegativeMoney, Year, check_past_date


class IncomeIn(StrictModel):
    wage_income: NonNegativeMoney = Decimal(0)
    production_income: NonNegativeMoney = Decimal(0)
    property_income: NonNegativeMoney = Decimal(0)
    transfer_income: NonNegativeMoney | None = Field(
        None, description="Total transfers; computed from transfer_details when omitted"
    )
    transfer_details: dict[
        Literal["dibao", "tekun", "pension", "family_planning", "eco_compensation", "other"], NonNegativeMoney
    ] = Field(default_factory=dict, description="低保金, 特困供养金, 养老金, 计划生育金, 生态补偿金, 其他")
    production_costs: NonNegativeMoney = Decimal(0)

    @model_validator(mode="after")
    def _transfers(self) -> IncomeIn:
        if self.transfer_details:
            total = sum(self.transfer_details.values(), Decimal(0))
            if self.transfer_income is not None and self.transfer_income != total:
                raise error_at(
                    "transfer_income",
                    "income.transfer_mismatch",
                    "转移性收入与其明细之和不一致 (transfer total ≠ sum of details)",
                )
            self.transfer_income = total
        return self


class IncomeOut(OutModel):
    year: int
    wage_income: MoneyOut
    production_income: MoneyOut
    property_income: MoneyOut
    transfer_income: MoneyOut
    transfer_details: dict[str, MoneyOut]
    production_costs: MoneyOut
    total_income: MoneyOut
    net_income: MoneyOut
    household_size: int
    per_capita_net_income: MoneyOut = Field(description="人均纯收入, computed by the server")
    poverty_line: MoneyOut | None = Field(description="That year's poverty line for the household's standard")
    above_line: bool | None
    updated_at: datetime
    version: int


class IncomeList(OutModel):
    items: list[IncomeOut]


class AssessmentIn(StrictModel):
    food_clothing: bool = Field(description="不愁吃、不愁穿")
    compulsory_education: bool = Field(description="义务教育有保障")
    basic_medical: bool = Field(description="基本医疗有保障")
    safe_housing: bool = Field(description="住房安全有保障")
    safe_drinking_water: bool = Field(description="饮水安全有保障")
    evidence: dict[
        Literal["food_clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_drinking_water"],
        Annotated[str, Field(max_length=1000)],
    ] = Field(default_factory=dict)
    assessed_on: DateIn | None = None
    assessor: Annotated[str, Field(max_length=100)] | None = None

    @field_validator("assessed_on")
    @classmethod
    def _happened(cls, value: date | None) -> date | None:
        return check_past_date(value)


class AssessmentOut(OutModel):
    year: int
    food_clothing: bool
    compulsory_education: bool
    basic_medical: bool
    safe_housing: bool
    safe_drinking_water: bool
    evidence: dict[str, str]
    assessed_on: date | None
    assessor: str | None
    all_met: bool
    updated_at: datetime
    version: int


class AssessmentList(OutModel):
    items: list[AssessmentOut]


class ExitEvaluationIn(StrictModel):
    year: Year


class ChecklistItem(OutModel):
    key: str
    label: str
    passed: bool
    detail: str
    figures: dict[str, Any] = Field(default_factory=dict)


class ExitEvaluation(OutModel):
    household_id: uuid.UUID
    year: int
    passed: bool
    items: list[ChecklistItem]
