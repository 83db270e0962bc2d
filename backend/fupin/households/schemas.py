"""Request and response models of households (贫困户), their list and their status."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from fupin.adjustments.schemas import OverrideReason
from fupin.core.pii import MaskedOut, PersonalData
from fupin.core.schemas import DateIn, MoneyOut, OutModel, RegionCode, StrictModel, error_at
from fupin.households.fields import (
    Attribute,
    Cause,
    Fuel,
    Health,
    HousingArea,
    HousingSafety,
    IdentificationStandard,
    Labour,
    Phone,
    RoadType,
    Status,
    Year,
)
from fupin.households.member_schemas import MemberCreate, MemberOut


class HouseholdFields(StrictModel):
    group: Annotated[str, Field(max_length=40)] | None = Field(None, description="村民小组")
    address: Annotated[str, Field(max_length=200)] | None = None
    phone: Phone | None = None
    bank_account: Annotated[str, Field(pattern=r"^[0-9]{8,30}$")] | None = Field(None, description="一卡通账号")
    identification_standard: IdentificationStandard = "national"
    attribute: Attribute
    main_cause: Cause
    secondary_causes: Annotated[list[Cause], Field(max_length=2)] = Field(default_factory=list)
    first_identified_on: DateIn
    planned_exit_year: Year | None = None
    housing_area: HousingArea | None = None
    housing_safety: HousingSafety | None = None
    safe_drinking_water: bool | None = None
    electricity: bool | None = None
    road_type: RoadType | None = None
    sanitary_toilet: bool | None = None
    fuel: Fuel | None = None
    relocated: bool = False
    relocation_year: Year | None = None
    relocation_site: Annotated[str, Field(max_length=100)] | None = None
    military_family: bool = False
    only_child: bool = False
    two_daughters: bool = False

    @field_validator("first_identified_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today() or value.year < 2000:
            raise PydanticCustomError("date.out_of_range", "首次识别时间不能晚于今天 (must not be in the future)")
        return value

    @model_validator(mode="after")
    def _causes(self) -> HouseholdFields:
        if len(set(self.secondary_causes)) != len(self.secondary_causes) or self.main_cause in self.secondary_causes:
            raise error_at(
                "secondary_causes", "household.secondary_causes", "次要致贫原因不能重复, 也不能与主要致贫原因相同"
            )
        return self


class HouseholdCreate(HouseholdFields):
    village_code: RegionCode
    members: Annotated[list[MemberCreate], Field(min_length=1, max_length=30)]
    source_system: Annotated[str, Field(max_length=40)] | None = None
    external_id: Annotated[str, Field(max_length=80)] | None = None

    @model_validator(mode="after")
    def _one_head(self) -> HouseholdCreate:
        heads = [m for m in self.members if m.relation == "01"]
        if len(heads) != 1:
            raise error_at(
                "members", "household.head_required", "须有且只有一名户主 (exactly one member with relation 01)"
            )
        seen: set[str] = set()
        for index, m in enumerate(self.members):
            if m.id_number in seen:
                raise error_at(f"members/{index}/id_number", "household.duplicate_member", "同一身份证号在本户出现多次")
            seen.add(m.id_number)
        if (self.source_system is None) != (self.external_id is None):
            missing = "external_id" if self.external_id is None else "source_system"
            raise error_at(missing, "household.external_key", "source_system 和 external_id 须同时提供")
        return self


class HouseholdUpdate(StrictModel):
    """Partial update (PATCH): only the fields sent change. Status changes go through status-transitions.
    The locked fields (attribute, identification_standard) outside an open adjustment window wait as a pending
    change (202), unless `override_reason` is given by a holder of adjustments:override."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "identification_standard",
            "attribute",
            "main_cause",
            "first_identified_on",
            "relocated",
            "military_family",
            "only_child",
            "two_daughters",
            "village_code",
            "secondary_causes",
        }
    )

    village_code: RegionCode | None = None
    group: Annotated[str, Field(max_length=40)] | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
    phone: Phone | None = None
    bank_account: Annotated[str, Field(pattern=r"^[0-9]{8,30}$")] | None = None
    identification_standard: IdentificationStandard | None = None
    attribute: Attribute | None = None
    main_cause: Cause | None = None
    secondary_causes: Annotated[list[Cause], Field(max_length=2)] | None = None
    first_identified_on: DateIn | None = None
    planned_exit_year: Year | None = None
    housing_area: HousingArea | None = None
    housing_safety: HousingSafety | None = None
    safe_drinking_water: bool | None = None
    electricity: bool | None = None
    road_type: RoadType | None = None
    sanitary_toilet: bool | None = None
    fuel: Fuel | None = None
    relocated: bool | None = None
    relocation_year: Year | None = None
    relocation_site: Annotated[str, Field(max_length=100)] | None = None
    military_family: bool | None = None
    only_child: bool | None = None
    two_daughters: bool | None = None
    override_reason: OverrideReason | None = None


