"""Measures in import jobs (`entity=measures`): a department's file (CSV in UTF-8 or GB18030, XLSX) in the layout
of its template (`GET /api/v1/imports/template.xlsx?entity=measures`), one row per measure keyed by 外部系统 +
外部编号. The file checks, chunks, counters, dry run, atomic mode, report and error workbook are the import
machinery's (`imports.service`, `imports.readers`, `imports.workbooks`); what is here is the layout, reading a row
into a candidate, and the candidate-to-service step: each chunk's rows go through the measures' batch upsert
(`measures.upsert.batch`), so a row is checked exactly as a batch item is (area, household, member, the
department's field, the status move) and a replayed file changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.code_tables import TABLES, label
from fupin.departments.field import get_department
from fupin.households.columns import BLANK, ERASE, MASKED, CellError, Column, from_cell, header_mapper
from fupin.households.models import Household
from fupin.imports.readers import Reader, SourceRow, Table
from fupin.imports.rows import RowError, parse_uuid
from fupin.imports.service import Entity, Finished, register_entity
from fupin.measures import upsert as measures

ENTITY = "measures"
KIND = "import.measures"
SHEET = "帮扶措施"


def _c(key: str, header: str, kind: Any = "text", **extra: Any) -> Column:
    return Column(key, header, "household", kind, **extra)


# the department template's columns, in order; the key is the batch item's field (household_number: the household
# by its 户编号; household_id: by its system id)
COLUMNS: tuple[Column, ...] = (
    _c("household_number", "户编号", aliases=("贫困户编号",)),
    _c("household_id", "系统编号", aliases=("户系统编号",)),
    _c("source_system", "外部系统", required=True, aliases=("来源系统",)),
    _c("external_id", "外部编号", required=True),
    _c("type", "措施类型", "code", table="measure_type", required=True),
    _c("content", "措施内容", required=True),
    _c("year", "年度", "int", required=True),
    _c("department", "责任部门", "code", table="department"),
    _c("amount", "金额", "decimal", aliases=("金额(元)",)),
    _c("planned_on", "计划日期", "date", required=True, aliases=("计划完成日期",)),
    _c("done_on", "完成日期", "date"),
    _c("status", "状态", "code", table="measure_status"),
    _c("member_id", "成员编号"),
    _c("cadre_id", "责任干部编号"),
    _c("project_id", "项目编号"),  # the project's system id (UUID): the measure is delivered through it
)
HEADER_OF = {c.key: c.header for c in COLUMNS}
MAPPER = header_mapper(COLUMNS)
_HOUSEHOLD = "/household_id"


@dataclass(slots=True)
class MeasureRow:
    """One row of the file as a batch item (`values`), or the errors that keep it from being one."""

    row: int
    values: dict[str, Any]
    raw: dict[int, Any]
    errors: list[RowError] = field(default_factory=list)
    external_id: str | None = None
    household_number: str | None = None

    def error(self, pointer: str, code: str, message: str) -> RowError:
        key = pointer.strip("/").split("/")[0] if pointer else ""
        column = HEADER_OF.get("household_number" if key == "household_id" and self.household_number else key)
        return RowError(self.row, pointer, code, message, column, self.external_id)


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def parse_row(table: Table, source: SourceRow) -> MeasureRow:
    cells = list(source.cells)
    row = MeasureRow(source.number, {}, {source.number: cells})
    for index, column in table.header_map.columns.items():
        raw = cells[index] if index < len(cells) else None
        try:
            value = from_cell(column, raw)
        except CellError as exc:
            row.errors.append(RowError(row.row, f"/{column.key}", exc.code, exc.message, column.header))
            continue
        if value is BLANK or value is ERASE or value is MASKED:
            continue  # an upsert is the whole measure: a blank optional field is none
        row.values[column.key] = _json(value)
    row.external_id = row.values.get("external_id")
    for error in row.errors:
        error.external_id = row.external_id
    number = row.values.pop("household_number", None)
    row.household_number = str(number) if number is not None else None
    if "household_id" in row.values:
        if parse_uuid(str(row.values["household_id"])) is None:
            row.errors.append(row.error(_HOUSEHOLD, "uuid_parsing", "系统编号应为贫困户的系统编号 (UUID)"))
    elif row.household_number is None:
        row.errors.append(
            RowError(row.row, _HOUSEHOLD, "required", "请填写户编号或系统编号", HEADER_OF["household_number"])
        )
        row.errors[-1].external_id = row.external_id
    return row


class MeasureStream:
    """The rows of a measures file, one after another; `position` = data rows consumed."""

    def __init__(self, params: dict[str, Any], skip: int) -> None:
        self.reader = Reader(Path(params["file"]), params["format"], params["encoding"], mapper=MAPPER, sheet=SHEET)
        self.table = self.reader.open_table()
        self.rows = self.reader.rows()
        self.consumed = 0
        while self.consumed < skip and self.next() is not None:
            pass

    @property
    def position(self) -> int:
        return self.consumed

    def next(self) -> MeasureRow | None:
        source = next(self.rows, None)
        if source is None:
            return None
        self.consumed += 1
        return parse_row(self.table, source)

    def close(self) -> None:
        self.reader.close()


async def _households(session: AsyncSession, principal: Principal, numbers: set[str]) -> dict[str, uuid.UUID]:
    """The system ids of the households of these 户编号 in the caller's area (the others are not found)."""
    if not numbers:
        return {}
    stmt = principal.scope.select(Household.household_number, Household.public_id, area_of=Household).where(
        Household.household_number.in_(sorted(numbers))
    )
    return {number: public_id for number, public_id in (await session.execute(stmt)).all()}


