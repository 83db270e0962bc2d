"""Shared pydantic building blocks: strict input models, code-table fields, pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from fupin.codes.tables import TABLES, codes_of

T = TypeVar("T")


class StrictModel(BaseModel):
    """Input models: unknown fields are rejected, not ignored; strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _code_checker(table: str):  # type: ignore[no-untyped-def]
    allowed = codes_of(table)

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "code.unknown", "'{value}' is not a code of table {table}", {"value": value, "table": table}
            )
        return value

    return check


def Code(table: str) -> Any:
    """`Annotated[str, Code("attribute")]`: a value of a code table, listed as an enum in the contract."""
    return AfterValidator(_code_checker(table))


def code_schema(table: str) -> Any:
    return Field(json_schema_extra={"enum": [c for c, _, _ in TABLES[table]], "x-code-table": table})


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque cursor for the next page; null on the last page")
    total: int | None = Field(None, description="Only with include_total=true")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# Money leaves the API as an exact decimal string with two places ("4350.00"), never a float.
MoneyOut = Annotated[Decimal, PlainSerializer(_money, return_type=str, when_used="json")]
