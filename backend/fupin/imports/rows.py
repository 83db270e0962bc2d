"""From source rows to household candidates: a table's rows are read cell by cell (households/columns.py) and
grouped into households; a JSON record is one household. Nothing here touches the database.

Grouping (tables, one row per member, the household's columns repeated on each row):
- a row with a key (id scheme `id`: 系统编号; `external`: 外部系统 + 外部编号) joins the rows right before it with
  the same key: keep a household's rows together (an export writes them so; a sorted sheet keeps them so);
- a row without a key starts a new household when it is a head's row (与户主关系 = 户主); a following row
  without a key and not a head joins the household above it (keyed or not: household cells merged down over the
  members' rows read as empty)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fupin.households.columns import BLANK, COLUMNS, ERASE, MASKED, CellError, Column, from_cell
from fupin.households.member_schemas import MemberCreate, MemberOut
from fupin.households.schemas import HouseholdCreate, HouseholdOut
from fupin.imports.readers import ParseError, SourceRow, Table

HEADERS_BY_KEY = {c.key: c.header for c in COLUMNS}
KEY_FIELDS = ("id", "member_id")
# fields of the API outputs a JSON export carries that are not inputs: read back as "no change", like the
# export-only columns of a table
_HOUSEHOLD_OUTPUT_ONLY = set(HouseholdOut.model_fields) - set(HouseholdCreate.model_fields) - {"id"}
_MEMBER_OUTPUT_ONLY = set(MemberOut.model_fields) - set(MemberCreate.model_fields) - {"id"}


@dataclass(slots=True)
class RowError:
    row: int
    pointer: str
    code: str
    message: str
    column: str | None = None
    external_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "pointer": self.pointer,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "external_id": self.external_id,
        }


@dataclass(slots=True)
class MemberPart:
    row: int
    values: dict[str, Any]  # field -> value or ERASE; absent = no change
    member_id: str | None = None
    masked: set[str] = field(default_factory=set)
    reason: str | None = None


@dataclass(slots=True)
class Candidate:
    row: int
    rows: list[int]
    household: dict[str, Any]
    members: list[MemberPart]
    key_id: str | None = None
    source_system: str | None = None
    external_id: str | None = None
    incomes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    assessments: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    tabular: bool = True
    raw: dict[int, Any] = field(default_factory=dict)  # row number -> the row as read (for the error report)

    def error(self, pointer: str, code: str, message: str) -> RowError:
        """An error at a pointer of this household's API shape, placed on the row and column it came from."""
        row, column = self.row, None
        parts = pointer.strip("/").split("/") if pointer else []
        if len(parts) >= 2 and parts[0] == "members" and parts[1].isdigit() and int(parts[1]) < len(self.members):
            row = self.members[int(parts[1])].row
            if len(parts) >= 3 and self.tabular:
                column = HEADERS_BY_KEY.get(parts[2])
        elif parts and self.tabular:
            column = HEADERS_BY_KEY.get(parts[0])
        return RowError(row, pointer, code, message, column, self.external_id)


@dataclass(slots=True)
class ParsedRow:
    number: int
    household: dict[str, Any]
    member: dict[str, Any]
    masked: set[str]
    errors: list[tuple[Column, CellError]]
    key: tuple[str, ...] | None
    is_head: bool
    cells: list[Any]
    repeated: bool = False  # the household part is the row before's (the same values: nothing new to merge)


# kinds whose cells hold few distinct values (labels, 是/否, dates, small numbers): each distinct text cell is read
# once per file (a cache per column); names, ID numbers and addresses are read every time
_REPEATING_KINDS = frozenset({"code", "codes", "bool", "date", "int", "decimal"})
_CACHE_LIMIT = 10_000  # distinct cells kept per column
_MISS = object()
_SPECIAL = (CellError, tuple)  # a cached refusal; a cached list of codes (kept as a tuple, answered as a list)
_PLAIN = frozenset({str, bool, int, date, Decimal})  # what the repeating kinds read (BLANK and MASKED are not)
ColumnReading = tuple[int, Column, bool, dict[str, Any] | None]  # position, column, kept, the column's cache


