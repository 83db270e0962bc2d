"""The 建档立卡 table layout reads back what it writes, and reads what Excel does to offices' files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from fupin.core.code_tables import TABLES
from fupin.households.columns import (
    BLANK,
    COLUMNS,
    ERASE,
    MASKED,
    CellError,
    Column,
    from_cell,
    map_headers,
    to_cell,
)

BY_KEY = {c.key: c for c in COLUMNS}


@pytest.mark.parametrize("column", [c for c in COLUMNS if c.kind == "code"], ids=lambda c: c.key)
def test_every_code_reads_back_from_its_label(column: Column) -> None:
    for code, zh, en in TABLES[column.table or ""]:
        assert to_cell(column, code) == zh
        assert from_cell(column, to_cell(column, code)) == code
        assert from_cell(column, code) == code
        assert from_cell(column, en) == code


def test_values_round_trip() -> None:
    samples = {
        "secondary_causes": ["01", "07"],
        "first_identified_on": date(2016, 3, 1),
        "housing_area": Decimal("85.50"),
        "relocated": True,
        "military_family": False,
        "planned_exit_year": 2019,
        "id_number": "22038219800101001X",
        "address": "卧虎镇东方红村3组",
    }
    for key, value in samples.items():
        assert from_cell(BY_KEY[key], to_cell(BY_KEY[key], value)) == value, key


def test_blank_erase_and_masked_are_not_values() -> None:
    assert from_cell(BY_KEY["address"], "") is BLANK
    assert from_cell(BY_KEY["address"], None) is BLANK
    assert from_cell(BY_KEY["address"], " #清空 ") is ERASE
    assert from_cell(BY_KEY["phone"], "#CLEAR") is ERASE
    assert from_cell(BY_KEY["id_number"], "220382********1234") is MASKED
    assert from_cell(BY_KEY["phone"], "139****0000") is MASKED


def test_excel_quirks() -> None:
    id_column = BY_KEY["id_number"]
    for broken in ("2.20382E+17", 2.20382198001e17, 220382198001010010.0):
        with pytest.raises(CellError) as caught:
            from_cell(id_column, broken)
        assert caught.value.code == "import.number_formatted"
        assert "文本" in caught.value.message
    assert from_cell(id_column, "２２０３８２１９８００１０１００１ｘ") == "22038219800101001X"
    assert from_cell(BY_KEY["relation"], "1") == "01"
    assert from_cell(BY_KEY["relation"], 1) == "01"
    assert from_cell(BY_KEY["main_cause"], "7") == "07"
    date_column = BY_KEY["first_identified_on"]
    for cell in (
        42430,
        "42430",
        "2016/3/1",
        "2016.3.1",
        "2016年3月1日",
        "20160301",
        20160301,
        datetime(2016, 3, 1, 0, 0),
    ):
        assert from_cell(date_column, cell) == date(2016, 3, 1), cell
    assert from_cell(BY_KEY["village_code"], 220382100201.0) == "220382100201"
    with pytest.raises(CellError, match="是 或 否"):
        from_cell(BY_KEY["relocated"], "也许")
    with pytest.raises(CellError) as caught:
        from_cell(BY_KEY["attribute"], "富裕户")
    assert caught.value.code == "import.unknown_code"


def test_headers_are_matched_loosely_and_unknown_ones_reported() -> None:
    mapped = map_headers(
        ["*姓名", "证件号码\n(必填)", "与户主 关系", "贫困户属性", "备注", "姓名", None, "village_code"]
    )
    assert [c.key for c in mapped.columns.values()] == ["name", "id_number", "relation", "attribute", "village_code"]
    assert mapped.unknown == ["备注"]
    assert mapped.duplicates == ["姓名"]
    assert set(mapped.missing) == {"主要致贫原因", "识别时间"}
    assert not map_headers([c.header for c in COLUMNS]).missing


def test_dates_as_exports_write_them_and_as_offices_type_them() -> None:
    column = BY_KEY["first_identified_on"]
    assert from_cell(column, "2016-03-01") == date(2016, 3, 1)
    assert from_cell(column, "2016-3-1") == date(2016, 3, 1)
    assert from_cell(column, "20160301") == date(2016, 3, 1)
    assert from_cell(column, "2016年3月1日") == date(2016, 3, 1)
    with pytest.raises(CellError, match="不是有效日期") as invalid:
        from_cell(column, "2016-02-30")
    assert invalid.value.code == "import.bad_date"
    with pytest.raises(CellError) as wrong:
        from_cell(column, "2016-0a-01")
    assert wrong.value.code == "import.bad_date"
