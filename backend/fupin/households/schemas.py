"""Request and response models of the household register."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from fupin.core import idnumber
from fupin.core.schemas import Code, DateIn, MoneyOut, OutModel, StrictModel, code_schema

Status = Annotated[str, Code("household_status"), code_schema("household_status")]
Attribute = Annotated[str, Code("attribute"), code_schema("attribute")]
IdentificationStandard = Annotated[str, Code("identification_standard"), code_schema("identification_standard")]
Cause = Annotated[str, Code("poverty_cause"), code_schema("poverty_cause")]
Gender = Annotated[str, Code("gender"), code_schema("gender")]
IdType = Annotated[str, Code("id_type"), code_schema("id_type")]
Ethnicity = Annotated[str, Code("ethnicity"), code_schema("ethnicity")]
Relation = Annotated[str, Code("relation"), code_schema("relation")]
Education = Annotated[str, Code("education"), code_schema("education")]
SchoolStatus = Annotated[str, Code("school_status"), code_schema("school_status")]
Health = Annotated[str, Code("health"), code_schema("health")]
Labour = Annotated[str, Code("labour"), code_schema("labour")]
WorkStatus = Annotated[str, Code("work_status"), code_schema("work_status")]
AddReason = Annotated[str, Code("member_add_reason"), code_schema("member_add_reason")]
RemoveReason = Annotated[str, Code("member_remove_reason"), code_schema("member_remove_reason")]
HousingSafety = Annotated[str, Code("housing_safety"), code_schema("housing_safety")]
RoadType = Annotated[str, Code("road_type"), code_schema("road_type")]
Fuel = Annotated[str, Code("fuel"), code_schema("fuel")]
RegionCode = Annotated[str, Field(pattern=r"^\d{12}$", description="12-digit statistical region code")]
Year = Annotated[int, Field(ge=2010, le=2100)]
Name = Annotated[str, Field(min_length=1, max_length=50)]
Phone = Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")]
NonNegativeMoney = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)]


def _id_error(exc: idnumber.IdNumberError) -> PydanticCustomError:
    return PydanticCustomError(exc.code, exc.message)


class MemberFields(StrictModel):
    """Fields of a member that may be set on create and changed later."""

    name: Name
    id_type: IdType = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=24)]
    gender: Gender | None = Field(None, description="Derived from the ID number when omitted")
    birth_date: DateIn | None = Field(None, description="Derived from the ID number when omitted")
    ethnicity: Ethnicity = "01"
    relation: Relation
    education: Education | None = None
    school_status: SchoolStatus | None = None
    health: Health = "healthy"
    disability_grade: Annotated[int, Field(ge=1, le=4)] | None = None
    labour: Labour | None = None
    work_status: WorkStatus | None = None
    months_worked: Annotated[int, Field(ge=0, le=12)] | None = None
    public_welfare_job: bool = False
    medical_insurance: bool = False
    serious_illness_insurance: bool = False
    pension_insurance: bool = False
    dibao: bool = False
    tekun: bool = False

    @model_validator(mode="after")
    def _check_identity(self) -> MemberFields:
        if self.id_type == "resident_id":
            try:
                parsed = idnumber.parse(self.id_number)
            except idnumber.IdNumberError as exc:
                raise _id_error(exc)
            self.id_number = parsed.value
            if self.birth_date is not None and self.birth_date != parsed.birth_date:
                raise PydanticCustomError(
                    "id_number.birth_date_mismatch",
                    "出生日期与身份证号不一致 (birth date disagrees with the ID number)",
                )
            if self.gender is not None and self.gender != parsed.gender:
                raise PydanticCustomError(
                    "id_number.gender_mismatch", "性别与身份证号不一致 (gender disagrees with the ID number)"
                )
            self.birth_date = parsed.birth_date
            self.gender = parsed.gender
        elif self.birth_date is None or self.gender is None:
            raise PydanticCustomError(
                "member.identity_required", "非身份证件须填写性别和出生日期 (gender and birth date required)"
            )
        if self.health == "disabled" and self.disability_grade is None:
            raise PydanticCustomError("member.disability_grade_required", "残疾须填写残疾等级 (grade 1-4 required)")
        if self.health != "disabled" and self.disability_grade is not None:
            raise PydanticCustomError("member.disability_grade_unexpected", "非残疾人员不应填写残疾等级")
        return self


class MemberCreate(MemberFields):
    pass


class MemberAdd(MemberFields):
    reason: AddReason = Field(description="成员变更原因: 新生儿, 嫁入, 其他转入 ...")
    changed_on: DateIn | None = None


class MemberUpdate(StrictModel):
    """Partial update of a member; relation 01 (head) is changed through the head endpoint."""

    name: Name | None = None
    id_type: IdType | None = None
    id_number: Annotated[str, Field(min_length=1, max_length=24)] | None = None
    gender: Gender | None = None
    birth_date: DateIn | None = None
    ethnicity: Ethnicity | None = None
    relation: Relation | None = None
    education: Education | None = None
    school_status: SchoolStatus | None = None
    health: Health | None = None
    disability_grade: Annotated[int, Field(ge=1, le=4)] | None = None
    labour: Labour | None = None
    work_status: WorkStatus | None = None
    months_worked: Annotated[int, Field(ge=0, le=12)] | None = None
    public_welfare_job: bool | None = None
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None


class HeadChange(StrictModel):
    member_id: uuid.UUID = Field(description="The member who becomes head of household (户主)")
    previous_head_relation: Relation = Field("99", description="New relation of the former head to the new head")


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
    housing_area: Annotated[Decimal, Field(ge=0, le=10000, decimal_places=2)] | None = None
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
            raise PydanticCustomError("household.secondary_causes", "次要致贫原因不能重复, 也不能与主要致贫原因相同")
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
            raise PydanticCustomError(
                "household.head_required", "须有且只有一名户主 (exactly one member with relation 01)"
            )
        seen: set[str] = set()
        for m in self.members:
            if m.id_number in seen:
                raise PydanticCustomError("household.duplicate_member", "同一身份证号在本户出现多次")
            seen.add(m.id_number)
        if (self.source_system is None) != (self.external_id is None):
            raise PydanticCustomError("household.external_key", "source_system 和 external_id 须同时提供")
        return self


class HouseholdUpdate(StrictModel):
    """Partial update (PATCH): only the fields sent change. Status changes go through status-transitions."""

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
    housing_area: Annotated[Decimal, Field(ge=0, le=10000, decimal_places=2)] | None = None
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


class MemberOut(OutModel):
    id: uuid.UUID
    name: str
    id_type: str
    id_number: str = Field(description="Masked (220382********1234) without the personal-data permission")
    gender: str
    birth_date: date | None = Field(description="Null when masked")
    ethnicity: str
    relation: str
    education: str | None
    school_status: str | None
    health: str | None = Field(description="Null when masked (health details are personal data)")
    disability_grade: int | None
    labour: str | None
    work_status: str | None
    months_worked: int | None
    public_welfare_job: bool
    medical_insurance: bool
    serious_illness_insurance: bool
    pension_insurance: bool
    dibao: bool
    tekun: bool
    active: bool
    added_reason: str
    added_on: date | None
    removed_reason: str | None
    removed_on: date | None
    is_head: bool
    version: int
    pii_masked: bool


class HouseholdOut(OutModel):
    id: uuid.UUID
    household_number: str
    village_code: str
    village_name: str | None
    township_name: str | None
    county_name: str | None
    group: str | None
    address: str | None
    phone: str | None
    bank_account: str | None
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


class MemberList(OutModel):
    items: list[MemberOut]


HouseholdSort = Literal["household_number", "-household_number", "updated_at", "-updated_at"]


class HouseholdListQuery(BaseModel):
    """Query parameters of the household list, validated in one pass (this is the busiest endpoint)."""

    region: Annotated[str, Field(pattern=r"^\d{12}$", description="Any level: county, township, village")] | None = None
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
                raise PydanticCustomError(
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


class StatusTransitionIn(StrictModel):
    to_status: Status
    reason: Annotated[str, Field(min_length=2, max_length=500)]
    year: Year | None = Field(None, description="Assessment year; required for exits (脱贫年度)")


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


class PovertyLineOut(OutModel):
    year: int
    scope: str
    amount: MoneyOut
    note: str | None
    version: int


class PovertyLineIn(StrictModel):
    amount: Annotated[Decimal, Field(gt=0, le=1_000_000, decimal_places=2)]
    note: Annotated[str, Field(max_length=200)] | None = None


class PovertyLineList(OutModel):
    items: list[PovertyLineOut]
