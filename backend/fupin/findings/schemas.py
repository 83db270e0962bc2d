"""Request and response models of supervision findings (督查问题), their tasks (整改措施), transitions and steps."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from fupin.core.schemas import Code, DateIn, OutModel, RegionCode, StrictModel, code_schema, error_at

Source = Annotated[str, Code("finding_source"), code_schema("finding_source")]
Category = Annotated[str, Code("finding_category"), code_schema("finding_category")]
Severity = Annotated[str, Code("finding_severity"), code_schema("finding_severity")]
Timeframe = Annotated[str, Code("finding_timeframe"), code_schema("finding_timeframe")]
State = Annotated[str, Code("finding_state"), code_schema("finding_state")]
LinkType = Annotated[str, Code("finding_link_type"), code_schema("finding_link_type")]
Batch = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(min_length=2, max_length=4000)]
Unit = Annotated[str, Field(min_length=2, max_length=100)]
Person = Annotated[str, Field(min_length=1, max_length=50)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Rectification = Annotated[str, Field(min_length=2, max_length=4000)]
TaskWhat = Annotated[str, Field(min_length=2, max_length=500)]
TaskWho = Annotated[str, Field(min_length=1, max_length=100)]
Position = Annotated[int, Field(ge=0, le=10_000)]
FindingYear = Annotated[int, Field(ge=2010, le=2100)]
SourceSystem = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
EARLIEST = date(2010, 1, 1)
LATEST = date(2100, 12, 31)
LINKS_MAX = 50


class LinkIn(StrictModel):
    type: LinkType = Field(description="household, project, measure or disbursement")
    id: uuid.UUID = Field(description="The record's id; it must lie in the caller's area")


class LinkOut(OutModel):
    type: str
    id: uuid.UUID
    label: str | None = Field(
        None, description="The record's name as the caller sees it (户编号 户主, 项目编号 名称); null outside the area"
    )


Links = Annotated[list[LinkIn], Field(max_length=LINKS_MAX)]


def _dates(raised_on: date | None, deadline: date | None) -> None:
    for name, value in (("raised_on", raised_on), ("deadline", deadline)):
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise error_at(name, "date.out_of_range", "日期须在 2010-01-01 至 2100-12-31 之间")
    if raised_on is not None and deadline is not None and deadline < raised_on:
        raise error_at(
            "deadline", "finding.deadline_before_raised", "整改时限不能早于发现日期 (deadline is before raised_on)"
        )


def _distinct_links(links: list[LinkIn] | None) -> None:
    seen: set[tuple[str, uuid.UUID]] = set()
    for i, link in enumerate(links or []):
        if (link.type, link.id) in seen:
            raise error_at(f"links/{i}/id", "finding.link_duplicate", "关联记录重复 (the record is linked twice)")
        seen.add((link.type, link.id))


class FindingCreate(StrictModel):
    """A finding is raised (state `pending` 待整改, the first step of its history); its number is the next of the
    year of `raised_on`."""

    source: Source = Field(description="问题来源")
    batch: Batch = Field(description="批次: the inspection the finding came from")
    category: Category = Field(description="问题类别")
    severity: Severity = Field(description="严重程度")
    timeframe: Timeframe = Field(description="整改时限类型: 短期攻坚, 中期推进, 长期坚持")
    description: Description = Field(description="问题描述")
    region_code: RegionCode = Field(description="责任区划 (the finding's area), within the caller's area")
    lead_unit: Unit = Field(description="牵头单位")
    responsible_unit: Unit = Field(description="责任单位")
    responsible_person: Person | None = Field(None, description="责任人")
    raised_on: DateIn = Field(description="发现日期")
    deadline: DateIn = Field(description="整改时限, not before raised_on")
    links: Links = Field(default_factory=list, description="Records the finding is about, in the caller's area")
    reopens_id: uuid.UUID | None = Field(
        None,
        description="回头看: the closed finding this re-inspection found again (source re_inspection); it is marked "
        "reopened",
    )
    source_system: SourceSystem | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _rules(self) -> FindingCreate:
        _dates(self.raised_on, self.deadline)
        _distinct_links(self.links)
        if self.reopens_id is not None and self.source != "re_inspection":
            raise error_at("source", "finding.reopens_source", "重新打开已销号问题须以“回头看”为来源")
        if (self.source_system is None) != (self.external_id is None):
            missing = "external_id" if self.external_id is None else "source_system"
            raise error_at(missing, "finding.external_key", "source_system 和 external_id 须同时提供")
        return self


class FindingUpdate(StrictModel):
    """Partial update (PATCH, If-Match): only the fields sent change; `links` replaces the list. States change
    through transitions. Possible while the finding is open."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "source",
            "batch",
            "category",
            "severity",
            "timeframe",
            "description",
            "region_code",
            "lead_unit",
            "responsible_unit",
            "raised_on",
            "deadline",
            "links",
        }
    )

    source: Source | None = None
    batch: Batch | None = None
    category: Category | None = None
    severity: Severity | None = None
    timeframe: Timeframe | None = None
    description: Description | None = None
    region_code: RegionCode | None = None
    lead_unit: Unit | None = None
    responsible_unit: Unit | None = None
    responsible_person: Person | None = None
    raised_on: DateIn | None = None
    deadline: DateIn | None = None
    links: Links | None = None

    @model_validator(mode="after")
    def _rules(self) -> FindingUpdate:
        _dates(self.raised_on, self.deadline)
        _distinct_links(self.links)
        return self


