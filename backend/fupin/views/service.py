"""The failure views (帮扶短板): pages on the shared read path and their file exports. Every statement reads
from the caller's scope (narrowed to the region filter; a disjoint region is a 404). Read-only: nothing here
writes but the export's own audit event (`export.created`)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.audit.positions import encode_position
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.cadres.visits import required_to_date
from fupin.core.code_tables import TABLES
from fupin.core.errors import ProblemError
from fupin.core.pagination import decode_cursor, decode_key_cursor, encode_cursor, key_page
from fupin.core.readpath import ReadPath, RequestSnapshots, Snapshot
from fupin.exports.service import BATCH_ROWS, CHINA, POSITION_QUERY, record_export, write_xlsx
from fupin.exports.writers import CsvWriter, XlsxWriter, media_type
from fupin.measures import health as measure_health
from fupin.views import queries as q
from fupin.views.schemas import (
    CoverageQuery,
    NeverVisitedFilters,
    NotVisitedFilters,
    OverdueFilters,
    ResidencyFilters,
    WithoutMeasuresFilters,
    WorkloadFilters,
)

FOUR_PLACES = Decimal("0.0001")
MEASURE_TYPES = tuple(code for code, _, _ in TABLES["measure_type"])
Reader = ReadPath | Snapshot


def today() -> date:
    return date.today()


def _label(table: str, code: str | None, *, none: str = "") -> str:
    if code is None:
        return none
    return next((zh for c, zh, _ in TABLES[table] if c == code), code)


def _year(value: int | None) -> int:
    return value if value is not None else today().year


async def _page(
    read: Reader,
    family: Callable[..., Any],
    counter: Callable[..., Any],
    scope: AreaScope,
    values: dict[str, Any],
    *,
    shape: tuple[Any, ...] = (),
    kind: str,
    limit: int,
    cursor: str | None,
    include_total: bool,
) -> dict[str, Any]:
    """A newest-first keyset page of one view (row key `pk`) and, when asked, the count of every row."""
    before = decode_key_cursor(cursor, kind)
    paged = {**values, "limit": limit + 1}
    if before is not None:
        paged["before"] = before
    rows = await read.fetch(family(*shape, True, before is not None), scope, paged)
    items, next_cursor = key_page(rows, limit, kind)
    for row in items:
        del row["pk"]
    total = int(await read.scalar(counter(*shape), scope, values) or 0) if include_total else None
    return {"items": items, "next_cursor": next_cursor, "total": total}


# ---------------------------------------------------------------- the views


@dataclass(frozen=True, slots=True)
class View:
    """One view: its name (the operation id is `views-<name>`), file name and sheet, columns of the file (header,
    row field, width, kept as text in Excel), the values its statements bind, and how every row is read."""

    name: str
    sheet: str
    columns: tuple[tuple[str, str, float, bool], ...]
    every_row: Callable[[Reader, AreaScope, Any, bool], Awaitable[list[dict[str, Any]]]]
    count: Callable[[Reader, AreaScope, Any], Awaitable[int]]


def without_measures_values(filters: WithoutMeasuresFilters) -> dict[str, Any]:
    return {"year": _year(filters.year)}


async def without_measures(read: ReadPath, scope: AreaScope, query: Any) -> bytes:
    values = without_measures_values(query)
    page = await _page(
        read,
        q.WITHOUT_MEASURES,
        q.WITHOUT_MEASURES_COUNT,
        scope,
        values,
        kind="views-without-measures",
        limit=query.limit,
        cursor=query.cursor,
        include_total=query.include_total,
    )
    return to_json({"year": values["year"], **page})


def not_visited_values(filters: NotVisitedFilters) -> dict[str, Any]:
    now = today()
    return {"since": now - timedelta(days=filters.days - 1), "today": now}


async def not_visited(read: ReadPath, scope: AreaScope, query: Any) -> bytes:
    values = not_visited_values(query)
    page = await _page(
        read,
        q.NOT_VISITED,
        q.NOT_VISITED_COUNT,
        scope,
        values,
        kind="views-not-visited",
        limit=query.limit,
        cursor=query.cursor,
        include_total=query.include_total,
    )
    return to_json({"days": query.days, "since": values["since"], **page})


def never_visited_values(filters: NeverVisitedFilters) -> dict[str, Any]:
    return {"today": today()}


async def never_visited(read: ReadPath, scope: AreaScope, query: Any) -> bytes:
    page = await _page(
        read,
        q.NEVER_VISITED,
        q.NEVER_VISITED_COUNT,
        scope,
        never_visited_values(query),
        kind="views-never-visited",
        limit=query.limit,
        cursor=query.cursor,
        include_total=query.include_total,
    )
    return to_json(page)


def residency_values(filters: ResidencyFilters) -> tuple[tuple[str, ...], dict[str, Any]]:
    year = _year(filters.year)
    values: dict[str, Any] = {
        "first": date(year, 1, 1),
        "last": date(year, 12, 31),
        "expected": required_to_date(year, today()),
    }
    present: tuple[str, ...] = ()
    if filters.kind is not None:
        present = ("kind",)
        values["kind"] = filters.kind
    return present, values


def _residency_row(row: dict[str, Any], expected: int) -> dict[str, Any]:
    counted = int(row["present"]) + int(row["duty"])
    return {**row, "counted": counted, "expected": expected, "shortfall": expected - counted}


async def residency(read: ReadPath, scope: AreaScope, query: Any) -> bytes:
    present, values = residency_values(query)
    page = await _page(
        read,
        q.RESIDENCY,
        q.RESIDENCY_COUNT,
        scope,
        values,
        shape=(present,),
        kind="views-residency",
        limit=query.limit,
        cursor=query.cursor,
        include_total=query.include_total,
    )
    page["items"] = [_residency_row(row, values["expected"]) for row in page["items"]]
    return to_json({"year": values["first"].year, "expected": values["expected"], **page})


def overdue_values(filters: OverdueFilters) -> tuple[tuple[str, ...], dict[str, Any]]:
    present = tuple(name for name in q.OVERDUE_FILTERS if getattr(filters, name) is not None)
    values = {name: getattr(filters, name) for name in present}
    values["today"] = today()
    return present, values


def _overdue_row(row: dict[str, Any], now: date, *, health: bool) -> dict[str, Any]:
    """The row with its days overdue; a health measure's content withheld from a caller who may not see health
    details (as the households' health details are)."""
    out = {**row, "days_overdue": (now - row["planned_on"]).days}
    out.update((k, v) for k, v in measure_health.withheld(row["type"], shown=health).items() if k in out)
    return out


OVERDUE_CURSOR = "views-overdue"


async def overdue(read: ReadPath, scope: AreaScope, query: Any, *, health: bool) -> bytes:
    present, values = overdue_values(query)
    paged = {**values, "limit": query.limit + 1}
    after = query.cursor is not None
    if after:
        position = decode_cursor(query.cursor, OVERDUE_CURSOR)
        try:
            on, key = date.fromisoformat(position[0]), int(position[1])
        except (IndexError, TypeError, ValueError):
            raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
        paged |= {"after_on": on, "after_id": key}
    rows = await read.fetch(q.OVERDUE(present, True, after), scope, paged)
    items = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit:
        next_cursor = encode_cursor(OVERDUE_CURSOR, [items[-1]["planned_on"].isoformat(), items[-1]["pk"]])
    for row in items:
        del row["pk"]
    total = int(await read.scalar(q.OVERDUE_COUNT(present), scope, values) or 0) if query.include_total else None
    now = values["today"]
    rows_ = [_overdue_row(r, now, health=health) for r in items]
    return to_json({"items": rows_, "next_cursor": next_cursor, "total": total})


def _coverage_row(row: dict[str, Any], types: dict[str, dict[str, int]]) -> dict[str, Any]:
    households = int(row["households"])
    covered = int(row["households_with_measures"] or 0)
    rate = (Decimal(covered) / Decimal(households)).quantize(FOUR_PLACES, ROUND_HALF_UP) if households else Decimal(0)
    counts = types.get(row["village_code"], {})
    return {
        "village_code": row["village_code"],
        "village_name": row["village_name"],
        "households": households,
        "households_with_measures": covered,
        "coverage_rate": rate,
        "by_type": {t: counts.get(t, 0) for t in MEASURE_TYPES},
    }


async def _coverage_rows(
    read: Reader, scope: AreaScope, year: int, *, limit: int | None, offset: int
) -> list[dict[str, Any]]:
    values: dict[str, Any] = {"year": year}
    if limit is None:
        villages = await read.fetch(q.COVERAGE(False), scope, values)
        typed = await read.fetch(q.COVERAGE_TYPES(False), scope, values)
    else:
        villages = await read.fetch(q.COVERAGE(True), scope, {**values, "limit": limit, "offset": offset})
        if not villages:
            return []
        ranged = {**values, "first_village": villages[0]["village_code"], "last_village": villages[-1]["village_code"]}
        typed = await read.fetch(q.COVERAGE_TYPES(True), scope, ranged)
    types: dict[str, dict[str, int]] = {}
    for row in typed:
        types.setdefault(row["village_code"], {})[row["type"]] = int(row["measures"])
    return [_coverage_row(row, types) for row in villages]


async def coverage(read: ReadPath, scope: AreaScope, query: CoverageQuery) -> bytes:
    year = _year(query.year)
    items = await _coverage_rows(read, scope, year, limit=query.limit, offset=query.offset)
    total = int(await read.scalar(q.COVERAGE_COUNT(), scope, {"year": year}) or 0)
    return to_json({"year": year, "items": items, "total": total})


async def _workload_rows(read: Reader, scope: AreaScope, year: int) -> list[dict[str, Any]]:
    rows = await read.fetch(q.WORKLOAD(), scope, {"year": year})
    out = [
        {
            "department": row["department"],
            **{s: int(row[s] or 0) for s in q.MEASURE_STATUSES},
            "total": int(row["total"]),
            "amount": Decimal(row["amount"] or 0).quantize(Decimal("0.01")),
            "households": int(row["households"]),
        }
        for row in rows
    ]
    # departments by code; measures without one last
    return sorted(out, key=lambda r: (r["department"] is None, r["department"] or ""))


async def workload(read: ReadPath, scope: AreaScope, query: WorkloadFilters) -> bytes:
    year = _year(query.year)
    return to_json({"year": year, "items": await _workload_rows(read, scope, year)})


# ---------------------------------------------------------------- every row, for the files


async def _all_households(
    read: Reader, scope: AreaScope, family: Callable[..., Any], values: dict[str, Any]
) -> list[dict[str, Any]]:
    return await read.fetch(family(False, False), scope, values)


async def _every_without_measures(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    return await _all_households(read, scope, q.WITHOUT_MEASURES, without_measures_values(f))


async def _count_without_measures(read: Reader, scope: AreaScope, f: Any) -> int:
    return int(await read.scalar(q.WITHOUT_MEASURES_COUNT(), scope, without_measures_values(f)) or 0)


async def _every_not_visited(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    return await _all_households(read, scope, q.NOT_VISITED, not_visited_values(f))


async def _count_not_visited(read: Reader, scope: AreaScope, f: Any) -> int:
    return int(await read.scalar(q.NOT_VISITED_COUNT(), scope, not_visited_values(f)) or 0)


async def _every_never_visited(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    return await _all_households(read, scope, q.NEVER_VISITED, never_visited_values(f))


async def _count_never_visited(read: Reader, scope: AreaScope, f: Any) -> int:
    return int(await read.scalar(q.NEVER_VISITED_COUNT(), scope, never_visited_values(f)) or 0)


async def _every_residency(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    present, values = residency_values(f)
    rows = await read.fetch(q.RESIDENCY(present, False, False), scope, values)
    return [_residency_row(row, values["expected"]) for row in rows]


async def _count_residency(read: Reader, scope: AreaScope, f: Any) -> int:
    present, values = residency_values(f)
    return int(await read.scalar(q.RESIDENCY_COUNT(present), scope, values) or 0)


async def _every_overdue(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    present, values = overdue_values(f)
    rows = await read.fetch(q.OVERDUE(present, False, False), scope, values)
    return [_overdue_row(row, values["today"], health=health) for row in rows]


async def _count_overdue(read: Reader, scope: AreaScope, f: Any) -> int:
    present, values = overdue_values(f)
    return int(await read.scalar(q.OVERDUE_COUNT(present), scope, values) or 0)


async def _every_coverage(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    rows = await _coverage_rows(read, scope, _year(f.year), limit=None, offset=0)
    for row in rows:
        for t in MEASURE_TYPES:
            row[f"type_{t}"] = row["by_type"][t]
    return rows


async def _count_coverage(read: Reader, scope: AreaScope, f: Any) -> int:
    return int(await read.scalar(q.COVERAGE_COUNT(), scope, {"year": _year(f.year)}) or 0)


async def _every_workload(read: Reader, scope: AreaScope, f: Any, health: bool) -> list[dict[str, Any]]:
    return await _workload_rows(read, scope, _year(f.year))


async def _count_workload(read: Reader, scope: AreaScope, f: Any) -> int:
    return len(await _workload_rows(read, scope, _year(f.year)))


_HOUSEHOLD_COLUMNS: tuple[tuple[str, str, float, bool], ...] = (
    ("户编号", "household_number", 22, True),
    ("村代码", "village_code", 16, True),
    ("村", "village_name", 12, False),
    ("户主姓名", "head_name", 10, False),
    ("人口数", "member_count", 8, False),
    ("贫困户状态", "status:household_status", 16, False),
)

VIEWS: dict[str, View] = {
    "households-without-measures": View(
        "households-without-measures",
        "无帮扶措施户",
        _HOUSEHOLD_COLUMNS,
        _every_without_measures,
        _count_without_measures,
    ),
    "households-not-visited": View(
        "households-not-visited",
        "未走访户",
        (
            *_HOUSEHOLD_COLUMNS,
            ("最近走访日期", "last_visited_on", 12, False),
            ("帮扶责任人", "paired_cadre_name", 10, False),
        ),
        _every_not_visited,
        _count_not_visited,
    ),
    "households-never-visited-by-first-secretary": View(
        "households-never-visited-by-first-secretary",
        "第一书记未走访户",
        (*_HOUSEHOLD_COLUMNS, ("第一书记", "first_secretary_name:none", 12, False)),
        _every_never_visited,
        _count_never_visited,
    ),
    "residency-shortfall": View(
        "residency-shortfall",
        "驻村天数不足",
        (
            ("姓名", "cadre_name", 10, False),
            ("身份", "kind:cadre_kind", 14, False),
            ("帮扶单位", "work_unit", 20, False),
            ("村代码", "village_code", 16, True),
            ("村", "village_name", 12, False),
            ("任职开始", "starts_on", 12, False),
            ("任职结束", "ends_on", 12, False),
            ("在岗", "present", 8, False),
            ("请假", "leave", 8, False),
            ("公务外出", "duty", 8, False),
            ("计入天数", "counted", 8, False),
            ("应驻天数", "expected", 8, False),
            ("差额", "shortfall", 8, False),
        ),
        _every_residency,
        _count_residency,
    ),
    "measures-overdue": View(
        "measures-overdue",
        "逾期措施",
        (
            ("措施编号", "id", 38, True),
            ("户编号", "household_number", 22, True),
            ("户主姓名", "head_name", 10, False),
            ("村代码", "village_code", 16, True),
            ("措施类型", "type:measure_type", 10, False),
            ("措施内容", "content", 40, False),
            ("年度", "year", 8, False),
            ("责任部门", "department:department", 12, False),
            ("金额(元)", "amount", 12, False),
            ("计划完成日期", "planned_on", 12, False),
            ("状态", "status:measure_status", 8, False),
            ("逾期天数", "days_overdue", 8, False),
        ),
        _every_overdue,
        _count_overdue,
    ),
    "measure-coverage": View(
        "measure-coverage",
        "措施覆盖",
        (
            ("村代码", "village_code", 16, True),
            ("村", "village_name", 12, False),
            ("贫困户数", "households", 8, False),
            ("有措施户数", "households_with_measures", 10, False),
            ("覆盖率", "coverage_rate", 8, False),
            *((zh, f"type_{code}", 8, False) for code, zh, _ in TABLES["measure_type"]),
        ),
        _every_coverage,
        _count_coverage,
    ),
    "department-workload": View(
        "department-workload",
        "部门工作量",
        (
            ("责任部门", "department:department", 12, False),
            ("计划", "planned", 8, False),
            ("实施中", "in_progress", 8, False),
            ("已完成", "done", 8, False),
            ("已取消", "cancelled", 8, False),
            ("合计", "total", 8, False),
            ("金额(元)", "amount", 14, False),
            ("覆盖户数", "households", 8, False),
        ),
        _every_workload,
        _count_workload,
    ),
}


def _cell(row: dict[str, Any], field: str) -> Any:
    name, _, table = field.partition(":")
    value = row[name]
    if table == "none":
        return "(无第一书记)" if value is None else value
    if table:
        return _label(table, value, none="(未指定)")
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    return value


def cells(view: View, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [[_cell(row, field) for _, field, _, _ in view.columns] for row in rows]


@dataclass(frozen=True, slots=True)
class ViewExport:
    id: str
    rows: int
    position: str
    media_type: str
    disposition: str
    body: AsyncIterator[bytes]


def disposition(view: View, format: str) -> str:
    day = datetime.now(CHINA).strftime("%Y%m%d")
    return (
        f"attachment; filename=\"{view.name}-{day}.{format}\"; filename*=UTF-8''{quote(f'{view.sheet}-{day}.{format}')}"
    )


async def export(
    session: AsyncSession,
    snapshots: RequestSnapshots,
    principal: Principal,
    *,
    view: View,
    query: Any,
    limit: int,
    health: bool,
) -> ViewExport:
    """Every row of the view with its filters, read in one snapshot whose change-feed position the file carries,
    audited (`export.created`, entity `views.<name>`); more rows than `limit`: 413 `export.too_large`."""
    scope = principal.scope.narrowed_to(query.region)
    snap = await snapshots.open()
    seq = int(await snap.scalar(POSITION_QUERY, None, {"head": audit.CHANGES}) or 0)
    rows = await view.count(snap, scope, query)
    if rows > limit:
        raise ProblemError(
            413,
            "export.too_large",
            f"The export has {rows} rows, more than the {limit} a direct download streams; narrow the filters.",
            extra={"rows": rows, "limit": limit},
        )
    records = await view.every_row(snap, scope, query, health)
    await snap.close()
    position = encode_position(seq)
    export_id = str(uuid.uuid4())
    filters = query.model_dump(mode="json", exclude={"format", "encoding"}, exclude_none=True)
    await record_export(
        session,
        actor=principal.as_actor(),
        export_id=export_id,
        region_code=principal.scope.region_code,
        changes={
            "entity": f"views.{view.name}",
            "format": query.format,
            "encoding": query.encoding,
            "filters": filters,
            "rows": len(records),
            "changes_position": position,
            "via": "direct",
        },
    )
    return ViewExport(
        export_id,
        len(records),
        position,
        media_type(query.format, query.encoding),
        disposition(view, query.format),
        _body(view, cells(view, records), format=query.format, encoding=query.encoding),
    )


async def _batches(rows: list[list[Any]]) -> AsyncIterator[Sequence[Sequence[Any]]]:
    for start in range(0, len(rows), BATCH_ROWS):
        yield rows[start : start + BATCH_ROWS]


async def _body(view: View, rows: list[list[Any]], *, format: str, encoding: str | None) -> AsyncIterator[bytes]:
    headers = [c[0] for c in view.columns]
    if format == "csv":
        writer = CsvWriter(encoding, headers=headers)
        yield writer.begin()
        yield writer.write(rows)
        yield writer.end()
        return
    text_columns = frozenset(i for i, c in enumerate(view.columns) if c[3])
    with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
        path = Path(folder) / f"{view.name}.xlsx"
        await write_xlsx(
            _batches(rows),
            path,
            writer=lambda: XlsxWriter(
                path, headers=headers, sheet=view.sheet, widths=[c[2] for c in view.columns], text_columns=text_columns
            ),
        )
        with path.open("rb") as file:
            while chunk := file.read(1 << 16):
                yield chunk
