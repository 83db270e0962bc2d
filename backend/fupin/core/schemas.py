"""Shared pydantic building blocks: strict input models, code-table fields, pages."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator
from pydantic_core import PydanticCustomError

from fupin.core.code_tables import TABLES, codes_of
from fupin.core.errors import FieldError, ProblemError

# Unicode's Cc (control) characters are exactly U+0000-U+001F and U+007F-U+009F; newline and tab are allowed
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_INVISIBLE = ("Cf", "Zs", "Zl", "Zp")


def _clean_text(value: str) -> str:
    if _CONTROL.search(value) is not None:
        raise PydanticCustomError("text.control_character", "文本含有控制字符 (control characters are not allowed)")
    if (
        value
        and (value[0] in "\n\t" or unicodedata.category(value[0]) in _INVISIBLE)  # else visible from its start
        and all(unicodedata.category(ch) in _INVISIBLE or ch in "\n\t" for ch in value)
    ):
        raise PydanticCustomError("text.blank", "文本不能只有空白或不可见字符 (text is blank)")
    return value


_NOT_TEXT = frozenset({int, bool, float, date, datetime, Decimal, type(None)})


def _walk_text(value: Any) -> Any:
    if type(value) in _NOT_TEXT:
        return value  # most fields: nothing to look into
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [_walk_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _walk_text(v) for k, v in value.items()}
    return value


# The contract's word for the control-character rule: the pattern of every free-text field (validated by
# `_clean_text`, not by this pattern, so the message says what is wrong).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$"


def decimal_pattern(number: dict[str, Any]) -> str:
    """The decimal text a number field also takes ("12.50"), as a pattern within the number's bounds: digits
    before the point that stay under its maximum, a sign only where it may be negative, no more places than the
    maximum has (two for a whole maximum), no zero where zero is excluded."""
    maximum = number.get("maximum")
    low = number.get("minimum", number.get("exclusiveMinimum"))
    fraction = str(maximum).partition(".")[2] if maximum is not None else ""
    places = len(fraction) if fraction.strip("0") else 2
    tail = f"(\\.[0-9]{{1,{places}}})?"
    sign = "" if low is not None and low >= 0 else "-?"
    not_zero = "(?![0.]*$)" if number.get("exclusiveMinimum") == 0 else ""
    if maximum is None or maximum >= 10 or maximum < 1:
        whole = str(int(maximum)) if maximum is not None and maximum >= 10 else "9" * 15
        digits = len(whole) if set(whole) == {"9"} else len(whole) - 1
        return f"^{not_zero}{sign}[0-9]{{1,{digits}}}{tail}$"
    top = int(maximum)  # 1 to 9: below it with places, or it with zero places
    below = "0" if top == 1 else f"[0-{top - 1}]"
    return f"^{not_zero}{sign}({below}{tail}|{top}(\\.0{{1,{places}}})?)$"


def _declare_text(node: Any) -> None:
    if isinstance(node, list):
        numbers = [c for c in node if isinstance(c, dict) and c.get("type") == "number"]
        for item in node:
            if numbers and isinstance(item, dict) and item.get("type") == "string" and "pattern" not in item:
                item["pattern"] = decimal_pattern(numbers[0])  # a Decimal field: a number, or its text
            _declare_text(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not ({"pattern", "enum", "const", "format"} & set(node)):
        node["pattern"] = TEXT_PATTERN
    for key in ("anyOf", "oneOf", "allOf", "items"):
        if key in node:
            _declare_text(node[key])


def _declare_fields(schema: dict[str, Any], model: type[Any]) -> None:
    not_null: frozenset[str] = getattr(model, "not_null", frozenset())
    for name, field in schema.get("properties", {}).items():
        _declare_text(field)
        if name in not_null:
            _without_null(field)


def _without_null(field: dict[str, Any]) -> None:
    """A field that may be left out but not sent as null: the contract offers its type only."""
    field.pop("default", None)
    kinds = [k for k in field.pop("anyOf", []) if k != {"type": "null"}]
    if len(kinds) == 1:
        field.update(kinds[0])
    elif kinds:
        field["anyOf"] = kinds


class StrictModel(BaseModel):
    """Input models: unknown fields are rejected, not ignored; strings are stripped and may not carry control
    characters (PostgreSQL refuses NUL) or consist of invisible characters only. The contract declares the
    control-character rule as each free-text field's pattern, so clients generated from it know it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_declare_fields)
    # partial updates: fields that may be left out (unchanged) but not sent as null (`sent`, and the contract)
    not_null: ClassVar[frozenset[str]] = frozenset()

    def sent(self, *, problem: str = "validation_failed") -> dict[str, Any]:
        """The fields the client sent (a partial update's changes); null for a `not_null` field is refused: 422
        `problem` (the endpoint's stable code) with a `required` error at each such field."""
        sent = self.model_dump(exclude_unset=True)
        nulls = [name for name in sent if sent[name] is None and name in self.not_null]
        if nulls:
            errors = [FieldError(pointer=f"/{n}", code="required", message="不能为空 (may not be null)") for n in nulls]
            detail = "不能为空 (may not be null)" if problem == "required" else "The request contains invalid fields."
            raise ProblemError(422, problem, detail, errors)
        return sent

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_clean(cls, value: Any) -> Any:
        if type(value) in _NOT_TEXT:
            return value  # most fields (called for every field of every model: no second call)
        return _walk_text(value)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """JSON has no date type: accept ISO 8601 date strings (and dates from Python callers), never numbers, nor a
    text of digits (which pydantic would take for seconds since 1970: "0" is no day anyone meant)."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
        return value
    raise PydanticCustomError("date.format", "日期须为 YYYY-MM-DD 格式的字符串 (an ISO 8601 date string)")


DateIn = Annotated[date, BeforeValidator(_iso_date)]


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


REGION_CODE_PATTERN = r"^(\d{6}|\d{9}|\d{12})$"


def normalize_region_code(value: str | None) -> str | None:
    """GB/T 2260 writes a city or county with 6 digits and a township with 9; the register keys all on 12."""
    return None if value is None else value.ljust(12, "0")


# A region code as a field or parameter: 6, 9 or 12 digits in, always 12 digits inside and in responses.
RegionCode = Annotated[
    str,
    Field(
        pattern=REGION_CODE_PATTERN,
        description="Statistical region code: 12 digits, or the 6-digit (city, county) or 9-digit (township) "
        "form of GB/T 2260; answers always carry 12 digits",
        examples=["220382102201"],
    ),
    AfterValidator(normalize_region_code),
]


class RecordView:
    """A record seen with a few derived values added (its public id as `id`, names of its area, a computed
    total), for `Model.model_validate(record_view(record, ...))`: the model reads every other field from the
    record itself, so outputs are never mapped field by field."""

    __slots__ = ("_derived", "_record")

    def __init__(self, record: Any, derived: dict[str, Any]) -> None:
        self._record = record
        self._derived = derived

    def __getattr__(self, name: str) -> Any:
        derived = object.__getattribute__(self, "_derived")
        if name in derived:
            return derived[name]
        return getattr(object.__getattribute__(self, "_record"), name)


def record_view(record: Any, **derived: Any) -> RecordView:
    return RecordView(record, derived)


def error_at(at: str, code: str, message: str) -> PydanticCustomError:
    """A model-level rule's error, reported at the field that must change (`at`, relative to the model, e.g.
    "members/1/id_number"): the problem's pointer is the model's location followed by it."""
    return PydanticCustomError(code, message, {"at": at})