class HouseholdOut(MaskedOut):
    id: uuid.UUID
    household_number: str
    village_code: str
    village_name: str | None
    township_name: str | None
    county_name: str | None
    group: str | None
    address: str | None
    phone: Annotated[str | None, PersonalData("phone")]
    bank_account: Annotated[str | None, PersonalData("bank_account")]
    identification_standard: str
    attribute: str
    main_cause: str
    secondary_causes: list[str]
    first_identified_on: date
    status: str
    status_reason: str | None
    planned_exit_year: int | None
    exit_year: int | None
    head_member_id: uuid.UUID | None
    head_name: str | None
    member_count: int
    housing_area: MoneyOut | None
    housing_safety: str | None
    safe_drinking_water: bool | None
    electricity: bool | None
    road_type: str | None
    sanitary_toilet: bool | None
    fuel: str | None
    relocated: bool
    relocation_year: int | None
    relocation_site: str | None
    military_family: bool
    only_child: bool
    two_daughters: bool
    source_system: str | None
    external_id: str | None
    members: list[MemberOut]
    created_at: datetime
    updated_at: datetime
    version: int
    pii_masked: bool


class HouseholdSummary(OutModel):
    id: uuid.UUID
    household_number: str
    village_code: str
    village_name: str | None
    head_name: str | None
    head_id_number: str | None
    member_count: int
    status: str
    attribute: str
    main_cause: str
    first_identified_on: date
    exit_year: int | None
    updated_at: datetime
    version: int


class HouseholdPage(OutModel):
    items: list[HouseholdSummary]
    next_cursor: str | None = None
    total: int | None = None


HouseholdSort = Literal["household_number", "-household_number", "updated_at", "-updated_at"]


class HouseholdListQuery(BaseModel):
    """Query parameters of the household list, validated in one pass (this is the busiest endpoint)."""

    region: RegionCode | None = Field(None, description="Any level: county, township, village")
    status: list[Status] | None = Field(None, description="One or more household_status codes")
    attribute: Attribute | None = None
    main_cause: Cause | None = None
    identified_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    exit_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    q: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$")] | None = Field(
        None, description="Member name or ID number, exact"
    )
    member_health: Health | None = Field(None, description="Members with this health condition (needs pii)")
    member_labour: Labour | None = Field(None, description="Members with this labour ability")
    sort: HouseholdSort = "household_number"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    include_total: bool = False


class StatusTransitionIn(StrictModel):
    to_status: Status
    reason: Annotated[str, Field(min_length=2, max_length=500)]
    year: Year | None = Field(None, description="Assessment year; required for exits (脱贫年度)")
    override_reason: OverrideReason | None = None


class StatusChangeOut(OutModel):
    from_status: str | None
    to_status: str
    reason: str
    year: int | None
    actor_name: str | None
    occurred_at: datetime
    evaluation: dict[str, Any] | None


class StatusHistory(OutModel):
    items: list[StatusChangeOut]
