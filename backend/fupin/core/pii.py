"""Personal data (个人信息): the one registry of sensitive fields and how each is shown to a caller without the
personal-data permission. Response models, list SQL, the audit viewer and the change feed all mask from here.

- ID numbers (身份证号 and other documents; later cadres' too): a resident ID keeps its region (6) and last 4
  characters, `220382********0017`; any other document keeps its first 2, `P8******` (its length is not shown).
- phones keep the first 3 and last 4, bank accounts the last 4.
- health details, disability grades and birth dates are withheld entirely (null in records, `***` in the trail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ConfigDict, ValidationInfo, ValidatorFunctionWrapHandler, model_validator
from sqlalchemy import String, case, func, literal
from sqlalchemy.sql.elements import ColumnElement

from fupin.core.schemas import OutModel, RecordView


def mask_id_number(value: str) -> str:
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    return value[:2] + "*" * 6


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str) -> str:
    return "*" * max(len(value) - 4, 0) + value[-4:]


def _sql_id_number(column: Any) -> ColumnElement[str]:
    """The same rule as `mask_id_number`, in SQL (SQLite and PostgreSQL), for lists that never load full numbers."""
    return case(
        (
            func.length(column) == 18,
            func.substr(column, 1, 6) + literal("*" * 8) + func.substr(column, 15, 4),
        ),
        else_=func.substr(column, 1, 2) + literal("*" * 6),
    )


_STARS = literal("*" * 40)  # a run of stars cut to length (SQLite has no repeat())


def _substr(column: Any, start: Any, length: Any) -> ColumnElement[str]:
    return func.substr(column, start, length, type_=String())


def _sql_phone(column: Any) -> ColumnElement[str]:
    """`mask_phone` in SQL: first 3 and last 4 kept."""
    length = func.length(column)
    return case(
        (length < 7, _substr(_STARS, 1, length)),
        else_=_substr(column, 1, 3) + _substr(_STARS, 1, length - 7) + _substr(column, length - 3, 4),
    )


def _sql_account(column: Any) -> ColumnElement[str]:
    """`mask_account` in SQL: the last 4 kept."""
    length = func.length(column)
    return case(
        (length <= 4, column),
        else_=_substr(_STARS, 1, length - 4) + _substr(column, length - 3, 4),
    )


@dataclass(frozen=True, slots=True)
class Sensitive:
    name: str
    label: str
    mask: Callable[[str], str] | None  # None: withheld entirely
    sql_mask: Callable[[Any], ColumnElement[str]] | None = None
    # a health detail: shown by the presentation's `health` (a line department's field), not only by pii
    health: bool = False

    def masked(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if self.mask is None or not isinstance(value, str):
            return None
        return self.mask(value)

    def in_trail(self, value: Any) -> Any:
        """How the audit viewer shows a before/after value of this field."""
        if value is None:
            return None
        if self.mask is None:
            return "***"
        return self.mask(value) if isinstance(value, str) else "***"


REGISTRY: dict[str, Sensitive] = {
    s.name: s
    for s in (
        Sensitive("id_number", "证件号码", mask_id_number, _sql_id_number),
        Sensitive("phone", "联系电话", mask_phone, _sql_phone),
        Sensitive("bank_account", "银行账号", mask_account, _sql_account),
        Sensitive("health", "健康状况", None, health=True),
        Sensitive("disability_grade", "残疾等级", None, health=True),
        Sensitive("birth_date", "出生日期", None),
    )
}


def masked(name: str, value: Any) -> Any:
    return REGISTRY[name].masked(value)


def sql_masked(name: str, column: Any) -> ColumnElement[str]:
    sensitive = REGISTRY[name]
    if sensitive.sql_mask is None:
        raise ValueError(f"{name} is withheld entirely: lists must not select it")
    return sensitive.sql_mask(column)


def mask_changes(changes: Any, key: str | None = None, *, health_only: bool = False) -> Any:
    """An audit event's changes (field → [before, after], nested for members) with sensitive values masked;
    `health_only`: only the health details (a caller with the pii permission whose field is not 健康)."""
    if isinstance(changes, dict):
        return {k: mask_changes(v, k, health_only=health_only) for k, v in changes.items()}
    if isinstance(changes, list):
        return [mask_changes(v, key, health_only=health_only) for v in changes]
    if key in REGISTRY and (REGISTRY[key].health or not health_only):
        return REGISTRY[key].in_trail(changes)
    return changes


def trail_changes(changes: Any, *, pii: bool, health: bool) -> Any:
    """The changes of an event as a caller sees them in a trail."""
    if not pii:
        return mask_changes(changes)
    return changes if health else mask_changes(changes, health_only=True)


class PersonalData:
    """Marks a response field as personal data: `Annotated[str, PersonalData("id_number")]`."""

    def __init__(self, name: str) -> None:
        if name not in REGISTRY:
            raise KeyError(f"{name} is not in the personal-data registry")
        self.name = name


def presentation(*, pii: bool, health: bool | None = None, **extra: Any) -> dict[str, Any]:
    """The validation context of a masked output model: whether the caller holds the pii permission, whether it
    sees health details (default: as pii; a line department by its field, `departments.field.sees_health`), and
    any values a model derives from the request (e.g. which member is the head)."""
    return {"pii": pii, "health": pii if health is None else health, **extra}


class MaskedOut(OutModel):
    """Output built from a record with `model_validate(record, context=presentation(pii=...))`: fields marked
    `PersonalData` are masked unless the context grants personal data (a missing context masks). A model with a
    `pii_masked` field says whether it was."""

    model_config = ConfigDict(from_attributes=True)
    __personal_fields__: ClassVar[dict[str, Sensitive]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__personal_fields__ = {
            name: REGISTRY[meta.name]
            for name, info in cls.model_fields.items()
            for meta in info.metadata
            if isinstance(meta, PersonalData)
        }

    @model_validator(mode="wrap")
    @classmethod
    def _mask_by_context(cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        if isinstance(data, cls):
            return data  # already presented (FastAPI hands the returned model back for serialisation)
        context = info.context if isinstance(info.context, dict) else {}
        pii = bool(context.get("pii"))
        health = bool(context.get("health", pii))
        if "pii_masked" in cls.model_fields:
            data = (
                {**data, "pii_masked": not pii} if isinstance(data, dict) else RecordView(data, {"pii_masked": not pii})
            )
        out = handler(data)
        if not (pii and health):
            for name, sensitive in cls.__personal_fields__.items():
                if not (health if sensitive.health else pii):
                    object.__setattr__(out, name, sensitive.masked(getattr(out, name)))
        return out
