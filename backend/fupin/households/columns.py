"""The 建档立卡 table layout: how a household and its members are one sheet of rows, in both directions.

One row per active member; the household's columns repeat on every row of the household, so any row alone says
which household it belongs to and a sorted or filtered sheet still imports. Headers are Chinese (the header map is
data: `Column.header` plus `aliases`, e.g. the field name itself); code-table values are written as their Chinese
labels and read as label, code or English label. Export writes cells with `to_cell`, import reads them back with
`from_cell`, so an exported file imports back unchanged.

Reading rules (what offices' Excel files do to data):
- a blank cell means "no change" on update (`BLANK`); erasing needs the explicit marker `#清空` (or `#CLEAR`);
- a masked value such as `220382********1234` is never written back (`MASKED`, treated as no change);
- full-width digits and letters are normalised (NFKC); codes that lost their leading zero ("1" for "01") are padded;
- an ID number or bank account that Excel turned into a number (2.20382E+17, or a float cell) is refused with a
  message saying the column was formatted as a number;
- dates: ISO, 2016/3/1, 2016.3.1, 2016年3月1日, 20160301, Excel serial numbers and date cells."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from fupin.core.code_tables import TABLES

Level = Literal["household", "member"]
Kind = Literal["text", "code", "codes", "bool", "date", "int", "decimal", "document"]

ERASE_MARKERS: Final = frozenset({"#清空", "#CLEAR"})
CODES_SEPARATOR: Final = "、"
TRUE_WORDS: Final = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "t"})
FALSE_WORDS: Final = frozenset({"否", "无", "n", "no", "false", "0", "×", "✗", "f"})
EXCEL_EPOCH: Final = date(1899, 12, 30)


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


BLANK: Final = _Sentinel("BLANK")  # empty cell: no change
ERASE: Final = _Sentinel("ERASE")  # the erase marker: set to null
MASKED: Final = _Sentinel("MASKED")  # a masked export value: never written back


class CellError(ValueError):
    """A cell that cannot be read: a stable code and a Chinese message naming what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the field name in the API (HouseholdCreate / MemberCreate), or an export-only fact
    header: str
    level: Level
    kind: Kind = "text"
    table: str | None = None  # code table of kind code / codes
    aliases: tuple[str, ...] = ()
    writable: bool = True  # export-only columns (names, status, version) are read back as "no change"
    required: bool = False  # needed to create a household or member
    personal: str | None = None  # the core/pii.py kind an export masks without the pii permission

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, self.key, *self.aliases)


def _h(key: str, header: str, kind: Kind = "text", **extra: Any) -> Column:
    return Column(key, header, "household", kind, **extra)


def _m(key: str, header: str, kind: Kind = "text", **extra: Any) -> Column:
    return Column(key, header, "member", kind, **extra)


