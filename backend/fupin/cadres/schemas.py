"""Inputs and outputs of cadres, assignments, visits and residency days."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from fupin.core import idnumber
from fupin.core.pii import MaskedOut, PersonalData
from fupin.core.schemas import Code, DateIn, OutModel, RegionCode, StrictModel, code_schema, error_at
from fupin.households.fields import Name, Phone, Year

CadreKind = Annotated[str, Code("cadre_kind"), code_schema("cadre_kind")]
ResidencyKind = Annotated[str, Code("residency_kind"), code_schema("residency_kind")]
Unit = Annotated[str, Field(min_length=1, max_length=100)]
EARLIEST = date(2013, 1, 1)  # 精准扶贫 began in 2013: nothing of the work is older
ENDS_BEFORE_STARTS = "assignment.ends_before_starts"


def _not_in_future(value: date) -> date:
    if value < EARLIEST or value > date.today():
        raise PydanticCustomError("date.out_of_range", "日期须在 2013-01-01 至今天之间 (between 2013-01-01 and today)")
    return value


def _plausible(value: date) -> date:
    if value < EARLIEST or value.year > date.today().year + 1:
        raise PydanticCustomError(
            "date.out_of_range", "日期须在 2013-01-01 至明年年底之间 (between 2013-01-01 and the end of next year)"
        )
    return value


PastDate = Annotated[DateIn, Field(description="ISO date, 2013-01-01 to today")]
PlanDate = Annotated[DateIn, Field(description="ISO date, 2013-01-01 to the end of next year")]


class CadreFields(StrictModel):
    name: Name
    id_number: Annotated[str, Field(min_length=1, max_length=18, description="Resident ID (居民身份证号)")]
    phone: Phone | None = None
    work_unit: Unit = Field(description="帮扶单位: the cadre's work unit")
    post: Annotated[str, Field(max_length=100)] | None = Field(None, description="职务")
    kind: CadreKind

    @field_validator("id_number")
    @classmethod
    def _resident_id(cls, value: str) -> str:
        try:
            return idnumber.parse(value).value
        except idnumber.IdNumberError as exc:
            raise PydanticCustomError(exc.code, exc.message)


class CadreIn(CadreFields):
    region_code: RegionCode | None = Field(
        None, description="The area the cadre serves (within the caller's); default: the caller's area"
    )


class CadreUpdate(StrictModel):
    """Partial update: only the fields sent change."""

    not_null: ClassVar[frozenset[str]] = frozenset({"name", "work_unit", "region_code", "active"})

    name: Name | None = None
    phone: Phone | None = None
    work_unit: Unit | None = None
    post: Annotated[str, Field(max_length=100)] | None = None
    region_code: RegionCode | None = None
    active: bool | None = None


class CadreOut(MaskedOut):
    id: uuid.UUID
    name: str
    id_number: Annotated[str, PersonalData("id_number")]
    phone: Annotated[str | None, PersonalData("phone")]
    work_unit: str
    post: str | None
    kind: str
    region_code: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int
    pii_masked: bool = Field(description="ID number and phone are masked (no personal-data permission)")


class CadreListItem(OutModel):
    id: uuid.UUID
    name: str
    id_number: str = Field(description="Masked unless the caller holds the personal-data permission")
    phone: str | None
    work_unit: str
    post: str | None
    kind: str
    region_code: str
    active: bool
    version: int


class CadrePage(OutModel):
    items: list[CadreListItem]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class CadresQuery(BaseModel):
    region: RegionCode | None = None
    kind: CadreKind | None = None
    work_unit: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")] | None = None
    active: bool | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class AssignmentIn(StrictModel):
    """A paired cadre to a household (`household_id`); a first secretary or work-team member to a village
    (`village_code`). Without `ends_on` it is current: it ends the household's current pairing (the village's
    current first secretary), which is kept as history."""

    household_id: uuid.UUID | None = None
    village_code: RegionCode | None = None
    starts_on: Annotated[PlanDate, Field()]
    ends_on: PlanDate | None = None

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, value: date | None) -> date | None:
        return None if value is None else _plausible(value)

    @model_validator(mode="after")
    def _rules(self) -> AssignmentIn:
        if (self.household_id is None) == (self.village_code is None):
            raise error_at(
                "household_id",
                "assignment.target_required",
                "须且只能指定 household_id (帮扶责任人) 或 village_code (第一书记、驻村工作队员) 之一",
            )
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise error_at("ends_on", ENDS_BEFORE_STARTS, "结束日期不能早于开始日期 (ends_on is before starts_on)")
        return self


class AssignmentOut(OutModel):
    id: uuid.UUID
    cadre_id: uuid.UUID
    cadre_name: str
    work_unit: str
    kind: str = Field(description="cadre_kind of the assignment: paired, first_secretary, work_team")
    household_id: uuid.UUID | None
    household_number: str | None
    head_name: str | None
    village_code: str
    starts_on: date
    ends_on: date | None
    current: bool = Field(description="Not ended (no ends_on, or ends_on after today)")
    version: int


class AssignmentList(OutModel):
    items: list[AssignmentOut]


class TurnoverRow(OutModel):
    work_unit: str
    held: int = Field(description="Assignments held at some time in the year")
    ended: int = Field(description="Assignments ended in the year")
    rate: str = Field(description="ended / held, a decimal string with 4 places")


class TurnoverOut(OutModel):
    year: int
    items: list[TurnoverRow]


class TurnoverQuery(BaseModel):
    year: Year
    region: RegionCode | None = None


class VisitIn(StrictModel):
    cadre_id: uuid.UUID
    household_id: uuid.UUID
    visited_on: PastDate
    content: Annotated[str, Field(min_length=2, max_length=2000, description="走访内容")]
    location: Annotated[str, Field(max_length=200)] | None = Field(None, description="地点 (text or lat,lng)")

    @field_validator("visited_on")
    @classmethod
    def _past(cls, value: date) -> date:
        return _not_in_future(value)


class VisitOut(OutModel):
    id: uuid.UUID
    cadre_id: uuid.UUID
    cadre_name: str
    cadre_kind: str
    household_id: uuid.UUID
    household_number: str
    head_name: str | None
    village_code: str
    visited_on: date
    content: str
    location: str | None
    evidence_count: int
    created_by: str | None
    created_at: datetime
    version: int


class VisitPage(OutModel):
    items: list[VisitOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class VisitsQuery(BaseModel):
    cadre_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    region: RegionCode | None = None
    visited_from: date | None = None
    visited_to: date | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class HouseholdVisitsQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class ResidencyIn(StrictModel):
    cadre_id: uuid.UUID
    day: PastDate
    kind: ResidencyKind

    @field_validator("day")
    @classmethod
    def _past(cls, value: date) -> date:
        return _not_in_future(value)


class ResidencyOut(OutModel):
    id: uuid.UUID
    cadre_id: uuid.UUID
    cadre_name: str
    day: date
    kind: str
    region_code: str
    recorded_by: str | None
    updated_at: datetime
    version: int


class ResidencyPage(OutModel):
    items: list[ResidencyOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class ResidencyQuery(BaseModel):
    cadre_id: uuid.UUID | None = None
    region: RegionCode | None = None
    day_from: date | None = None
    day_to: date | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class ResidencyYearQuery(BaseModel):
    year: Year


class ResidencyDays(OutModel):
    present: int
    leave: int
    duty: int


class ResidencyYear(OutModel):
    cadre_id: uuid.UUID
    year: int
    days: ResidencyDays = Field(description="Days recorded per kind")
    counted: int = Field(description="present + duty (official duty counts as present)")
    required: int = Field(description="Days a year required (200)")
    required_to_date: int = Field(description="The requirement pro rata to today (the whole of it for a past year)")
    below_required: bool = Field(description="counted < required_to_date")
