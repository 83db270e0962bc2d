"""The workbooks an import hands out: the empty 建档立卡 template (with its 说明 sheet) and a job's error report
(the offending rows as read, with 行号 and 错误 columns). Both are written in write-only mode (constant memory)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fupin.core.code_tables import TABLES
from fupin.households.columns import COLUMNS, ERASE_MARKERS, SHEET_NAME, Column

TEXT_FORMAT = "@"
_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_ERROR_FONT = Font(color="C00000")

GUIDE = [
    ("一行一名成员", "每名家庭成员一行; 户的各列 (行政村代码、贫困户属性 ...) 在该户每一行重复填写。"),
    ("新建与更新", "有“系统编号”(或按外部编号导入时的“外部系统”+“外部编号”) 的行更新该户; 没有的行新建贫困户。"),
    ("新建贫困户", "没有编号时, 每个“户主”行开始一户, 其后没有编号的非户主行属于该户: 请先写户主行。"),
    ("空白 = 不修改", "更新时, 空白单元格表示该项不修改, 不会清空原有数据。"),
    ("清空", f"要清空某项, 填写 {' 或 '.join(sorted(ERASE_MARKERS))}; 必填项不能清空。"),
    ("脱敏值", "导出文件中的脱敏值 (如 220382********1234) 导入时忽略, 不会写回。"),
    ("代码项", "代码项填写中文名称 (如“一般贫困户”“因病”), 也可填写代码; 多个值用“、”分隔。"),
    ("日期", "日期写作 2016-03-01, 也可为 2016/3/1、2016年3月1日 或 Excel 日期单元格。"),
    (
        "证件号码、账号",
        "证件号码、一卡通账号、电话请设为文本格式; 设为数字格式会被 Excel 改为 2.20382E+17, 导入时拒绝。",
    ),
    ("成员", "按成员编号或证件号码匹配在册成员; 文件中没有的新成员按“其他转入”新增; 文件中缺少的成员不会被移出。"),
    ("只读列", "户编号、县乡村名称、脱贫状态、版本等列仅供查看, 导入时忽略。"),
    ("必填列", "黄色表头为新建贫困户时的必填列。"),
]


def _header_cell(ws: Worksheet, column: Column) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=column.header)
    cell.font = _BOLD
    if column.required:
        cell.fill = _REQUIRED_FILL
    return cell


def _width(column: Column) -> float:
    if column.kind == "document":
        return 22
    if column.kind in ("date", "codes"):
        return 14
    return max(10.0, len(column.header) * 2.2)


def template(target: Any) -> None:
    """Write the template to `target` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET_NAME)
    for index, column in enumerate(COLUMNS, 1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = _width(column)
        if column.kind == "document" or column.key in ("village_code", "external_id", "id", "member_id"):
            dimension.number_format = TEXT_FORMAT
    ws.freeze_panes = "A2"
    ws.append([_header_cell(ws, c) for c in COLUMNS])
    guide = workbook.create_sheet("说明")
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 100
    guide.append([WriteOnlyCell(guide, value="规则"), WriteOnlyCell(guide, value="说明")])
    for rule, text in GUIDE:
        guide.append([rule, text])
    guide.append([])
    guide.append(["列名", "填写说明"])
    for column in COLUMNS:
        guide.append([column.header, _column_help(column)])
    workbook.save(target)


def _column_help(column: Column) -> str:
    parts = []
    if column.required:
        parts.append("必填")
    if not column.writable:
        parts.append("只读 (导入时忽略)")
    if column.table:
        labels = "、".join(zh for _, zh, _ in TABLES[column.table][:12])
        parts.append(f"可填: {labels}")
    if column.kind == "bool":
        parts.append("填 是 或 否")
    if column.kind == "date":
        parts.append("日期")
    if column.kind == "document":
        parts.append("文本格式")
    if column.aliases:
        parts.append(f"也可用列名: {'、'.join(column.aliases)}")
    return "; ".join(parts)


def _failures(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("errors-*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def _as_read(ws: Worksheet, value: Any) -> Any:
    """A cell of the file as it was read, safe to write: control characters XML cannot hold are dropped, and text
    starting with "=" stays text (never a formula that Excel would run)."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def error_report(folder: Path) -> Path:
    """行号, the row's cells as read, 错误 (every error of the row, with its column)."""
    meta = json.loads((folder / "header.json").read_text(encoding="utf-8"))
    headers: list[str] = meta.get("headers") or []
    tabular = meta.get("format") in ("csv", "xlsx")
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("错误行")
    ws.append(["行号", *(headers if tabular else ["记录"]), "错误"])
    for failure in _failures(folder):
        messages = "; ".join(
            (f"[{e['column']}] " if e.get("column") else (f"[{e['pointer']}] " if e.get("pointer") else ""))
            + f"{e['message']} ({e['code']})"
            for e in failure["errors"]
        )
        cells = failure.get("cells")
        if tabular:
            values = list(cells or [])[: len(headers)]
            values += [None] * (len(headers) - len(values))
        else:
            values = [json.dumps(cells, ensure_ascii=False)[:32000] if cells is not None else None]
        error_cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", messages))
        error_cell.font = _ERROR_FONT
        ws.append([failure["row"], *(_as_read(ws, v) for v in values), error_cell])
    descriptor, name = tempfile.mkstemp(prefix="report-", suffix=".xlsx", dir=folder)
    os.close(descriptor)
    workbook.save(name)
    return Path(name)