class CellReader:
    """Reads a table's cells with `from_cell`, remembering the value (or the error) of each distinct text cell of
    the repeating kinds, and the household part of a row when it repeats the row before (an export repeats a
    household's cells on each member's row)."""

    def __init__(self, table: Table) -> None:
        columns = table.header_map.columns
        # export-only columns (names, status, version) are read, then dropped: kept = False
        self.household: list[ColumnReading] = [
            (i, c, c.writable or c.key in KEY_FIELDS, {} if c.kind in _REPEATING_KINDS else None)
            for i, c in columns.items()
            if c.level == "household"
        ]
        self.member: list[ColumnReading] = [
            (i, c, c.writable or c.key in KEY_FIELDS, {} if c.kind in _REPEATING_KINDS else None)
            for i, c in columns.items()
            if c.level != "household"
        ]
        positions = [i for i, _, _, _ in self.household]
        self._household_width = max(positions, default=-1) + 1
        self._household_cells = operator.itemgetter(*positions) if len(positions) > 1 else None
        self.last_household: tuple[Any, dict[str, Any], set[str], list[tuple[Column, CellError]]] | None = None

    def part(
        self, columns: list[ColumnReading], cells: list[Any], target: dict[str, Any], masked: set[str]
    ) -> list[tuple[Column, CellError]]:
        errors: list[tuple[Column, CellError]] = []
        size = len(cells)
        for index, column, kept, cache in columns:
            raw = cells[index] if index < size else None
            if cache is not None and type(raw) is str:
                value = cache.get(raw, _MISS)
                if type(value) in _PLAIN:  # a value read before: the common case, in one check
                    if kept:
                        target[column.key] = value
                    continue
                if value is _MISS:
                    value = self._first(cache, column, raw)
                if isinstance(value, _SPECIAL):
                    if isinstance(value, CellError):
                        errors.append((column, value))
                        continue
                    value = list(value)
            else:
                try:
                    value = from_cell(column, raw)
                except CellError as exc:
                    errors.append((column, exc))
                    continue
            if value is BLANK:
                continue
            if value is MASKED:
                masked.add(column.key)
                continue
            if kept:  # export-only cells are read back as "no change"
                target[column.key] = value
        return errors

    @staticmethod
    def _first(cache: dict[str, Any], column: Column, raw: str) -> Any:
        """A cell not seen before in its column: read, and remembered (its value, or its refusal)."""
        try:
            value = from_cell(column, raw)
        except CellError as exc:
            value = exc
        if isinstance(value, list):
            value = tuple(value)
        if len(cache) < _CACHE_LIMIT:
            cache[raw] = value
        return value

    def household_part(self, cells: list[Any]) -> tuple[dict[str, Any], set[str], list[tuple[Column, CellError]], bool]:
        """The household's values (a dict shared with the rows that repeat it: read it, do not change it), its
        masked fields, its cell errors, and whether the row repeats the household part of the row before."""
        if self._household_cells is not None and len(cells) >= self._household_width:
            raw: Any = self._household_cells(cells)
        else:
            size = len(cells)
            raw = tuple(cells[i] if i < size else None for i, _, _, _ in self.household)
        last = self.last_household
        if last is not None and last[0] == raw:
            return last[1], set(last[2]), list(last[3]), True
        household: dict[str, Any] = {}
        masked: set[str] = set()
        errors = self.part(self.household, cells, household, masked)
        self.last_household = (raw, household, set(masked), list(errors))
        return household, masked, errors, False


def parse_row(table: Table, row: SourceRow, *, id_scheme: str, reader: CellReader | None = None) -> ParsedRow:
    reader = reader or CellReader(table)
    cells = row.cells
    household, masked, errors, repeated = reader.household_part(cells)
    member: dict[str, Any] = {}
    errors += reader.part(reader.member, cells, member, masked)
    key: tuple[str, ...] | None
    if id_scheme == "id":
        key = (str(household["id"]),) if isinstance(household.get("id"), str) else None
    else:
        system, external = household.get("source_system"), household.get("external_id")
        key = (str(system), str(external)) if isinstance(system, str) and isinstance(external, str) else None
    return ParsedRow(
        row.number,
        household,
        member,
        masked,
        errors,
        key,
        member.get("relation") == "01",
        cells,  # as read: the error workbook writes them back (json with default=str)
        repeated,
    )


def _add_row(candidate: Candidate, parsed: ParsedRow) -> None:
    index = len(candidate.members)
    member_id = parsed.member.pop("member_id", None)
    part = MemberPart(parsed.number, parsed.member, member_id if isinstance(member_id, str) else None, parsed.masked)
    candidate.members.append(part)
    candidate.rows.append(parsed.number)
    candidate.raw[parsed.number] = parsed.cells
    if not (parsed.repeated and index):  # a repeat of the row before, merged already with it
        for key, value in parsed.household.items():
            if key != "id":
                candidate.household.setdefault(key, value)
    for column, exc in parsed.errors:
        pointer = f"/{column.key}" if column.level == "household" else f"/members/{index}/{column.key}"
        candidate.errors.append(RowError(parsed.number, pointer, exc.code, exc.message, column.header))


