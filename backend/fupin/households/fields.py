"""Field types of the household register: code-table values, years, names, money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from fupin.core.schemas import Code, code_schema

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
Year = Annotated[int, Field(ge=2010, le=2100)]
Name = Annotated[str, Field(min_length=1, max_length=50)]
Phone = Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")]


def _positive_zero(value: Decimal) -> Decimal:
    """-0.00 is 0.00: stored and echoed without a sign."""
    return value.copy_abs() if value.is_zero() else value


# A part of a yearly income, at most 100 million yuan: sums and differences of parts stay far inside NUMERIC(14, 2).
NonNegativeMoney = Annotated[
    Decimal, Field(ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2), AfterValidator(_positive_zero)
]
HousingArea = Annotated[Decimal, Field(ge=0, le=10000, decimal_places=2), AfterValidator(_positive_zero)]
# the earliest date the register knows (the first 建档立卡 was 2014; birth dates go back to 1900)
EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_EVENT = date(2000, 1, 1)


def check_past_date(value: date | None, *, earliest: date = EARLIEST_EVENT) -> date | None:
    """Dates of things that happened: not in the future, not before the register's time."""
    if value is not None and (value > date.today() or value < earliest):
        raise PydanticCustomError(
            "date.out_of_range",
            "日期须在 {earliest} 至今天之间 (between {earliest} and today)",
            {"earliest": earliest.isoformat()},
        )
    return value