HOUSEHOLD_COLUMNS: Final[tuple[Column, ...]] = (
    _h("id", "系统编号", writable=False, aliases=("户ID",)),
    _h("household_number", "户编号", writable=False, aliases=("户码",)),
    _h("source_system", "外部系统", aliases=("来源系统",)),
    _h("external_id", "外部编号", aliases=("外部系统编号",)),
    _h("county_name", "县(市、区)", writable=False, aliases=("县", "县区", "县(市区)")),
    _h("township_name", "乡(镇)", writable=False, aliases=("乡镇", "乡")),
    _h("village_name", "行政村", writable=False, aliases=("村", "村名")),
    _h("village_code", "行政村代码", required=True, aliases=("村代码", "行政区划代码")),
    _h("group", "村民小组", aliases=("组", "小组")),
    _h("address", "住址", aliases=("家庭住址",)),
    _h("phone", "联系电话", "document", personal="phone", aliases=("电话",)),
    _h("bank_account", "一卡通账号", "document", personal="bank_account", aliases=("开户银行账号", "银行账号")),
    _h("identification_standard", "识别标准", "code", table="identification_standard"),
    _h("attribute", "贫困户属性", "code", table="attribute", required=True, aliases=("贫困属性",)),
    _h("main_cause", "主要致贫原因", "code", table="poverty_cause", required=True, aliases=("致贫原因",)),
    _h("secondary_causes", "其他致贫原因", "codes", table="poverty_cause", aliases=("次要致贫原因",)),
    _h("first_identified_on", "识别时间", "date", required=True, aliases=("首次识别时间", "识别日期")),
    _h("planned_exit_year", "计划脱贫年度", "int", aliases=("计划脱贫年份",)),
    _h("housing_area", "住房面积(平方米)", "decimal", aliases=("住房面积",)),
    _h("housing_safety", "住房安全等级", "code", table="housing_safety", aliases=("危房等级", "住房安全")),
    _h("safe_drinking_water", "饮水安全", "bool", aliases=("是否饮水安全",)),
    _h("electricity", "通生活用电", "bool", aliases=("是否通生活用电",)),
    _h("road_type", "入户路类型", "code", table="road_type"),
    _h("sanitary_toilet", "卫生厕所", "bool", aliases=("是否有卫生厕所",)),
    _h("fuel", "主要燃料类型", "code", table="fuel", aliases=("主要燃料",)),
    _h("relocated", "易地扶贫搬迁户", "bool", aliases=("是否易地搬迁",)),
    _h("relocation_year", "搬迁年度", "int"),
    _h("relocation_site", "安置点", aliases=("安置地点",)),
    _h("military_family", "军烈属", "bool", aliases=("是否军烈属",)),
    _h("only_child", "独生子女户", "bool", aliases=("是否独生子女户",)),
    _h("two_daughters", "双女户", "bool", aliases=("是否双女户",)),
    _h("status", "脱贫状态", "code", table="household_status", writable=False, aliases=("贫困户状态",)),
    _h("version", "版本", "int", writable=False),
)

MEMBER_COLUMNS: Final[tuple[Column, ...]] = (
    _m("member_id", "成员编号", writable=False, aliases=("成员ID",)),
    _m("name", "姓名", required=True),
    _m("id_type", "证件类型", "code", table="id_type"),
    _m("id_number", "证件号码", "document", personal="id_number", required=True, aliases=("身份证号码", "身份证号")),
    _m("gender", "性别", "code", table="gender"),
    _m("birth_date", "出生日期", "date", personal="birth_date"),
    _m("ethnicity", "民族", "code", table="ethnicity"),
    _m("relation", "与户主关系", "code", table="relation", required=True, aliases=("与户主关系(代码)",)),
    _m("education", "文化程度", "code", table="education"),
    _m("school_status", "在校生状况", "code", table="school_status", aliases=("在校生情况",)),
    _m("health", "健康状况", "code", table="health", personal="health"),
    _m("disability_grade", "残疾等级", "int", personal="disability_grade"),
    _m("labour", "劳动技能", "code", table="labour", aliases=("劳动能力",)),
    _m("work_status", "务工状况", "code", table="work_status"),
    _m("months_worked", "务工时间(月)", "int", aliases=("务工时间",)),
    _m("public_welfare_job", "公益岗位", "bool", aliases=("是否公益岗位",)),
    _m("medical_insurance", "城乡居民基本医疗保险", "bool", aliases=("新农合", "是否参加城乡居民基本医疗保险")),
    _m("serious_illness_insurance", "大病保险", "bool", aliases=("是否参加大病保险",)),
    _m("pension_insurance", "城乡居民基本养老保险", "bool", aliases=("养老保险", "是否参加城乡居民基本养老保险")),
    _m("dibao", "享受低保", "bool", aliases=("低保",)),
    _m("tekun", "特困供养", "bool", aliases=("特困",)),
)

COLUMNS: Final[tuple[Column, ...]] = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS
HEADERS: Final[tuple[str, ...]] = tuple(c.header for c in COLUMNS)
SHEET_NAME: Final = "贫困户成员"