def _start(parsed: ParsedRow) -> Candidate:
    household = dict(parsed.household)
    key_id = household.pop("id", None)
    candidate = Candidate(parsed.number, [], {}, [], key_id=key_id if isinstance(key_id, str) else None)
    candidate.household = household
    system, external = household.get("source_system"), household.get("external_id")
    candidate.source_system = system if isinstance(system, str) else None
    candidate.external_id = external if isinstance(external, str) else None
    _add_row(candidate, parsed)
    return candidate


class TableGroups:
    """Households out of a table's rows; `consumed` counts the data rows taken into households so far."""

    def __init__(self, table: Table, rows: Iterator[SourceRow], *, id_scheme: str) -> None:
        self.table = table
        self.rows = rows
        self.id_scheme = id_scheme
        self.consumed = 0
        self._peeked: ParsedRow | None = None
        self.cells = CellReader(table)

    def _next_row(self) -> ParsedRow | None:
        if self._peeked is not None:
            parsed, self._peeked = self._peeked, None
            return parsed
        row = next(self.rows, None)
        return None if row is None else parse_row(self.table, row, id_scheme=self.id_scheme, reader=self.cells)

    def next(self) -> Candidate | None:
        first = self._next_row()
        if first is None:
            return None
        self.consumed += 1
        candidate = _start(first)
        if first.key is None and not first.is_head and not first.errors:
            candidate.errors.append(
                candidate.error(
                    "/members/0/relation",
                    "import.no_head_row",
                    "该行没有系统编号或外部编号, 且前面没有户主行: 请先列出户主 (与户主关系 = 户主) 再列其他成员",
                )
            )
            return candidate
        while True:
            following = self._next_row()
            if following is None:
                return candidate
            # the same key; or no key and not a head: a member of the household above (also below a keyed row:
            # household cells merged down over the members' rows read as empty)
            joins = (first.key is not None and following.key == first.key) or (
                following.key is None and not following.is_head
            )
            if not joins:
                self._peeked = following
                return candidate
            self.consumed += 1
            _add_row(candidate, following)


# ---------------------------------------------------------------- JSON records


def _values(obj: dict[str, Any], ignored: set[str]) -> dict[str, Any]:
    return {k: (ERASE if v is None else v) for k, v in obj.items() if k not in ignored}


def json_candidate(row: SourceRow) -> Candidate:
    candidate = Candidate(row.number, [row.number], {}, [], tabular=False)
    value = row.cells
    candidate.raw[row.number] = value if not isinstance(value, ParseError) else None
    if isinstance(value, ParseError):
        candidate.errors.append(RowError(row.number, "", "import.bad_json", value.message))
        return candidate
    if not isinstance(value, dict):
        candidate.errors.append(RowError(row.number, "", "import.bad_json", "每条记录应为一个 JSON 对象"))
        return candidate
    obj = dict(value)
    key_id = obj.pop("id", None)
    candidate.key_id = str(key_id) if key_id is not None else None
    members = obj.pop("members", None)
    incomes = obj.pop("incomes", None) or []
    assessments = obj.pop("assessments", None) or []
    candidate.household = _values(obj, _HOUSEHOLD_OUTPUT_ONLY)
    system, external = obj.get("source_system"), obj.get("external_id")
    candidate.source_system = system if isinstance(system, str) else None
    candidate.external_id = external if isinstance(external, str) else None
    if members is not None and not isinstance(members, list):
        candidate.errors.append(RowError(row.number, "/members", "import.bad_json", "members 应为数组"))
        members = []
    for index, m in enumerate(members or []):
        if not isinstance(m, dict):
            candidate.errors.append(RowError(row.number, f"/members/{index}", "import.bad_json", "成员应为对象"))
            continue
        m = dict(m)
        member_id = m.pop("id", None)
        reason = m.pop("reason", None)
        candidate.members.append(
            MemberPart(
                row.number,
                _values(m, _MEMBER_OUTPUT_ONLY),
                str(member_id) if member_id is not None else None,
                reason=str(reason) if reason is not None else None,
            )
        )
    for name, items, target in (
        ("incomes", incomes, candidate.incomes),
        ("assessments", assessments, candidate.assessments),
    ):
        if not isinstance(items, list):
            candidate.errors.append(RowError(row.number, f"/{name}", "import.bad_json", f"{name} 应为数组"))
            continue
        for index, item in enumerate(items):
            year = item.get("year") if isinstance(item, dict) else None
            if not isinstance(year, int) or isinstance(year, bool):
                candidate.errors.append(
                    RowError(row.number, f"/{name}/{index}/year", "required", "每条须有整数年度 year")
                )
                continue
            target.append((year, {k: v for k, v in item.items() if k != "year"}))
    return candidate


def parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
