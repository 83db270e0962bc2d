"""Request and response models of a project's funds: allocations (资金下达), disbursements (报账) and their
corrections (冲正), the fund figures of a project, the fund views per county and per source, the anomaly list
(资金异常) and its export. Money is an exact decimal with two places, a string in JSON (a JSON number is accepted
on input as long as it has two decimals at most)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from fupin.core.errors import Problem
from fupin.core.schemas import Code, DateIn, MoneyOut, OutModel, RegionCode, StrictModel, code_schema, error_at

FundSource = Annotated[str, Code("fund_source"), code_schema("fund_source")]
AnomalyKind = Annotated[str, Code("fund_anomaly"), code_schema("fund_anomaly")]
MONEY_MAX = Decimal("999999999999.99")  # NUMERIC(14, 2)


def _not_zero(value: Decimal) -> Decimal:
    if value.is_zero():
        raise PydanticCustomError("funds.amount_zero", "金额不能为 0 (the amount may not be zero)")
    return value


# an allocation: more than zero, two decimals at most, within NUMERIC(14, 2)
PositiveMoney = Annotated[Decimal, Field(gt=0, le=MONEY_MAX, max_digits=14, decimal_places=2)]
# a disbursement: a payment (positive) or a correction (negative, 冲正), never zero
SignedMoney = Annotated[
    Decimal, Field(ge=-MONEY_MAX, le=MONEY_MAX, max_digits=14, decimal_places=2), AfterValidator(_not_zero)
]
DocumentNo = Annotated[str, Field(min_length=1, max_length=80)]
Payee = Annotated[str, Field(min_length=1, max_length=120)]
Purpose = Annotated[str, Field(min_length=1, max_length=300)]
Stage = Annotated[str, Field(min_length=1, max_length=40)]
Share = Annotated[
    str | None,
    Field(
        description='disbursed / allocated with four decimals ("0.8000"); null when nothing is allocated',
        examples=["0.8000"],
    ),
]


class AllocationIn(StrictModel):
    source: FundSource = Field(description="资金来源 (code table fund_source)")
    amount: PositiveMoney = Field(description="下达金额, yuan, > 0, two decimals at most", examples=["100000.00"])
    document_no: DocumentNo = Field(description="资金下达文号, e.g. 双财农〔2024〕12号")
    allocated_on: DateIn = Field(description="下达日期; not after today")
    published_on: DateIn | None = Field(None, description="公告公示日期; not before allocated_on, not after today")

    @model_validator(mode="after")
    def _published_after_allocated(self) -> AllocationIn:
        if self.published_on is not None and self.published_on < self.allocated_on:
            raise error_at(
                "published_on", "funds.published_before_allocated", "公示日期不能早于下达日期 (before allocated_on)"
            )
        return self


class AllocationOut(OutModel):
    id: uuid.UUID
    project_id: uuid.UUID
    source: str
    amount: MoneyOut
    document_no: str
    allocated_on: date
    published_on: date | None
    disbursed: MoneyOut = Field(
        description="The part of this allocation used by the source's net disbursements, oldest allocation first"
    )
    available: MoneyOut = Field(description="amount − disbursed")
    created_at: datetime
    actor_name: str


class AllocationList(OutModel):
    items: list[AllocationOut]


class DisbursementIn(StrictModel):
    source: FundSource = Field(description="资金来源: the allocation of this source pays it")
    amount: SignedMoney = Field(
        description="支付金额, yuan, two decimals; negative: a correction (冲正) of `corrects_id`",
        examples=["30000.00", "-5000.00"],
    )
    paid_on: DateIn = Field(description="支付日期; not after today")
    payee: Payee = Field(description="收款人 (a company, a cooperative, a household head)")
    payee_household_id: uuid.UUID | None = Field(None, description="A household of the caller's area paid directly")
    purpose: Purpose = Field(description="用途")
    voucher_no: DocumentNo = Field(description="报账凭证号")
    stage: Stage | None = Field(None, description="支付阶段: 预付款, 进度款, 尾款 ...")
    corrects_id: uuid.UUID | None = Field(None, description="The disbursement a negative amount corrects")
    evidence_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = Field(
        default_factory=list, description="Files attached to the project (owner_type project)"
    )


class DisbursementOut(OutModel):
    id: uuid.UUID
    project_id: uuid.UUID
    source: str
    amount: MoneyOut
    paid_on: date
    payee: str
    payee_household_id: uuid.UUID | None
    purpose: str
    voucher_no: str
    stage: str | None
    corrects_id: uuid.UUID | None
    corrected_by: list[uuid.UUID] = Field(description="The corrections of this disbursement, oldest first")
    net: MoneyOut = Field(description="amount plus its corrections")
    evidence_ids: list[str]
    created_at: datetime
    actor_name: str


class DisbursementList(OutModel):
    items: list[DisbursementOut]


class SourceFunds(OutModel):
    source: str
    allocated: MoneyOut
    disbursed: MoneyOut
    available: MoneyOut
    rate: Share
    idle: MoneyOut = Field(description="Allocated over 12 months ago and still not disbursed (资金闲置)")


class ProjectFunds(OutModel):
    allocated: MoneyOut
    disbursed: MoneyOut
    available: MoneyOut
    rate: Share
    idle: MoneyOut
    by_source: list[SourceFunds]


class OverdraftProblem(Problem):
    """409 `funds.overdraft`: the problem with its extension members, in yuan (strings with two decimals)."""

    source: str
    allocated: str
    disbursed: str
    requested: str
    available: str


class CountyViewQuery(BaseModel):
    year: Annotated[int, Field(ge=2010, le=2100)] | None = Field(None, description="项目年度")
    category: Annotated[str, Code("project_category"), code_schema("project_category")] | None = None


class SourceViewQuery(CountyViewQuery):
    region_code: RegionCode | None = Field(None, description="Projects lying within this region")


class FundFigures(OutModel):
    projects: int
    allocated: MoneyOut
    disbursed: MoneyOut
    available: MoneyOut
    rate: Share
    idle: MoneyOut


class CountyFunds(FundFigures):
    county_code: str
    county_name: str


class CountyView(OutModel):
    items: list[CountyFunds]
    total: FundFigures


class SourceFundsRow(FundFigures):
    source: str


class SourceView(OutModel):
    items: list[SourceFundsRow]


class AnomalyFilters(BaseModel):
    kind: AnomalyKind | None = None
    region_code: RegionCode | None = Field(None, description="Projects lying within this region")
    year: Annotated[int, Field(ge=2010, le=2100)] | None = Field(None, description="项目年度")


class AnomalyQuery(AnomalyFilters):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class AnomalyExportQuery(AnomalyFilters):
    format: Literal["csv", "xlsx"] = Field("csv", description="csv (default) or xlsx")
    encoding: Literal["utf-8", "gb18030"] | None = Field(None, description="CSV only: utf-8 (BOM) or gb18030")

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> AnomalyExportQuery:
        if self.encoding is not None and self.format != "csv":
            raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")
        return self


class AnomalyOut(OutModel):
    kind: str
    project_id: uuid.UUID
    project_code: str
    project_name: str
    county_code: str
    area_code: str
    allocation_id: uuid.UUID | None
    disbursement_id: uuid.UUID | None
    voucher_no: str | None
    amount: str | None = Field(description="idle_funds: the undisbursed remainder; a payment: its net amount")
    on: date | None = Field(description="allocated_on or paid_on")
    detail: str


class AnomalyPage(OutModel):
    items: list[AnomalyOut]
    next_cursor: str | None