def _normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # "*姓名", "姓名\n(必填)", "姓 名" all name the same column
    text = re.sub(r"[\s*＊]+", "", text)
    return re.sub(r"\((必填|选填)\)$", "", text).lower()


_BY_NAME: Final[dict[str, Column]] = {_normalise_header(n): c for c in COLUMNS for n in c.names}


@dataclass(frozen=True, slots=True)
class HeaderMap:
    columns: dict[int, Column]  # sheet column index → layout column
    unknown: list[str]  # headers the layout does not know (reported, never silently dropped)
    duplicates: list[str]  # a layout column named twice
    missing: list[str]  # required headers absent


def map_headers(headers: Sequence[Any]) -> HeaderMap:
    """The 建档立卡 layout's columns of a header row."""
    return _map_headers(headers, COLUMNS, _BY_NAME)


def header_mapper(layout: Sequence[Column]) -> Callable[[Sequence[Any]], HeaderMap]:
    """`map_headers` of another layout (an import of another entity: imports/measures.py)."""
    by_name = {_normalise_header(n): c for c in layout for n in c.names}
    return lambda headers: _map_headers(headers, layout, by_name)


def _map_headers(headers: Sequence[Any], layout: Sequence[Column], by_name: dict[str, Column]) -> HeaderMap:
    columns: dict[int, Column] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(headers):
        if raw is None or str(raw).strip() == "":
            continue
        column = by_name.get(_normalise_header(str(raw)))
        if column is None:
            unknown.append(str(raw).strip())
        elif column.key in seen:
            duplicates.append(str(raw).strip())
        else:
            seen.add(column.key)
            columns[index] = column
    missing = [c.header for c in layout if c.required and c.key not in seen]
    return HeaderMap(columns, unknown, duplicates, missing)


# ---------------------------------------------------------------- writing


def _label(table: str, code: str) -> str:
    for c, zh, _ in TABLES[table]:
        if c == code:
            return zh
    return code


