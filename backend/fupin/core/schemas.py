"""Shared pydantic building blocks: strict input models, code-table fields, pages."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator
from pydantic_core import PydanticCustomError

from fupin.codes.tables import TABLES, codes_of


def _clean_text(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise PydanticCustomError("text.control_character", "文本含有控制字符 (control characters are not allowed)")
    if value and all(unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp") or ch in "\n\t" for ch in value):
        raise PydanticCustomError("text.blank", "文本不能只有空白或不可见字符 (text is blank)")
    return value


def _walk_text(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [_walk_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _walk_text(v) for k, v in value.items()}
    return value


class StrictModel(BaseModel):
    """Input models: unknown fields are rejected, not ignored; strings are stripped and may not carry control
    characters (PostgreSQL refuses NUL) or consist of invisible characters only."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_clean(cls, value: Any) -> Any:
        return _walk_text(value)


def _iso_only(value: Any) -> Any:
    """JSON has no date type: accept ISO 8601 strings (and dates from Python callers), never numbers."""
    if isinstance(value, str | date):
        return value
    raise PydanticCustomError("date.format", "日期须为 YYYY-MM-DD 格式的字符串 (an ISO 8601 date string)")


DateIn = Annotated[date, BeforeValidator(_iso_only)]
DateTimeIn = Annotated[datetime, BeforeValidator(_iso_only)]


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


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# Money leaves the API as an exact decimal string with two places ("4350.00"), never a float.
MoneyOut = Annotated[Decimal, PlainSerializer(_money, return_type=str, when_used="json")]
