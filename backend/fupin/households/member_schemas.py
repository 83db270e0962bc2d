"""Request and response models of household members (家庭成员)."""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from fupin.core import idnumber
from fupin.core.pii import MaskedOut, PersonalData
from fupin.core.schemas import DateIn, OutModel, StrictModel
from fupin.households.fields import (
    EARLIEST_BIRTH,
    AddReason,
    Education,
    Ethnicity,
    Gender,
    Health,
    IdType,
    Labour,
    Name,
    Relation,
    SchoolStatus,
    WorkStatus,
    check_past_date,
)

# Every document number fits the column (18): resident IDs are 18, passports and other documents shorter.
IdNumberIn = Annotated[str, Field(min_length=1, max_length=18)]
DisabilityGrade = Annotated[int, Field(ge=1, le=4)]
MonthsWorked = Annotated[int, Field(ge=0, le=12)]


@functools.lru_cache(maxsize=1024)
def _resident_id(value: str) -> idnumber.IdNumber:
    """`idnumber.parse`, remembered: a member's number is checked once for itself and read again for its gender
    and birth date (a refused number raises and is not remembered; an accepted one stays valid)."""
    return idnumber.parse(value)


def _parsed_resident_id(info: ValidationInfo) -> idnumber.IdNumber | None:
    """The member's resident ID, when it is one and it passed its own check (its error is reported there)."""
    if info.data.get("id_type") != "resident_id" or "id_number" not in info.data:
        return None
    return _resident_id(info.data["id_number"])


class MemberFields(StrictModel):
    """Fields of a member that may be set on create and changed later. Each rule reports at the field that must
    change: a bad ID number at `id_number`, a birth date that disagrees with it at `birth_date`."""

    name: Name
    id_type: IdType = "resident_id"
    id_number: IdNumberIn
    gender: Gender | None = Field(None, description="Derived from the ID number when omitted", validate_default=True)
    birth_date: DateIn | None = Field(
        None, description="Derived from the ID number when omitted", validate_default=True
    )
    ethnicity: Ethnicity = "01"
    relation: Relation
    education: Education | None = None
    school_status: SchoolStatus | None = None
    health: Health = "healthy"
    disability_grade: DisabilityGrade | None = Field(None, validate_default=True)
    labour: Labour | None = None
    work_status: WorkStatus | None = None
    months_worked: MonthsWorked | None = None
    public_welfare_job: bool = False
    medical_insurance: bool = False
    serious_illness_insurance: bool = False
    pension_insurance: bool = False
    dibao: bool = False
    tekun: bool = False

    @field_validator("id_number")
    @classmethod
    def _valid_resident_id(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("id_type") != "resident_id":
            return value  # another document, or an id_type that failed its own check
        try:
            return _resident_id(value).value
        except idnumber.IdNumberError as exc:
            raise PydanticCustomError(exc.code, exc.message)

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None, info: ValidationInfo) -> str | None:
        parsed = _parsed_resident_id(info)
        if parsed is not None:
            if value is not None and value != parsed.gender:
                raise PydanticCustomError(
                    "id_number.gender_mismatch", "性别与身份证号不一致 (gender disagrees with the ID number)"
                )
            return parsed.gender
        if value is None and info.data.get("id_type", "resident_id") != "resident_id":
            raise PydanticCustomError("member.identity_required", "非身份证件须填写性别 (gender required)")
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        check_past_date(value, earliest=EARLIEST_BIRTH)
        parsed = _parsed_resident_id(info)
        if parsed is not None:
            if value is not None and value != parsed.birth_date:
                raise PydanticCustomError(
                    "id_number.birth_date_mismatch",
                    "出生日期与身份证号不一致 (birth date disagrees with the ID number)",
                )
            return parsed.birth_date
        if value is None and info.data.get("id_type", "resident_id") != "resident_id":
            raise PydanticCustomError("member.identity_required", "非身份证件须填写出生日期 (birth date required)")
        return value

    @field_validator("disability_grade")
    @classmethod
    def _grade(cls, value: int | None, info: ValidationInfo) -> int | None:
        health = info.data.get("health")
        if health == "disabled" and value is None:
            raise PydanticCustomError("member.disability_grade_required", "残疾须填写残疾等级 (grade 1-4 required)")
        if health is not None and health != "disabled" and value is not None:
            raise PydanticCustomError("member.disability_grade_unexpected", "非残疾人员不应填写残疾等级")
        return value


class MemberCreate(MemberFields):
    pass


class MemberAdd(MemberFields):
    reason: AddReason = Field(description="成员变更原因: 新生儿, 嫁入, 其他转入 ...")
    changed_on: DateIn | None = None

    @field_validator("changed_on")
    @classmethod
    def _happened(cls, value: date | None) -> date | None:
        return check_past_date(value)


class MemberUpdate(StrictModel):
    """Partial update of a member; relation 01 (head) is changed through the head endpoint."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "id_type",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "relation",
            "health",
            "public_welfare_job",
            "medical_insurance",
            "serious_illness_insurance",
            "pension_insurance",
            "dibao",
            "tekun",
        }
    )

    name: Name | None = None
    id_type: IdType | None = None
    id_number: IdNumberIn | None = None
    gender: Gender | None = None
    birth_date: DateIn | None = None
    ethnicity: Ethnicity | None = None
    relation: Relation | None = None
    education: Education | None = None
    school_status: SchoolStatus | None = None
    health: Health | None = None
    disability_grade: DisabilityGrade | None = None
    labour: Labour | None = None
    work_status: WorkStatus | None = None
    months_worked: MonthsWorked | None = None
    public_welfare_job: bool | None = None
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None


class HeadChange(StrictModel):
    member_id: uuid.UUID = Field(description="The member who becomes head of household (户主)")
    previous_head_relation: Relation = Field("99", description="New relation of the former head to the new head")


class MemberOut(MaskedOut):
    id: uuid.UUID
    name: str
    id_type: str
    id_number: Annotated[str, PersonalData("id_number")] = Field(
        description="Masked (220382********1234, other documents P8******) without the personal-data permission"
    )
    gender: str
    birth_date: Annotated[date | None, PersonalData("birth_date")] = Field(description="Null when masked")
    ethnicity: str
    relation: str
    education: str | None
    school_status: str | None
    health: Annotated[str | None, PersonalData("health")] = Field(
        description="Null when masked (health details are personal data)"
    )
    disability_grade: Annotated[int | None, PersonalData("disability_grade")]
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


class MemberList(OutModel):
    items: list[MemberOut]


def member_fields_of(record: Any) -> dict[str, Any]:
    """The settable fields of a stored member (the base a partial update is merged onto)."""
    return {name: getattr(record, name) for name in MemberFields.model_fields}