def to_cell(column: Column, value: Any) -> Any:
    """The value as it goes into a CSV or XLSX cell ("" for null; a masked value passes as it is)."""
    if value is None:
        return ""
    if column.kind == "code":
        return _label(column.table or "", str(value))
    if column.kind == "codes":
        return CODES_SEPARATOR.join(_label(column.table or "", str(v)) for v in value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind in ("date",) and isinstance(value, date):
        return value.isoformat()
    if column.kind == "decimal":
        return str(value)
    return str(value) if column.kind in ("text", "document") else value


def row_cells(household: Mapping[str, Any], member: Mapping[str, Any]) -> list[Any]:
    """One sheet row: the household's columns, then the member's (mappings keyed by `Column.key`)."""
    return [to_cell(c, household.get(c.key)) for c in HOUSEHOLD_COLUMNS] + [
        to_cell(c, member.get(c.key)) for c in MEMBER_COLUMNS
    ]


# ---------------------------------------------------------------- reading


def _lookup(table: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, zh, en in TABLES[table]:
        for name in (code, zh, en):
            found[_normalise_header(name)] = code
    return found


_CODES: Final[dict[str, dict[str, str]]] = {
    table: _lookup(table) for table in {c.table for c in COLUMNS if c.table is not None}
}
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?e\+?[0-9]+$", re.IGNORECASE)
_EIGHT_DIGITS = re.compile(r"\d{8}")  # 20160301
_SERIAL = re.compile(r"\d{4,5}(\.\d+)?")  # an Excel serial day number as text
_DATE_PARTS = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _text(raw: Any) -> str:
    return unicodedata.normalize("NFKC", str(raw)).strip()


@functools.lru_cache(maxsize=4096)  # a column holds few distinct labels: each is looked up once per file
def _code(table: str, text: str) -> str:
    codes = _CODES.get(table)
    if codes is None:  # a table of another layout (imports/measures.py), read once
        codes = _CODES[table] = _lookup(table)
    found = codes.get(_normalise_header(text))
    if found is None and text.isdigit():
        # Excel drops leading zeros of "01"; the table's codes say how wide they are
        width = max(len(c) for c, _, _ in TABLES[table])
        found = codes.get(text.zfill(width))
    if found is None:
        raise CellError("import.unknown_code", f"“{text}”不是代码表 {table} 中的值")
    return found


def _number_formatted(column: Column) -> CellError:
    return CellError(
        "import.number_formatted",
        f"“{column.header}”列被设置为数字格式, 长数字已失真 (如 2.20382E+17); 请将该列设为文本格式后重新填写",
    )


def _date(raw: Any, column: Column) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if float(raw).is_integer() and 19000101 <= raw <= 21001231:
            raw = str(int(raw))  # 20160301 typed into a number cell
        else:
            return _serial_date(float(raw), column)
    text = _text(raw)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # 2016-03-01, as exports write dates
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # the reading below says what is wrong with it
    if _EIGHT_DIGITS.fullmatch(text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif _SERIAL.fullmatch(text):
        return _serial_date(float(text), column)
    match = _DATE_PARTS.match(text)
    if match is None:
        raise CellError("import.bad_date", f"“{column.header}”不是日期 (应为 2016-03-01): {text}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("import.bad_date", f"“{column.header}”不是有效日期: {text}") from None


def _serial_date(serial: float, column: Column) -> date:
    # Excel's serial day numbers (1900 system) between 1900 and 2100
    if not 1 <= serial < 73051:
        raise CellError("import.bad_date", f"“{column.header}”不是日期: {serial}")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def from_cell(column: Column, raw: Any) -> Any:
    """The API value of a cell, or BLANK / ERASE / MASKED; a cell that cannot be read raises CellError."""
    if raw is None:
        return BLANK
    normal: str | None = None  # a text cell, normalised once
    if isinstance(raw, str):
        if raw.strip() == "":
            return BLANK
        normal = _text(raw)
        if normal[:1] == "#" and normal.upper() in ERASE_MARKERS:  # every marker starts with #
            return ERASE
    if column.kind == "document":
        if isinstance(raw, float) or (isinstance(raw, int) and not isinstance(raw, bool) and raw > 10**15):
            raise _number_formatted(column)
        text = (normal if normal is not None else _text(raw)).replace(" ", "")
        if _SCIENTIFIC.match(text):
            raise _number_formatted(column)
        if "*" in text:
            return MASKED
        return text.upper() if column.key == "id_number" else text
    if column.kind == "text":
        if normal is None:  # a number cell
            normal = _text(raw) if not isinstance(raw, int | float) else str(raw)
        text = normal
        if column.key == "village_code" and isinstance(raw, float):
            text = str(int(raw))
        if "*" in text and column.personal:
            return MASKED
        return text
    if column.kind == "code":
        text = _text(raw if not isinstance(raw, float) or not raw.is_integer() else int(raw))
        if "*" in text and column.personal:
            return MASKED
        return _code(column.table or "", text)
    if column.kind == "codes":
        parts = [p for p in re.split(r"[、,，;；/\s]+", _text(raw)) if p]
        return [_code(column.table or "", p) for p in parts]
    if column.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = _text(raw).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError("import.bad_bool", f"“{column.header}”应填 是 或 否: {word}")
    if column.kind == "date":
        return _date(raw, column)
    if column.kind == "int":
        text = _text(raw)
        if "*" in text and column.personal:
            return MASKED
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError("import.bad_number", f"“{column.header}”应为整数: {text}") from None
        if number != number.to_integral_value():
            raise CellError("import.bad_number", f"“{column.header}”应为整数: {text}")
        return int(number)
    # decimal
    text = _text(raw).replace(",", "")
    try:
        return Decimal(text) if not isinstance(raw, float) else Decimal(repr(raw))
    except InvalidOperation:
        raise CellError("import.bad_number", f"“{column.header}”应为数字: {text}") from None


def columns_of(level: Level) -> Iterable[Column]:
    return HOUSEHOLD_COLUMNS if level == "household" else MEMBER_COLUMNS
