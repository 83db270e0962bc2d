"""The household export's statements on the read path (`core.readpath`): one row per active member, the
household's columns repeated, in the 建档立卡 layout of `households.columns`, ordered by household number, the
head first, then member id.

- `cells` statements give each sheet column as its cell (`columns.to_cell` in SQL: code-table labels, 是/否,
  ISO dates, 、-joined cause labels), so a CSV is written from the driver's rows without a Python step per cell;
  `records` statements give the raw values the detail view (`HouseholdOut`) is built from (NDJSON).
- Personal data is masked in SQL with the registry's own rules (`core.pii.sql_masked`) unless the caller holds
  the personal-data permission; withheld fields (health, disability grade, birth date) are not selected at all.
- The filters are the household list's (`listing.filter_conditions`), so an export holds exactly the households
  the list shows for the same query.
- `after`: keyset on the household number, for the chunks of an export job.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import String, and_, bindparam, case, cast, func, literal, null, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from fupin.core.code_tables import TABLES
from fupin.core.pii import REGISTRY, presentation, sql_masked
from fupin.core.readpath import ReadQuery
from fupin.households.columns import CODES_SEPARATOR, COLUMNS, Column
from fupin.households.listing import filter_conditions
from fupin.households.models import Household, Member
from fupin.households.presenters import HOUSEHOLD_AUDITED, MEMBER_AUDITED
from fupin.households.schemas import HouseholdOut
from fupin.regions.models import Region

Kind = Literal["cells", "records"]

_VILLAGE = aliased(Region)
_TOWNSHIP = aliased(Region)
_COUNTY = aliased(Region)
# the row's member: an alias, so the list's member filters (EXISTS over members) correlate to the household only
_MEMBER = aliased(Member)

# a layout column's key → the attribute it reads (the rest are the attribute of the same name)
_ATTRIBUTES: dict[str, Any] = {
    "id": Household.public_id,
    "group": Household.group_name,
    "member_id": _MEMBER.public_id,
    "village_name": _VILLAGE.name,
    "township_name": _TOWNSHIP.name,
    "county_name": _COUNTY.name,
}


def _attribute(column: Column) -> Any:
    found = _ATTRIBUTES.get(column.key)
    if found is not None:
        return found
    return getattr(Household if column.level == "household" else _MEMBER, column.key)


def _labels(table: str, value: Any) -> Any:
    """`to_cell` of a code: the Chinese label, the code itself when the table does not know it."""
    return case({code: literal(zh) for code, zh, _ in TABLES[table]}, value=value, else_=value)


class _CodeLabels(FunctionElement[str]):
    """The labels of a JSON array of codes joined with 、, in the array's order (`to_cell` of kind codes)."""

    type = String()
    inherit_cache = True
    name = "code_labels"

    def __init__(self, column: Any, table: str) -> None:
        self.table = table
        super().__init__(column)


def _labels_sql(compiler: SQLCompiler, element: _CodeLabels, value: str, **kw: Any) -> str:
    branches = " ".join(f"WHEN '{code}' THEN '{zh}'" for code, zh, _ in TABLES[element.table])
    return f"CASE {value} {branches} ELSE {value} END"


