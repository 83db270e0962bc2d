"""Supervision findings in import jobs (`entity=findings`): an inspection report's ledger (整改台账) as CSV (UTF-8 or
GB18030) or XLSX in the layout of its template (`GET /api/v1/imports/template.xlsx?entity=findings`).

One row per rectification task (整改措施): the rows of one finding carry the same 问题序号 and stand together (as a
household's member rows do in its import); the finding's columns are read from its first row, and a following row
may leave them blank (cells merged down read as empty) or repeat them, never differ. A finding without tasks is one
row with the task columns blank.

The file checks, chunks, counters, dry run, atomic mode, report and error workbook are the import machinery's
(`imports.service`); what is here is the layout, reading rows into a finding with its tasks, and the
candidate-to-service step: each finding goes through `findings.service.create_finding` and each of its tasks
through `findings.tasks.create_task` with the job owner's Principal, in one savepoint per finding (a refused task
takes its finding back with it), so a row is checked exactly as the API checks a finding and a task.

Replay: a finding with 外部系统 + 外部编号 that the caller's area already holds is `unchanged` when the file's fields
equal the stored ones (its tasks are the responsible unit's to keep up after entry and are not compared), and a
row error (`import.finding_exists`) at each column that differs: the import only creates findings. A file without
外部编号 creates its findings each time it is imported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.policy import require_finding_tasks
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.code_tables import TABLES
from fupin.core.errors import ProblemError, field_errors
from fupin.findings import repository as finding_repo
from fupin.findings import service as findings
from fupin.findings import tasks as finding_tasks
from fupin.findings.models import Finding
from fupin.findings.schemas import FindingCreate, TaskIn
from fupin.households.columns import BLANK, ERASE, MASKED, CellError, Column, from_cell, header_mapper
from fupin.imports.readers import Reader, SourceRow, Table
from fupin.imports.rows import RowError
from fupin.imports.service import Entity, Finished, register_entity

ENTITY = "findings"
KIND = "import.findings"
SHEET = "督查问题"


def _f(key: str, header: str, kind: Any = "text", **extra: Any) -> Column:
    """A column of the finding (read from the finding's first row)."""
    return Column(key, header, "household", kind, **extra)


def _t(key: str, header: str, kind: Any = "text", **extra: Any) -> Column:
    """A column of one task (each row)."""
    return Column(key, header, "member", kind, **extra)


# the template's columns, in order; the key is FindingCreate's field (seq: the finding's number in the report, which
# groups its rows) or TaskIn's. `required`: the header must be there (its cells are required as the API requires)
COLUMNS: tuple[Column, ...] = (
    _f("seq", "问题序号", required=True, aliases=("序号",)),
    _f("source_system", "外部系统", aliases=("来源系统",)),
    _f("external_id", "外部编号"),
    _f("source", "问题来源", "code", table="finding_source", required=True),
    _f("batch", "督查批次", required=True, aliases=("批次",)),
    _f("category", "问题类别", "code", table="finding_category", required=True, aliases=("问题类型",)),
    _f("description", "问题描述", required=True, aliases=("存在问题",)),
    _f("severity", "严重程度", "code", table="finding_severity", required=True),
    _f(
        "region_code",
        "责任区域(代码)",
        required=True,
        aliases=("责任区域代码", "责任区划", "责任区划代码", "区划代码"),
    ),
    _f("lead_unit", "牵头单位", required=True),
    _f("responsible_unit", "责任单位", required=True),
    _f("responsible_person", "责任人"),
    _f("raised_on", "发现日期", "date", required=True),
    _f("deadline", "整改时限", "date", required=True, aliases=("整改期限",)),
    _f("timeframe", "整改类别", "code", table="finding_timeframe", required=True, aliases=("整改时限类型",)),
    _t("what", "措施内容", aliases=("整改措施",)),
    _t("who", "措施责任人"),
    _t("due_on", "完成时限", "date", aliases=("措施完成时限",)),
    _t("done_on", "完成日期", "date", aliases=("措施完成日期",)),
)
HEADER_OF = {c.key: c.header for c in COLUMNS}
MAPPER = header_mapper(COLUMNS)
# the fields compared on a replay (the file's finding against the stored one)
COMPARED = (
    "source",
    "batch",
    "category",
    "severity",
    "timeframe",
    "description",
    "region_code",
    "lead_unit",
    "responsible_unit",
    "responsible_person",
    "raised_on",
    "deadline",
)
_SEQ = "/seq"


@dataclass(slots=True)
class TaskPart:
    row: int
    values: dict[str, Any]


@dataclass(slots=True)
class FindingRows:
    """One finding of the file with its tasks (one per row), or the errors that keep it from being created."""

    row: int  # its first row
    seq: str | None
    finding: dict[str, Any]  # FindingCreate's fields as read
    tasks: list[TaskPart] = field(default_factory=list)
    raw: dict[int, Any] = field(default_factory=dict)  # row number -> the row as read (for the error workbook)
    errors: list[RowError] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # pointers whose cells could not be read

    @property
    def external_id(self) -> str | None:
        value = self.finding.get("external_id")
        return value if isinstance(value, str) else None

    @property
    def key(self) -> tuple[str, str] | None:
        system, external = self.finding.get("source_system"), self.finding.get("external_id")
        return (system, external) if isinstance(system, str) and isinstance(external, str) else None

    def error(self, pointer: str, code: str, message: str) -> RowError:
        """An error at a pointer of the API shape (`/deadline`, `/tasks/1/due_on`), on the row and column it came
        from."""
        parts = pointer.strip("/").split("/") if pointer else []
        row, column = self.row, None
        if len(parts) >= 2 and parts[0] == "tasks" and parts[1].isdigit() and int(parts[1]) < len(self.tasks):
            row = self.tasks[int(parts[1])].row
            column = HEADER_OF.get(parts[2]) if len(parts) >= 3 else HEADER_OF["what"]
        elif parts:
            column = HEADER_OF.get(parts[0])
        return RowError(row, pointer, code, message, column, self.external_id)


@dataclass(slots=True)
class ParsedRow:
    number: int
    finding: dict[str, Any]
    task: dict[str, Any]
    errors: list[tuple[Column, CellError]]
    has_task: bool
    cells: list[Any]

    @property
    def seq(self) -> str | None:
        value = self.finding.get("seq")
        return str(value) if value is not None else None


def _read(column: Column, raw: Any) -> Any:
    if isinstance(raw, float) and raw.is_integer() and column.kind == "text":
        raw = int(raw)  # 220382 or 3 typed into a number cell
    value = from_cell(column, raw)
    return BLANK if value is ERASE or value is MASKED else value  # nothing to erase on a new finding


def parse_row(table: Table, source: SourceRow) -> ParsedRow:
    cells = list(source.cells)
    parsed = ParsedRow(source.number, {}, {}, [], False, cells)
    for index, column in table.header_map.columns.items():
        raw = cells[index] if index < len(cells) else None
        target = parsed.finding if column.level == "household" else parsed.task
        try:
            value = _read(column, raw)
        except CellError as exc:
            parsed.errors.append((column, exc))
            parsed.has_task = parsed.has_task or column.level != "household"
            continue
        if value is not BLANK:
            target[column.key] = value
    parsed.has_task = parsed.has_task or bool(parsed.task)
    return parsed


def _add_row(candidate: FindingRows, parsed: ParsedRow) -> None:
    candidate.raw[parsed.number] = parsed.cells
    first = parsed.number == candidate.row
    index = len(candidate.tasks)
    if parsed.has_task:
        candidate.tasks.append(TaskPart(parsed.number, parsed.task))
    for column, exc in parsed.errors:
        pointer = f"/{column.key}" if column.level == "household" else f"/tasks/{index}/{column.key}"
        candidate.unreadable.add(pointer)
        candidate.errors.append(RowError(parsed.number, pointer, exc.code, exc.message, column.header))
    for key, value in parsed.finding.items():
        if key == "seq":
            continue
        held = candidate.finding.get(key)
        if held is None or first:
            candidate.finding[key] = value
        elif held != value:
            header = HEADER_OF[key]
            candidate.errors.append(
                RowError(
                    parsed.number,
                    f"/{key}",
                    "import.finding_conflict",
                    f"同一问题 (问题序号 {candidate.seq}) 各行的“{header}”不一致: "
                    "其后各行可留空, 或填写与第一行相同的内容",
                    header,
                )
            )


class FindingStream:
    """The findings of a file, one after another (each with the rows of its tasks); `position` = data rows taken
    into findings so far."""

    def __init__(self, params: dict[str, Any], skip: int) -> None:
        self.reader = Reader(Path(params["file"]), params["format"], params["encoding"], mapper=MAPPER, sheet=SHEET)
        self.table = self.reader.open_table()
        self.rows: Iterator[SourceRow] = self.reader.rows()
        self.consumed = 0
        self._peeked: ParsedRow | None = None
        self._seen_seq: set[str] = set()
        self._seen_keys: set[tuple[str, str]] = set()
        while self.consumed < skip and self.next() is not None:
            pass

    @property
    def position(self) -> int:
        return self.consumed

    def _next_row(self) -> ParsedRow | None:
        if self._peeked is not None:
            parsed, self._peeked = self._peeked, None
            return parsed
        source = next(self.rows, None)
        return None if source is None else parse_row(self.table, source)

    def next(self) -> FindingRows | None:
        first = self._next_row()
        if first is None:
            return None
        self.consumed += 1
        candidate = FindingRows(first.number, first.seq, {})
        _add_row(candidate, first)
        while True:
            following = self._next_row()
            if following is None:
                break
            # the same 问题序号, or none (cells merged down over the task rows read as empty): the same finding
            if following.seq is not None and following.seq != first.seq:
                self._peeked = following
                break
            self.consumed += 1
            _add_row(candidate, following)
        self._check_file_keys(candidate)
        return candidate

    def _check_file_keys(self, candidate: FindingRows) -> None:
        if candidate.seq is None:
            if _SEQ not in candidate.unreadable:
                candidate.errors.append(
                    candidate.error(
                        _SEQ, "required", "请填写问题序号: 同一问题的各行填写相同的问题序号, 其后各行可留空"
                    )
                )
        elif candidate.seq in self._seen_seq:
            candidate.errors.append(
                candidate.error(
                    _SEQ,
                    "import.duplicate_seq",
                    f"问题序号 {candidate.seq} 在文件中重复出现: 同一问题的各行须连在一起, 不同问题的序号须不同",
                )
            )
        else:
            self._seen_seq.add(candidate.seq)
        key = candidate.key
        if key is not None:
            if key in self._seen_keys:
                candidate.errors.append(
                    candidate.error(
                        "/external_id", "import.duplicate_key", f"外部编号 {key[1]} 在文件中已用于另一个问题"
                    )
                )
            self._seen_keys.add(key)

    def close(self) -> None:
        self.reader.close()


# ---------------------------------------------------------------- through the findings' services


class _TaskRefused(Exception):
    def __init__(self, index: int, problem: ProblemError) -> None:
        super().__init__(problem.detail or problem.code)
        self.index = index
        self.problem = problem


def _problem_errors(candidate: FindingRows, problem: ProblemError, prefix: str = "") -> list[RowError]:
    errors = [candidate.error(prefix + e.pointer, e.code, e.message) for e in problem.errors]
    return errors or [candidate.error(prefix, problem.code, problem.detail or problem.code)]


def _validated(candidate: FindingRows) -> tuple[FindingCreate | None, list[TaskIn]]:
    """The finding and its tasks as the API's models; their errors (beside the cells that could not be read)
    join the candidate's."""
    data: FindingCreate | None = None
    values = {k: v for k, v in candidate.finding.items() if k != "seq"}
    try:
        data = FindingCreate.model_validate(values)
    except ValidationError as exc:
        for e in field_errors(exc.errors()):
            if e.pointer not in candidate.unreadable:
                candidate.errors.append(candidate.error(e.pointer, e.code, e.message))
    tasks: list[TaskIn] = []
    for index, part in enumerate(candidate.tasks):
        try:
            tasks.append(TaskIn.model_validate(part.values))
        except ValidationError as exc:
            for e in field_errors(exc.errors(), prefix=("tasks", index)):
                if e.pointer not in candidate.unreadable:
                    candidate.errors.append(candidate.error(e.pointer, e.code, e.message))
    return data, tasks


def _replay(candidate: FindingRows, data: FindingCreate, stored: Finding) -> list[RowError]:
    """A finding imported before: nothing when the file says what is stored, else an error at each column that
    differs."""
    number = f"{stored.year}-{stored.number}"
    return [
        candidate.error(
            f"/{name}",
            "import.finding_exists",
            f"外部编号 {candidate.external_id} 的问题已导入 (编号 {number}), 与文件中的“{HEADER_OF[name]}”不同: "
            "导入只新建问题, 修改请在问题页面办理",
        )
        for name in COMPARED
        if getattr(stored, name) != getattr(data, name)
    ]


async def _one(
    session: AsyncSession, principal: Principal, candidate: FindingRows, stored: dict[tuple[str, str], Finding]
) -> tuple[FindingRows, str, list[RowError]]:
    data, tasks = _validated(candidate)
    if candidate.errors or data is None:
        return candidate, "failed", candidate.errors
    key = candidate.key
    if key is not None and key in stored:
        errors = _replay(candidate, data, stored[key])
        return candidate, "failed" if errors else "unchanged", errors
    if tasks:
        try:
            require_finding_tasks(principal, pointer="/tasks/0/what")
        except ProblemError as exc:
            return candidate, "failed", _problem_errors(candidate, exc)
    try:
        async with session.begin_nested():  # the finding and its tasks, or nothing of them
            finding = await findings.create_finding(session, principal, data=data)
            for index, task in enumerate(tasks):
                try:
                    await finding_tasks.create_task(session, principal, finding_id=finding.public_id, data=task)
                except ProblemError as exc:
                    raise _TaskRefused(index, exc) from exc
    except _TaskRefused as refused:
        return candidate, "failed", _problem_errors(candidate, refused.problem, f"/tasks/{refused.index}")
    except ProblemError as exc:
        return candidate, "failed", _problem_errors(candidate, exc)
    return candidate, "created", []


async def work(session: AsyncSession, principal: Principal, batch: list[Any], params: dict[str, Any]) -> Finished:
    """The candidate-to-service step: each finding of the batch with its tasks through the findings' services
    (the findings its keys name read at once), each result back in file order."""
    candidates: list[FindingRows] = batch
    keys = {key for c in candidates if not c.errors and (key := c.key) is not None}
    stored = await finding_repo.by_external_keys(session, principal.scope, keys)
    finished: Finished = []
    for candidate in candidates:
        finished.append(await _one(session, principal, candidate, stored))
    return finished


IMPORT_FINDINGS = register_entity(
    ENTITY,
    Entity(
        KIND,
        Permission.FINDINGS_WRITE,
        MAPPER,
        SHEET,
        ("csv", "xlsx"),
        FindingStream,
        work,
        also_needs=(Permission.JOBS_READ,),
    ),
)

# ---------------------------------------------------------------- the template

_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_TEXT_KEYS = ("seq", "source_system", "external_id", "region_code")
GUIDE = [
    (
        "一条措施一行",
        "每条整改措施一行; 同一问题的各行填写相同的“问题序号”并连在一起。问题的各列在该问题第一行填写, "
        "其后各行可留空 (也可合并单元格), 填写时须与第一行相同。",
    ),
    ("暂无措施", "整改措施可以暂不填写: 该问题只占一行, 措施各列留空, 由责任单位在系统中补充。"),
    (
        "整改措施",
        "措施内容、措施责任人、完成时限必填; 完成日期选填 (已完成时填写, 不早于发现日期、不晚于今天)。"
        "录入整改措施需要整改权限 (findings:rectify)。",
    ),
    (
        "外部编号",
        "填写“外部系统”+“外部编号”(字母、数字及 _ . : / -) 时, 再次导入同一编号的问题不会重复录入, 报告中计为"
        "“未变化”; 与系统中的内容不同时报错, 修改请在问题页面办理。不填外部编号的文件每导入一次新建一次。",
    ),
    ("责任区域", "填写责任区域的 6、9 或 12 位区划代码, 须在您的管辖范围内。"),
    ("整改时限", "整改时限不能早于发现日期。问题编号由系统按发现日期的年度顺序编号。"),
    ("代码项", "问题来源、问题类别、严重程度、整改类别填写中文名称, 也可填写代码。"),
    ("日期", "日期写作 2024-06-30, 也可为 2024/6/30、2024年6月30日 或 Excel 日期单元格。"),
    ("试导入", "选择“试运行”可先检查文件: 报告列出每一行的结果和错误, 不写入任何数据。"),
]


def template(target: Any) -> None:
    """The ledger template: the header row (required columns marked), text format for the keys and region codes,
    and a 说明 sheet with the rules and the values of each code column."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET)
    for index, column in enumerate(COLUMNS, 1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = 40 if column.key in ("description", "what") else max(10.0, len(column.header) * 2.6)
        if column.key in _TEXT_KEYS:
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
    guide.append([])
    guide.append(["列名", "填写说明"])
    for column in COLUMNS:
        parts = ["必填" if column.required else "选填"]
        if column.level == "member":
            parts[0] = "整改措施" + ("; 选填" if column.key == "done_on" else "; 有措施时必填")
        if column.table:
            parts.append("可填: " + "、".join(zh for _, zh, _ in TABLES[column.table]))
        if column.kind == "date":
            parts.append("日期")
        if column.aliases:
            parts.append(f"也可用列名: {'、'.join(column.aliases)}")
        guide.append([column.header, "; ".join(parts)])
    workbook.save(target)
