"""Query parameters and rows of the failure views (帮扶短板)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from fupin.core.schemas import OutModel, RegionCode, error_at
from fupin.measures.schemas import DepartmentCode, MeasureType

ViewYear = Annotated[int, Field(ge=2013, le=2100, description="年度 (default: this year)")]
Limit = Annotated[int, Field(ge=1, le=200)]
Cursor = Annotated[str, Field(max_length=500)]


class _Area(BaseModel):
    region: RegionCode | None = Field(None, description="Any level inside the caller's area: county, township, village")


class _Keyset(BaseModel):
    limit: Limit = 50
    cursor: Cursor | None = None
    include_total: bool = Field(False, description="Also count every row of the view (`total`)")


class _Export(BaseModel):
    format: Literal["csv", "xlsx"] = Field("xlsx", description="xlsx (default) or csv")
    encoding: Literal["utf-8", "gb18030"] | None = Field(None, description="CSV only: utf-8 (BOM) or gb18030")

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> _Export:
        if self.encoding is not None and self.format != "csv":
            raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")
        return self


# ---------------------------------------------------------------- filters of each view


class WithoutMeasuresFilters(_Area):
    year: ViewYear | None = None


class NotVisitedFilters(_Area):
    days: Annotated[int, Field(ge=1, le=3650, description="No visit in the last N days (today included)")] = 90


class NeverVisitedFilters(_Area):
    pass


class ResidencyFilters(_Area):
    year: ViewYear | None = None
    kind: Literal["first_secretary", "work_team"] | None = Field(None, description="第一书记 or 驻村工作队员")


class OverdueFilters(_Area):
    type: MeasureType | None = Field(None, description="措施类型")
    department: DepartmentCode | None = Field(None, description="责任部门")
    year: ViewYear | None = None


class CoverageFilters(_Area):
    year: ViewYear | None = None


class WorkloadFilters(_Area):
    year: ViewYear | None = None


class WithoutMeasuresQuery(WithoutMeasuresFilters, _Keyset):
    pass


class NotVisitedQuery(NotVisitedFilters, _Keyset):
    pass


class NeverVisitedQuery(NeverVisitedFilters, _Keyset):
    pass


class ResidencyQuery(ResidencyFilters, _Keyset):
    pass


class OverdueQuery(OverdueFilters, _Keyset):
    pass


class CoverageQuery(CoverageFilters):
    limit: Annotated[int, Field(ge=1, le=1000)] = 200
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class WorkloadQuery(WorkloadFilters):
    pass


class WithoutMeasuresExport(WithoutMeasuresFilters, _Export):
    pass


class NotVisitedExport(NotVisitedFilters, _Export):
    pass


class NeverVisitedExport(NeverVisitedFilters, _Export):
    pass


class ResidencyExport(ResidencyFilters, _Export):
    pass


class OverdueExport(OverdueFilters, _Export):
    pass


class CoverageExport(CoverageFilters, _Export):
    pass


class WorkloadExport(WorkloadFilters, _Export):
    pass


# ---------------------------------------------------------------- rows


class ViewHousehold(OutModel):
    id: uuid.UUID
    household_number: str
    village_code: str
    village_name: str
    head_name: str | None
    member_count: int
    status: str


class WithoutMeasuresPage(OutModel):
    year: int
    items: list[ViewHousehold]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")
    total: int | None = Field(None, description="With include_total=true")


class NotVisitedRow(ViewHousehold):
    last_visited_on: date | None = Field(description="The last visit (null: never visited)")
    paired_cadre_id: uuid.UUID | None = Field(description="The current paired cadre (帮扶责任人), if any")
    paired_cadre_name: str | None


class NotVisitedPage(OutModel):
    days: int
    since: date = Field(description="The first day of the window: no visit on or after it")
    items: list[NotVisitedRow]
    next_cursor: str | None = None
    total: int | None = None


class NeverVisitedRow(ViewHousehold):
    first_secretary_id: uuid.UUID | None = Field(description="The village's current first secretary (null: none)")
    first_secretary_name: str | None


class NeverVisitedPage(OutModel):
    items: list[NeverVisitedRow]
    next_cursor: str | None = None
    total: int | None = None


class ResidencyRow(OutModel):
    cadre_id: uuid.UUID
    cadre_name: str
    kind: str = Field(description="first_secretary or work_team (the village assignment's kind)")
    work_unit: str
    village_code: str
    village_name: str
    starts_on: date
    ends_on: date | None
    present: int
    leave: int
    duty: int
    counted: int = Field(description="present + duty")
    expected: int = Field(description="200 pro rata to today (a past year: 200)")
    shortfall: int = Field(description="expected - counted")


class ResidencyPage(OutModel):
    year: int
    expected: int
    items: list[ResidencyRow]
    next_cursor: str | None = None
    total: int | None = None


class OverdueRow(OutModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    head_name: str | None
    village_code: str
    type: str
    content: str | None = Field(
        description="措施内容 (null: a health measure, withheld from a caller without health details)"
    )
    year: int
    department: str | None
    amount: Decimal | None
    planned_on: date
    status: str
    days_overdue: int


class OverduePage(OutModel):
    items: list[OverdueRow]
    next_cursor: str | None = None
    total: int | None = None


class CoverageRow(OutModel):
    village_code: str
    village_name: str
    households: int = Field(description="Registered households (not 注销, not 已脱贫(不再享受政策))")
    households_with_measures: int = Field(description="Of them, with a measure of the year that is not cancelled")
    coverage_rate: Decimal = Field(description="households_with_measures / households, four places")
    by_type: dict[str, int] = Field(description="Measures of the year (not cancelled) per measure type")


class CoveragePage(OutModel):
    year: int
    items: list[CoverageRow]
    total: int = Field(description="Villages with registered households")


class WorkloadRow(OutModel):
    department: str | None = Field(description="责任部门 (null: none recorded)")
    planned: int
    in_progress: int
    done: int
    cancelled: int
    total: int
    amount: Decimal = Field(description="Amount of the measures that are not cancelled (yuan)")
    households: int = Field(description="Households reached (a measure that is not cancelled)")


class WorkloadPage(OutModel):
    year: int
    items: list[WorkloadRow]
