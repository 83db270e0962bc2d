"""Request and response models of assistance measures (帮扶措施) and their list, batch and export."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from fupin.core.errors import Problem
from fupin.core.openapi import document_model
from fupin.core.schemas import Code, DateIn, MoneyOut, OutModel, RegionCode, StrictModel, code_schema, error_at

MeasureType = Annotated[str, Code("measure_type"), code_schema("measure_type")]
MeasureStatus = Annotated[str, Code("measure_status"), code_schema("measure_status")]
DepartmentCode = Annotated[str, Code("department"), code_schema("department")]
# a measure may be recorded (as done, or under way) when it was created: a cancelled one is cancelled by a transition
InitialStatus = Literal["planned", "in_progress", "done"]
MeasureYear = Annotated[int, Field(ge=2010, le=2100)]
Content = Annotated[str, Field(min_length=1, max_length=1000)]
SourceSystem = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
EARLIEST = date(2010, 1, 1)
LATEST = date(2100, 12, 31)


def _positive_zero(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value


# yuan with fen, never negative: NUMERIC(14, 2)
Amount = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2),
    AfterValidator(_positive_zero),
]


def _in_range(value: date | None) -> date | None:
    if value is not None and not (EARLIEST <= value <= LATEST):
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("date.out_of_range", "日期须在 2010-01-01 至 2100-12-31 之间")
    return value


MeasureDate = Annotated[DateIn, AfterValidator(_in_range)]


class MeasureFields(StrictModel):
    """What a measure says."""

    member_id: uuid.UUID | None = Field(None, description="A member of the household the measure is for (optional)")
    cadre_id: uuid.UUID | None = Field(
        None, description="责任干部: a cadre of the caller's area serving the household's village (optional)"
    )
    type: MeasureType
    content: Content = Field(description="措施内容")
    year: MeasureYear
    department: DepartmentCode | None = Field(None, description="责任行业部门; a department caller's own when omitted")
    amount: Amount | None = Field(None, description="金额 (yuan, exact decimal, two places)")
    planned_on: MeasureDate = Field(description="计划完成日期")
    done_on: MeasureDate | None = Field(None, description="完成日期; required when done")
    project_id: uuid.UUID | None = Field(
        None,
        description="The project (扶贫项目) the measure is delivered through: one of the caller's area covering the "
        "household's village; the household becomes one of its beneficiaries (受益户)",
    )


class _WithStatus(MeasureFields):
    status: InitialStatus = "planned"

    @model_validator(mode="after")
    def _done_date(self) -> _WithStatus:
        check_done_date(self.status, self.done_on)
        return self


def check_done_date(status: str, done_on: date | None) -> None:
    if status == "done" and done_on is None:
        raise error_at("done_on", "measure.done_on_required", "已完成的措施须填写完成日期 (done_on)")
    if status != "done" and done_on is not None:
        raise error_at("done_on", "measure.done_on_unexpected", "未完成的措施不能有完成日期")
    if done_on is not None and done_on > date.today():
        raise error_at("done_on", "date.out_of_range", "完成日期不能晚于今天")


class MeasureCreate(_WithStatus):
    household_id: uuid.UUID
    source_system: SourceSystem | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _external_key(self) -> MeasureCreate:
        if (self.source_system is None) != (self.external_id is None):
            missing = "external_id" if self.external_id is None else "source_system"
            raise error_at(missing, "measure.external_key", "source_system 和 external_id 须同时提供")
        return self


class MeasureUpsert(_WithStatus):
    """`PUT /measures/by-external/{source_system}/{external_id}`: the whole measure as the department's system
    has it. Created when unknown (201), replaced when it differs (200), left alone when identical (200, same
    version)."""

    household_id: uuid.UUID


class MeasureUpdate(StrictModel):
    """Partial update (PATCH): only the fields sent change; null clears an optional field. Status changes go
    through transitions."""

    not_null: ClassVar[frozenset[str]] = frozenset({"type", "content", "year", "planned_on"})

    member_id: uuid.UUID | None = None
    cadre_id: uuid.UUID | None = None
    type: MeasureType | None = None
    content: Content | None = None
    year: MeasureYear | None = None
    department: DepartmentCode | None = None
    amount: Amount | None = None
    planned_on: MeasureDate | None = None
    done_on: MeasureDate | None = None
    project_id: uuid.UUID | None = Field(None, description="The project the measure is delivered through; null unlinks")


class MeasureTransitionIn(StrictModel):
    to: Literal["in_progress", "done", "cancelled"] = Field(
        description="planned → in_progress → done; planned or in_progress → cancelled (with a reason)"
    )
    reason: Reason | None = Field(None, description="Required to cancel")
    done_on: MeasureDate | None = Field(None, description="Required to complete, unless set")


class MeasureOut(OutModel):
    id: uuid.UUID
    household_id: uuid.UUID
    member_id: uuid.UUID | None = Field(
        description="null also for a health measure (健康) when the caller may not see health details"
    )
    village_code: str
    type: str
    content: str | None = Field(
        description="措施内容; null for a health measure (健康) when the caller may not see health details"
    )
    year: int
    department: str | None
    cadre_id: uuid.UUID | None = Field(None, description="The responsible cadre (责任干部)")
    project_id: uuid.UUID | None = Field(None, description="The project the measure is delivered through")
    amount: MoneyOut | None
    planned_on: date
    done_on: date | None
    status: str
    status_reason: str | None
    source_system: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class MeasurePage(OutModel):
    items: list[MeasureOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")
    total: int | None = None


class MeasureFilters(BaseModel):
    region: RegionCode | None = Field(None, description="Any level: county, township, village")
    type: MeasureType | None = None
    department: DepartmentCode | None = None
    status: MeasureStatus | None = None
    year: MeasureYear | None = None
    planned_from: DateIn | None = Field(None, description="Planned on or after this day")
    planned_to: DateIn | None = Field(None, description="Planned on or before this day")
    household_id: uuid.UUID | None = None
    cadre: uuid.UUID | None = Field(None, description="The responsible cadre's id")

    @model_validator(mode="after")
    def _range(self) -> MeasureFilters:
        if self.planned_from and self.planned_to and self.planned_from > self.planned_to:
            raise error_at("planned_to", "date.range", "结束日期不能早于开始日期")
        return self


class MeasureListQuery(MeasureFilters):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    include_total: bool = False


class HouseholdMeasuresQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=200)] = 200
    cursor: Annotated[str, Field(max_length=500)] | None = None


class MeasureExportQuery(MeasureFilters):
    format: Literal["csv", "xlsx", "ndjson"] = Field("csv", description="csv (default), xlsx or ndjson")
    encoding: Literal["utf-8", "gb18030"] | None = Field(None, description="CSV only: utf-8 (BOM) or gb18030")

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> MeasureExportQuery:
        if self.encoding is not None and self.format != "csv":
            raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")
        return self


BATCH_MAX = 1000


class BatchItem(MeasureUpsert):
    """One item of a batch: an upsert by the department system's key."""

    source_system: SourceSystem
    external_id: ExternalId


document_model(BatchItem)  # the items' shape, referenced by MeasureBatchIn


class MeasureBatchIn(StrictModel):
    items: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=BATCH_MAX)] = Field(
        description="Up to 1,000 objects shaped as BatchItem, each upserted on its own (a bad one fails alone)",
        json_schema_extra={"items": {"$ref": "#/components/schemas/BatchItem"}},
    )


class BatchResult(OutModel):
    index: int
    status: int = Field(description="The HTTP status the item would have had alone: 201, 200, 403, 404, 409, 422")
    outcome: Literal["created", "updated", "unchanged", "failed"]
    id: uuid.UUID | None = None
    version: int | None = None
    external_id: str | None = None
    problem: Problem | None = None


class MeasureBatchOut(OutModel):
    results: list[BatchResult]
