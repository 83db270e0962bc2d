"""Request and response models of projects (扶贫项目), their list, export, stage transitions, steps and overview."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, PlainSerializer, model_validator

from fupin.core.schemas import Code, DateIn, MoneyOut, OutModel, RegionCode, StrictModel, code_schema, error_at

Category = Annotated[str, Code("project_category"), code_schema("project_category")]
Level = Annotated[str, Code("project_level"), code_schema("project_level")]
Nature = Annotated[str, Code("construction_nature"), code_schema("construction_nature")]
Stage = Annotated[str, Code("project_stage"), code_schema("project_stage")]
Health = Annotated[str, Code("project_health"), code_schema("project_health")]
ProjectYear = Annotated[int, Field(ge=2010, le=2100)]
ProjectCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Name = Annotated[str, Field(min_length=2, max_length=200)]
Unit = Annotated[str, Field(min_length=2, max_length=100)]
Person = Annotated[str, Field(min_length=1, max_length=50)]
Mechanism = Annotated[str, Field(min_length=1, max_length=4000)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
SourceSystem = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Regions = Annotated[list[RegionCode], Field(min_length=1, max_length=50)]
EARLIEST = date(2010, 1, 1)
LATEST = date(2100, 12, 31)
# a share 0..1 with four places, a string in JSON
Share = Annotated[
    Decimal, PlainSerializer(lambda v: str(v.quantize(Decimal("0.0001"))), return_type=str, when_used="json")
]


def _dates_in_order(planned_start_on: date | None, due_on: date | None) -> None:
    for name, value in (("planned_start_on", planned_start_on), ("due_on", due_on)):
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise error_at(name, "date.out_of_range", "日期须在 2010-01-01 至 2100-12-31 之间")
    if planned_start_on is not None and due_on is not None and due_on < planned_start_on:
        raise error_at(
            "due_on", "project.dates_order", "计划完成日期不能早于计划开工日期 (due_on is before planned_start_on)"
        )


def _distinct_regions(regions: list[str] | None) -> None:
    if regions is None:
        return
    seen: set[str] = set()
    for i, code in enumerate(regions):
        if code in seen:
            raise error_at(f"region_codes/{i}", "project.region_duplicate", "区划重复 (the region is listed twice)")
        seen.add(code)


class ProjectFields(StrictModel):
    code: ProjectCode = Field(description="项目编号: unique per year and county")
    name: Name = Field(description="项目名称")
    category: Category = Field(description="项目类别")
    level: Level = Field(description="项目级别")
    nature: Nature = Field(description="建设性质")
    year: ProjectYear = Field(description="项目年度")
    region_codes: Regions = Field(
        description="建设地点: 1..50 regions of one county within the caller's area (6, 9 or 12 digits)"
    )
    responsible_unit: Unit = Field(description="责任单位")
    responsible_person: Person | None = Field(None, description="责任人")
    planned_start_on: DateIn = Field(description="计划开工日期")
    due_on: DateIn = Field(description="计划完成日期, not before planned_start_on")
    benefit_mechanism: Mechanism | None = Field(None, description="带贫减贫机制")


class ProjectCreate(ProjectFields):
    """申报: a project is declared (stage `declared`, the first step of its history)."""

    source_system: SourceSystem | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProjectCreate:
        _dates_in_order(self.planned_start_on, self.due_on)
        _distinct_regions(self.region_codes)
        if (self.source_system is None) != (self.external_id is None):
            missing = "external_id" if self.external_id is None else "source_system"
            raise error_at(missing, "project.external_key", "source_system 和 external_id 须同时提供")
        return self


class ProjectUpdate(StrictModel):
    """Partial update (PATCH, If-Match): only the fields sent change; null clears an optional field. Stages change
    through transitions. Possible until the project is completed or removed."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "code",
            "name",
            "category",
            "level",
            "nature",
            "year",
            "region_codes",
            "responsible_unit",
            "planned_start_on",
            "due_on",
        }
    )

    code: ProjectCode | None = None
    name: Name | None = None
    category: Category | None = None
    level: Level | None = None
    nature: Nature | None = None
    year: ProjectYear | None = None
    region_codes: Regions | None = None
    responsible_unit: Unit | None = None
    responsible_person: Person | None = None
    planned_start_on: DateIn | None = None
    due_on: DateIn | None = None
    benefit_mechanism: Mechanism | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProjectUpdate:
        _dates_in_order(self.planned_start_on, self.due_on)
        _distinct_regions(self.region_codes)
        return self


class ProjectTransitionIn(StrictModel):
    to: Stage = Field(
        description="申报 declared → 审核 reviewed → 论证/审定 approved → 入库 in_library → 实施 implementing → "
        "验收 accepted → 完成 completed; 出库 removed (with a reason) from declared, reviewed, approved, in_library"
    )
    reason: Reason | None = Field(None, description="Required to remove (出库)")
    evidence_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = Field(
        default_factory=list, description="Evidence (files) of the decision"
    )


class ProjectOut(OutModel):
    id: uuid.UUID
    code: str
    name: str
    category: str
    level: str
    nature: str
    year: int
    county_code: str
    area_code: str = Field(description="The smallest region holding every region of the project (its area)")
    region_codes: list[str]
    responsible_unit: str
    responsible_person: str | None
    planned_start_on: date
    due_on: date
    benefit_mechanism: str | None
    stage: str
    stage_reason: str | None
    entered_library_on: date | None
    completed_on: date | None
    removed_on: date | None
    health: Literal["on_track", "at_risk", "overdue"]
    progress: Share | None = Field(description="0..1 (string); null without targets or milestones")
    source_system: str | None
    external_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectRow(ProjectOut):
    allocated: MoneyOut = Field(description="Funds allocated (资金下达), yuan")
    disbursed: MoneyOut = Field(description="Funds disbursed (报账), yuan")


class ProjectPage(OutModel):
    items: list[ProjectRow]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")
    total: int | None = None


class ProjectFilters(BaseModel):
    region: RegionCode | None = Field(None, description="Projects lying within this region (any level)")
    category: Category | None = None
    level: Level | None = None
    stage: Stage | None = None
    health: Health | None = None
    year: ProjectYear | None = None
    county: RegionCode | None = Field(None, description="The project's county")
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="项目编号 or 名称 contains this text"
    )


class ProjectListQuery(ProjectFilters):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    include_total: bool = False


class ProjectExportQuery(ProjectFilters):
    format: Literal["csv", "xlsx", "ndjson"] = Field("csv", description="csv (default), xlsx or ndjson")
    encoding: Literal["utf-8", "gb18030"] | None = Field(None, description="CSV only: utf-8 (BOM) or gb18030")

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> ProjectExportQuery:
        if self.encoding is not None and self.format != "csv":
            raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")
        return self


class StepActor(OutModel):
    type: str
    id: str
    name: str


class ProjectStepOut(OutModel):
    from_stage: str | None = Field(description="null: the declaration (申报)")
    to_stage: str
    reason: str | None
    evidence_ids: list[str]
    actor: StepActor
    at: datetime


class ProjectSteps(OutModel):
    items: list[ProjectStepOut]


class OverviewQuery(BaseModel):
    region: RegionCode | None = Field(None, description="Projects lying within this region")
    year: ProjectYear | None = None


class Count(OutModel):
    code: str
    count: int


class CategoryHealth(OutModel):
    category: str
    health: str
    count: int


class ProjectOverview(OutModel):
    total: int
    by_category: list[Count]
    by_stage: list[Count]
    by_health: list[Count]
    by_category_health: list[CategoryHealth]