async def work(session: AsyncSession, principal: Principal, batch: list[Any], params: dict[str, Any]) -> Finished:
    """The candidate-to-service step: the chunk's checked rows as one `measures.upsert.batch`, each row's result
    (created, updated, unchanged, or its problem at the row and column) back in file order."""
    rows: list[MeasureRow] = batch
    by_number = await _households(
        session, principal, {r.household_number for r in rows if r.household_number and not r.errors}
    )
    finished: Finished = []
    items: list[dict[str, Any]] = []
    sent: list[MeasureRow] = []
    for r in rows:
        if not r.errors and "household_id" not in r.values:
            found = by_number.get(r.household_number or "")
            if found is None:
                r.errors.append(r.error(_HOUSEHOLD, "not_found", "该户编号不存在或不在您的管辖范围内"))
            else:
                r.values["household_id"] = str(found)
        if r.errors:
            continue
        items.append(r.values)
        sent.append(r)
    results = await measures.batch(session, principal, items=items) if items else []
    outcome_of = {id(r): result for r, result in zip(sent, results, strict=True)}
    for r in rows:
        result = outcome_of.get(id(r))
        if result is None:
            finished.append((r, "failed", r.errors))
        elif result.problem is None:
            finished.append((r, result.outcome, []))
        else:
            problem = result.problem
            errors = [r.error(e.pointer, e.code, e.message) for e in problem.errors or []]
            if not errors:
                pointer = _HOUSEHOLD if problem.status == 404 else ""
                errors = [r.error(pointer, problem.code or "failed", problem.detail or problem.title)]
            finished.append((r, "failed", errors))
    return finished


IMPORT_MEASURES = register_entity(
    ENTITY, Entity(KIND, Permission.MEASURES_WRITE, MAPPER, SHEET, ("csv", "xlsx"), MeasureStream, work)
)

# ---------------------------------------------------------------- the department template

_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
GUIDE = [
    ("一行一条措施", "每条措施一行, 以“外部系统”+“外部编号”(本部门系统中的编号) 标识: 再次导入同一编号即更新该措施。"),
    ("贫困户", "填写“户编号”(或贫困户的“系统编号”); 须为您管辖范围内的在册贫困户。"),
    ("整条替换", "导入的一行就是该措施的全部内容: 空白的选填项表示没有 (如无金额、无完成日期)。"),
    ("重复导入", "与系统中完全相同的行不作修改 (版本不变), 报告中计为“未变化”。"),
    ("状态", "可填 计划、实施中、已完成; 已完成须填写完成日期。取消措施请在系统中操作。"),
    ("代码项", "措施类型、责任部门、状态填写中文名称, 也可填写代码。"),
    ("日期", "日期写作 2018-10-31, 也可为 2018/10/31、2018年10月31日 或 Excel 日期单元格。"),
    ("金额", "金额以元为单位, 最多两位小数, 不能为负数。"),
    ("试导入", "选择“试运行”可先检查文件: 报告列出每一行的结果和错误, 不写入任何数据。"),
]


async def template(target: Any, session: AsyncSession, principal: Principal) -> None:
    """The department template: the header row (required columns marked), text format for the keys, and a 说明
    sheet with the rules and the measure types the caller may record (a department: its own field)."""
    types = [(code, zh) for code, zh, _ in TABLES["measure_type"]]
    department = await get_department(session, principal.department) if principal.department else None
    if department is not None:
        own = set(department.measure_types) | set(department.disabled_member_types)
        types = [(code, zh) for code, zh in types if code in own]
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET)
    for index, column in enumerate(COLUMNS, 1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = 40 if column.key == "content" else max(10.0, len(column.header) * 2.6)
        if column.kind == "text" and column.key != "content":
            dimension.number_format = "@"
    ws.freeze_panes = "A2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = _BOLD
        if column.required:
            cell.fill = _REQUIRED_FILL
        header.append(cell)
    ws.append(header)
    guide = workbook.create_sheet("说明")
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 100
    guide.append(["规则", "说明"])
    for rule, text in GUIDE:
        guide.append([rule, text])
    if department is not None:
        guide.append(["本部门", f"{department.name}: 只能导入本部门职责领域的措施, 责任部门为本部门。"])
    guide.append(["可填措施类型", "、".join(zh for _, zh in types)])
    guide.append([])
    guide.append(["列名", "填写说明"])
    for column in COLUMNS:
        parts = ["必填" if column.required else "选填"]
        if column.table == "measure_type":
            parts.append("可填: " + "、".join(zh for _, zh in types))
        elif column.table:
            parts.append("可填: " + "、".join(label(column.table, code) or code for code, _, _ in TABLES[column.table]))
        if column.kind == "date":
            parts.append("日期")
        if column.aliases:
            parts.append(f"也可用列名: {'、'.join(column.aliases)}")
        guide.append([column.header, "; ".join(parts)])
    workbook.save(target)