class FindingTransitionIn(StrictModel):
    to: Literal["rectifying", "submitted", "closed", "returned", "transferred"] = Field(
        description="待整改 pending → 整改中 rectifying → 申请销号 submitted (rectification text, every task done, "
        "evidence attached) → 已销号 closed or 退回 returned (with a reason; then back to rectifying); any open "
        "state → 移交纪委 transferred (with a reason)"
    )
    reason: Reason | None = Field(None, description="Required to return (退回) and to transfer (移交纪委)")
    rectification: Rectification | None = Field(None, description="整改情况: kept on the finding; needed to submit")
    evidence_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = Field(
        default_factory=list, description="Files attached to the finding that support the step"
    )


class FindingFields(OutModel):
    id: uuid.UUID
    year: int
    number: int = Field(description="编号: gap-free per year")
    source: str
    batch: str
    category: str
    severity: str
    timeframe: str
    description: str
    region_code: str
    lead_unit: str
    responsible_unit: str
    responsible_person: str | None
    raised_on: date
    deadline: date
    overdue: bool = Field(description="The deadline has passed and the finding is not closed")
    state: str
    state_reason: str | None
    rectification: str | None
    closed_by: str | None
    closed_on: date | None
    reopened: bool
    overdue_days: int = Field(description="Days past the deadline, paused days excluded (as of the daily check)")
    warning: Literal["yellow", "red"] | None = Field(description="黄牌 (7 days overdue) or 红牌 (30, or 2nd yellow)")
    escalated_to: str | None = Field(description="The region the finding was escalated to (督办), if any")
    paused: bool = Field(description="The deadline is paused today (waiting on another body)")
    source_system: str | None
    external_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class FindingOut(FindingFields):
    links: list[LinkOut]
    reopens_id: uuid.UUID | None = Field(None, description="回头看: the closed finding this one found again")
    reopened_by_id: uuid.UUID | None = Field(None, description="The 回头看 finding that reopened this one")


class FindingPage(OutModel):
    items: list[FindingFields]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")
    total: int | None = None


class FindingFilters(BaseModel):
    state: State | None = None
    source: Source | None = None
    batch: Batch | None = None
    category: Category | None = None
    region_code: RegionCode | None = Field(None, description="Findings of this region and below")
    responsible_unit: Unit | None = None
    overdue: bool | None = Field(None, description="true: past the deadline and not closed; false: the others")
    warning: Literal["yellow", "red", "none"] | None = Field(
        None, description="警示: yellow 黄牌, red 红牌, none: findings without a warning"
    )
    year: FindingYear | None = None
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="问题描述 or 批次 contains this text"
    )


class FindingListQuery(FindingFilters):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    include_total: bool = False


class TaskIn(StrictModel):
    what: TaskWhat = Field(description="整改措施")
    who: TaskWho = Field(description="责任人或单位")
    due_on: DateIn = Field(description="完成时限")
    done_on: DateIn | None = Field(None, description="完成日期; not in the future")
    position: Position | None = Field(None, description="Order; after the last when omitted")


class TaskUpdate(StrictModel):
    not_null: ClassVar[frozenset[str]] = frozenset({"what", "who", "due_on", "position"})
    what: TaskWhat | None = None
    who: TaskWho | None = None
    due_on: DateIn | None = None
    done_on: DateIn | None = Field(None, description="null: not done")
    position: Position | None = None


class TaskOut(OutModel):
    id: uuid.UUID
    what: str
    who: str
    due_on: date
    done_on: date | None
    position: int
    created_at: datetime
    version: int


class TaskList(OutModel):
    items: list[TaskOut]


class StepActor(OutModel):
    type: str
    id: str
    name: str


class FindingStepOut(OutModel):
    from_state: str | None = Field(description="null: the finding was raised")
    to_state: str
    reason: str | None
    evidence_ids: list[str]
    actor: StepActor
    at: datetime


class FindingSteps(OutModel):
    items: list[FindingStepOut]


Waits = Annotated[str, Field(min_length=2, max_length=100)]


class PauseIn(StrictModel):
    reason: Reason = Field(description="暂停原因")
    starts_on: DateIn = Field(description="First paused day: not before the raising, not after today")
    waits_on: Waits = Field(description="The other body the finding waits on (等待的单位)")


class PauseEnd(StrictModel):
    ends_on: DateIn = Field(description="Last paused day: not before starts_on, not after today")


class PauseOut(OutModel):
    id: uuid.UUID
    reason: str
    waits_on: str
    starts_on: date
    ends_on: date | None
    started_by: str
    ended_by: str | None
    created_at: datetime


class PauseList(OutModel):
    items: list[PauseOut]


class ReminderUnit(OutModel):
    responsible_unit: str
    open: int
    overdue: int
    yellow: int
    red: int
    nearest_deadline: date | None


class Reminders(OutModel):
    items: list[ReminderUnit]


class ReminderQuery(BaseModel):
    region_code: RegionCode | None = Field(None, description="Units of this region and below")