@compiles(_CodeLabels, "postgresql")
def _code_labels_pg(element: _CodeLabels, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    label = _labels_sql(compiler, element, "e.value", **kw)
    return (
        f"(SELECT string_agg({label}, '{CODES_SEPARATOR}' ORDER BY e.n) "
        f"FROM jsonb_array_elements_text({column}) WITH ORDINALITY AS e(value, n))"
    )


@compiles(_CodeLabels, "sqlite")
def _code_labels_sqlite(element: _CodeLabels, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    label = _labels_sql(compiler, element, "e.value", **kw)
    return f"(SELECT group_concat({label}, '{CODES_SEPARATOR}') FROM json_each({column}) AS e)"


def _bool_cell(value: Any) -> Any:
    return case((value.is_(True), literal("是")), (value.is_(False), literal("否")), else_=null())


def _shown(kind: str, *, pii: bool, health: bool) -> bool:
    """Whether a personal field is shown unmasked: health details by `health`, the rest by `pii`."""
    return health if REGISTRY[kind].health else pii


def _cell(column: Column, *, pii: bool, health: bool) -> Any:
    """The SQL of one sheet cell, as `columns.to_cell` writes it; personal data masked unless shown."""
    value = _attribute(column)
    if column.personal and not _shown(column.personal, pii=pii, health=health):
        try:
            value = sql_masked(column.personal, value)
        except ValueError:  # withheld entirely: not selected
            return null().label(column.key)
    if column.kind == "code":
        value = _labels(column.table or "", value)
    elif column.kind == "codes":
        value = _CodeLabels(value, column.table or "")
    elif column.kind == "bool":
        value = _bool_cell(value)
    elif column.kind == "date":
        value = cast(value, String())
    # ids keep their type: UUIDs come through its processor (SQLite stores them as hex)
    return value.label(column.key)


# the raw fields of the detail view (HouseholdOut / MemberOut) a records statement selects
# (the audited fields, which are the record's own; the group is selected under its API name)
_HOUSEHOLD_FIELDS = (*(f for f in HOUSEHOLD_AUDITED if f != "group_name"), "created_at", "updated_at", "version")
_MEMBER_FIELDS = (*MEMBER_AUDITED, "added_on", "version")
_PERSONAL = {c.key: c.personal for c in COLUMNS if c.personal}


def _masked(model: Any, name: str, *, pii: bool, health: bool) -> Any:
    value = getattr(model, name)
    kind = _PERSONAL.get(name)
    if kind is None or _shown(kind, pii=pii, health=health):
        return value
    try:
        return sql_masked(kind, value)
    except ValueError:
        return null()


def _record_columns(*, pii: bool, health: bool) -> list[Any]:
    return [
        Household.public_id.label("h_id"),
        *(_masked(Household, name, pii=pii, health=health).label(f"h_{name}") for name in _HOUSEHOLD_FIELDS),
        Household.group_name.label("h_group"),
        Household.head_member_id.label("h_head_pk"),
        _VILLAGE.name.label("h_village_name"),
        _TOWNSHIP.name.label("h_township_name"),
        _COUNTY.name.label("h_county_name"),
        _MEMBER.id.label("m_pk"),
        _MEMBER.public_id.label("m_id"),
        *(_masked(_MEMBER, name, pii=pii, health=health).label(f"m_{name}") for name in _MEMBER_FIELDS),
    ]


@dataclass(frozen=True, slots=True)
class ExportShape:
    """What an export statement depends on: the list filters present, masked or not, cells or records, and
    whether it continues after a household number (a job's later chunk)."""

    statuses: int
    filters: tuple[str, ...]
    pii: bool
    kind: Kind
    after: bool = False
    health: bool | None = None  # health details shown (a line department by its field); None: as pii

    @property
    def shows_health(self) -> bool:
        return self.pii if self.health is None else self.health


def _joined(stmt: Any, shape: ExportShape) -> Any:
    township = func.substr(Household.village_code, 1, 9, type_=String()) + literal("000")
    county = func.substr(Household.village_code, 1, 6, type_=String()) + literal("000000")
    stmt = (
        stmt.select_from(Household)
        .join(_VILLAGE, _VILLAGE.code == Household.village_code)
        .outerjoin(_TOWNSHIP, _TOWNSHIP.code == township)
        .outerjoin(_COUNTY, _COUNTY.code == county)
        # a household without an active member (none should exist) still appears, with empty member cells
        .outerjoin(_MEMBER, and_(_MEMBER.household_id == Household.id, _MEMBER.active.is_(True)))
        .where(*filter_conditions(shape.statuses, shape.filters))
    )
    if shape.after:
        stmt = stmt.where(Household.household_number > bindparam("after", type_=String()))
    return stmt


def _statement(shape: ExportShape) -> Any:
    cells = shape.kind == "cells"
    pii, health = shape.pii, shape.shows_health
    columns = [_cell(c, pii=pii, health=health) for c in COLUMNS] if cells else _record_columns(pii=pii, health=health)
    head_first = case((_MEMBER.id == Household.head_member_id, 0), else_=1)
    return _joined(select(*columns), shape).order_by(Household.household_number, head_first, _MEMBER.id)


def _count_statement(shape: ExportShape) -> Any:
    """The rows the export writes: member rows (cells) or households (records, one NDJSON line each)."""
    if shape.kind == "cells":
        counted = _joined(select(func.count().label("rows")), shape)
    else:
        counted = (
            select(func.count().label("rows"))
            .select_from(Household)
            .where(*filter_conditions(shape.statuses, shape.filters))
        )
        if shape.after:
            counted = counted.where(Household.household_number > bindparam("after", type_=String()))
    return counted


_QUERIES: dict[ExportShape, tuple[ReadQuery, ReadQuery]] = {}


def queries(shape: ExportShape) -> tuple[ReadQuery, ReadQuery]:
    """(rows, count) of a shape, built once."""
    found = _QUERIES.get(shape)
    if found is None:
        found = _QUERIES[shape] = (
            ReadQuery(("households-export", shape), lambda: _statement(shape), lambda: Household.village_code),
            ReadQuery(
                ("households-export-count", shape), lambda: _count_statement(shape), lambda: Household.village_code
            ),
        )
    return found


def statement_sql(shape: ExportShape, dialect: Any) -> str:
    """The rows statement with its values inlined (benchmarks compare it with COPY)."""
    return str(_statement(shape).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


# ---------------------------------------------------------------- records → the detail view

HOUSEHOLD_NUMBER_INDEX = 1  # the cells' household number column (`columns.HOUSEHOLD_COLUMNS`)
_RECORD_NAMES = tuple(str(c.key) for c in _record_columns(pii=True, health=True))
_AT = {name: index for index, name in enumerate(_RECORD_NAMES)}
RECORD_HOUSEHOLD_NUMBER_INDEX = _AT["h_household_number"]
_H_FIELDS = tuple((name[2:], i) for name, i in _AT.items() if name.startswith("h_") and name != "h_head_pk")
_M_FIELDS = tuple((name[2:], i) for name, i in _AT.items() if name.startswith("m_") and name != "m_pk")
_M_PK = _AT["m_pk"]
_H_HEAD = _AT["h_head_pk"]


def households_of(rows: Sequence[Sequence[Any]], *, pii: bool, health: bool | None = None) -> Iterator[HouseholdOut]:
    """Records rows (consecutive per household) as detail views, masked as `GET /households/{id}` masks."""
    index = 0
    while index < len(rows):
        first = rows[index]
        number = first[RECORD_HOUSEHOLD_NUMBER_INDEX]
        end = index
        while end < len(rows) and rows[end][RECORD_HOUSEHOLD_NUMBER_INDEX] == number:
            end += 1
        yield household_view(rows[index:end], pii=pii, health=health)
        index = end


def household_view(rows: Sequence[Sequence[Any]], *, pii: bool, health: bool | None = None) -> HouseholdOut:
    first = rows[0]
    household = {name: first[i] for name, i in _H_FIELDS}
    head_pk = first[_H_HEAD]
    members = []
    head_id = None
    for row in rows:
        if row[_M_PK] is None:
            continue
        member = {name: row[i] for name, i in _M_FIELDS}
        member["is_head"] = row[_M_PK] == head_pk
        if member["is_head"]:
            head_id = member["id"]
        members.append(member)
    household["secondary_causes"] = list(household["secondary_causes"] or [])
    household["head_member_id"] = head_id
    household["members"] = members
    return HouseholdOut.model_validate(household, context=presentation(pii=pii, health=health))
