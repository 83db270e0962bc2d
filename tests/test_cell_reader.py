"""The import's cell reader remembers each distinct cell of the label-like columns: what it answers from memory
is what reading the cell again would answer, row after row."""

from __future__ import annotations

from typing import Any

from fupin.households.columns import ERASE, HEADERS, map_headers
from fupin.imports.readers import SourceRow, Table
from fupin.imports.rows import CellReader, TableGroups, parse_row


def _table() -> Table:
    return Table(1, list(HEADERS), map_headers(HEADERS))


def _row(**cells: Any) -> list[Any]:
    row: list[Any] = [""] * len(HEADERS)
    for header, value in cells.items():
        row[HEADERS.index(header)] = value
    return row


def test_a_refused_cell_is_refused_on_every_row_that_holds_it() -> None:
    table = _table()
    reader = CellReader(table)
    for number in (2, 3, 4):
        parsed = parse_row(
            table, SourceRow(number, _row(性别="火星人", 姓名=f"张{number}")), id_scheme="external", reader=reader
        )
        assert [(c.key, e.code) for c, e in parsed.errors] == [("gender", "import.unknown_code")]
        assert "gender" not in parsed.member


def test_remembered_lists_are_fresh_for_each_row() -> None:
    table = _table()
    reader = CellReader(table)
    first = parse_row(table, SourceRow(2, _row(其他致贫原因="缺资金、因残")), id_scheme="external", reader=reader)
    codes = first.household["secondary_causes"]
    codes.append("99")  # a caller changing its list changes no other row's
    second = parse_row(
        table, SourceRow(3, _row(其他致贫原因="缺资金、因残", 住址="x")), id_scheme="external", reader=reader
    )
    assert second.household["secondary_causes"] == codes[:2]
    assert second.household["secondary_causes"] is not codes


def test_numbers_and_booleans_of_a_workbook_are_not_mistaken_for_each_other() -> None:
    # True == 1 in Python: a cell typed 1 in a number column and TRUE in another row must not share a reading
    table = _table()
    reader = CellReader(table)
    one = parse_row(table, SourceRow(2, _row(残疾等级=1)), id_scheme="external", reader=reader)
    true = parse_row(table, SourceRow(3, _row(残疾等级=True)), id_scheme="external", reader=reader)
    again = parse_row(table, SourceRow(4, _row(残疾等级="1")), id_scheme="external", reader=reader)
    assert one.member["disability_grade"] == 1 and again.member["disability_grade"] == 1
    assert [e.code for _, e in true.errors] == ["import.bad_number"]


def test_a_household_repeated_on_each_member_row_is_read_once_and_merged_once() -> None:
    table = _table()
    household = {"外部系统": "prov", "外部编号": "H-1", "行政村代码": "220382001001", "住址": "1组2号"}
    rows = [
        SourceRow(2, _row(**household, 姓名="甲", 与户主关系="户主")),
        SourceRow(3, _row(**household, 姓名="乙", 与户主关系="配偶")),
        SourceRow(4, _row(**{**household, "联系电话": "13900000000"}, 姓名="丙", 与户主关系="之子")),
        SourceRow(5, _row(外部系统="prov", 外部编号="H-2", 住址="2组", 姓名="丁", 与户主关系="户主")),
    ]
    groups = TableGroups(table, iter(rows), id_scheme="external")
    first, second = groups.next(), groups.next()
    assert first is not None and second is not None and groups.next() is None
    assert [m.values["name"] for m in first.members] == ["甲", "乙", "丙"]
    # a later row's household cell fills what the first left blank; the next household shares nothing
    assert first.household["phone"] == "13900000000" and first.household["address"] == "1组2号"
    assert second.household["address"] == "2组" and "phone" not in second.household
    assert first.rows == [2, 3, 4] and groups.consumed == 4


def test_a_full_width_erase_marker_erases() -> None:
    table = _table()
    parsed = parse_row(table, SourceRow(2, _row(住址="＃清空")), id_scheme="external", reader=CellReader(table))
    assert parsed.household["address"] is ERASE
