"""Request and response models of a project's targets (绩效目标) and their updates, milestones (节点) and
beneficiaries (受益户)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PlainSerializer

from fupin.core.schemas import Code, DateIn, OutModel, StrictModel, code_schema


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


# quantities leave the API as exact decimal strings ("196.6", "938"), never floats
QuantityOut = Annotated[Decimal, PlainSerializer(_quantity, return_type=str, when_used="json")]
# quantities in: a JSON string or number, three decimal places at most (NUMERIC(14, 3))
Quantity = Annotated[Decimal, Field(ge=0, le=Decimal("99999999999.999"), max_digits=14, decimal_places=3)]
TargetUnit = Annotated[str, Code("target_unit"), code_schema("target_unit")]
Metric = Annotated[str, Field(min_length=1, max_length=100)]
Note = Annotated[str, Field(min_length=1, max_length=500)]
EvidenceIds = Annotated[list[uuid.UUID], Field(max_length=20)]
DERIVED_UNITS = ("household", "person")


class TargetIn(StrictModel):
    metric: Metric = Field(description="指标名称, e.g. 危房改造户数")
    unit: TargetUnit
    baseline: Quantity = Field(Decimal(0), description="基期值 (default 0)")
    target: Quantity = Field(description="目标值")
    derived_from: Literal["housing", "water"] | None = Field(
        None,
        description="A measure type: the actual is counted from the linked measures of that type that are done "
        "(unit household: their households, person: their members); never reported by hand",
    )


class TargetUpdate(StrictModel):
    """Partial update (PATCH) of what the target says; the actual changes only by updates (or its measures)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"metric", "unit", "baseline", "target"})

    metric: Metric | None = None
    unit: TargetUnit | None = None
    baseline: Quantity | None = None
    target: Quantity | None = None


class TargetOut(OutModel):
    id: uuid.UUID
    metric: str
    unit: str
    baseline: QuantityOut
    target: QuantityOut
    actual: QuantityOut = Field(description="实际完成: the latest update, or counted from the linked measures")
    derived_from: str | None
    progress: QuantityOut = Field(description="clamp((actual − baseline) / (target − baseline), 0, 1)")
    version: int
    updates_count: int


class TargetList(OutModel):
    items: list[TargetOut]


class TargetActualIn(StrictModel):
    actual: Quantity = Field(description="实际完成 as of `as_of`")
    as_of: DateIn = Field(description="The day the actual was measured; not in the future")
    note: Note | None = None
    evidence_ids: EvidenceIds = Field(default_factory=list)


class Actor(OutModel):
    type: str
    id: str
    name: str


class TargetActualOut(OutModel):
    id: int
    actual: QuantityOut
    previous: QuantityOut
    as_of: date
    note: str | None
    evidence_ids: list[str]
    actor: Actor
    at: datetime


class TargetActualList(OutModel):
    items: list[TargetActualOut]


MilestoneName = Annotated[str, Field(min_length=1, max_length=100)]
Position = Annotated[int, Field(ge=0, le=10000)]


class MilestoneIn(StrictModel):
    name: MilestoneName
    due_on: DateIn = Field(description="计划完成日期; not before the project's planned start")
    done_on: DateIn | None = Field(None, description="实际完成日期; not in the future nor before the planned start")
    position: Position | None = Field(None, description="Order in the timeline; after the last when omitted")
    evidence_ids: EvidenceIds = Field(default_factory=list, description="Files attached to the project (佐证)")


class MilestoneUpdate(StrictModel):
    not_null: ClassVar[frozenset[str]] = frozenset({"name", "due_on", "position", "evidence_ids"})
    name: MilestoneName | None = None
    due_on: DateIn | None = None
    done_on: DateIn | None = Field(None, description="null: not done")
    position: Position | None = None
    evidence_ids: EvidenceIds | None = Field(None, description="Replaces the milestone's files (of the project)")


class MilestoneOut(OutModel):
    id: uuid.UUID
    name: str
    due_on: date
    done_on: date | None
    position: int
    evidence_ids: list[str]
    created_at: datetime
    version: int


class MilestoneList(OutModel):
    items: list[MilestoneOut]


BENEFICIARIES_MAX = 1000


class BeneficiariesIn(StrictModel):
    household_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=BENEFICIARIES_MAX)] = Field(
        description="Households of the project's regions (up to 1,000)"
    )
    measure_ids: Annotated[list[uuid.UUID], Field(max_length=BENEFICIARIES_MAX)] = Field(
        default_factory=list,
        description="Measures of those households delivered through the project: their project_id is set",
    )


class BeneficiaryOut(OutModel):
    household_id: uuid.UUID
    household_number: str | None
    head_name: str | None
    village_code: str
    status: str
    members: int
    measure_ids: list[uuid.UUID]


class BeneficiariesOut(OutModel):
    households: int
    people: int
    poor_households: int = Field(description="Households whose status is not_exited or returned")
    poor_people: int
    items: list[BeneficiaryOut]
