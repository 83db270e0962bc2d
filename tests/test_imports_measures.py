"""Measures in import jobs (`entity=measures`): the department template, CSV (UTF-8, GB18030) and XLSX through the
measures' batch upsert, a per-row report (row, column, code, message, external id), the error workbook, dry run,
atomic, a replay that changes nothing; bad files and rows change nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fupin.config import Settings
from tests.cadre_support import households
from tests.conftest import Api, app_settings, assert_problem
from tests.test_departments import key
from tests.test_imports import run, to_csv, to_xlsx, upload
from tests.test_jobs import drain

HEADER = [
    "户编号",
    "外部系统",
    "外部编号",
    "措施类型",
    "措施内容",
    "年度",
    "责任部门",
    "金额",
    "计划日期",
    "完成日期",
    "状态",
]
M = "/api/v1/measures"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False)


def rows_for(numbers: list[str], *, source: str = "wjw-his", kind: str = "健康") -> list[list[Any]]:
    return [
        [n, source, f"HX-{i}", kind, f"家庭医生签约 {i}", 2018, "", "1500.50", "2018-06-30", "", "计划"]
        for i, n in enumerate(numbers)
    ]


def measures_of(api: Api, source: str = "wjw-his") -> dict[str, dict[str, Any]]:
    items = api.get("township", M, params={"limit": 200}).json()["items"]
    return {m["external_id"]: m for m in items if m["source_system"] == source}


def test_template_lists_the_department_field(api: Api) -> None:
    r = api.get("department", "/api/v1/imports/template.xlsx", params={"entity": "measures"})
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book["帮扶措施"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:12] == [
        "户编号",
        "系统编号",
        "外部系统",
        "外部编号",
        "措施类型",
        "措施内容",
        "年度",
        "责任部门",
        "金额",
        "计划日期",
        "完成日期",
        "状态",
    ]
    guide = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
    assert guide["可填措施类型"] == "健康"  # the health commission's own field
    office = openpyxl.load_workbook(
        io.BytesIO(api.get("township", "/api/v1/imports/template.xlsx?entity=measures").content)
    )
    listed = {row[0]: row[1] for row in office["说明"].iter_rows(values_only=True) if row and row[0]}
    assert "产业" in listed["可填措施类型"] and "健康" in listed["可填措施类型"]
    assert_problem(api.get("inspector", "/api/v1/imports/template.xlsx?entity=measures"), 403, "forbidden")
    assert_problem(api.get("department", "/api/v1/imports/template.xlsx"), 403, "forbidden")  # households: not its
    assert api.get("department", "/api/v1/imports/template.xlsx?entity=cars").status_code == 422


@pytest.mark.parametrize("fmt", ["utf-8", "gb18030", "xlsx"])
def test_a_department_file_creates_then_replays_unchanged(api: Api, database_url: str, fmt: str) -> None:
    numbers = [h["household_number"] for h in households(api, 3)]
    table = [HEADER, *rows_for(numbers)]
    content = (
        to_xlsx(table, sheet="帮扶措施")
        if fmt == "xlsx"
        else to_csv(table, encoding="utf-8-sig" if fmt == "utf-8" else "gb18030")
    )
    name = "措施.xlsx" if fmt == "xlsx" else "措施.csv"
    job = run(
        api, database_url, upload(api, content, user="department", filename=name, entity="measures"), user="department"
    )
    assert job["state"] == "succeeded", job
    report = job["report"]
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (3, 0, 0, 0), report
    made = measures_of(api)
    assert sorted(made) == ["HX-0", "HX-1", "HX-2"]
    assert {m["type"] for m in made.values()} == {"health"} and made["HX-0"]["amount"] == "1500.50"
    assert made["HX-0"]["department"] == "health" and made["HX-0"]["planned_on"] == "2018-06-30"
    # the same file again changes nothing: same versions, no new events
    events = len(
        api.get("auditor", "/api/v1/audit-events", params={"action": "measure.created", "limit": 200}).json()["items"]
    )
    again = run(
        api, database_url, upload(api, content, user="department", filename=name, entity="measures"), user="department"
    )
    assert (again["report"]["unchanged"], again["report"]["created"], again["report"]["updated"]) == (3, 0, 0)
    assert measures_of(api) == made
    after = len(
        api.get("auditor", "/api/v1/audit-events", params={"action": "measure.created", "limit": 200}).json()["items"]
    )
    assert after == events
    # an edited row updates that measure only
    edited = [HEADER, *rows_for(numbers)]
    edited[2][4] = "改为大病救助"
    third = run(api, database_url, upload(api, to_csv(edited), user="department", entity="measures"), user="department")
    assert (third["report"]["updated"], third["report"]["unchanged"]) == (1, 2)
    now = measures_of(api)
    assert now["HX-1"]["content"] == "改为大病救助" and now["HX-1"]["version"] == 2 and now["HX-0"]["version"] == 1


def test_bad_rows_are_reported_by_row_and_column_and_change_nothing(
    api: Api, database_url: str, measures_state: Any
) -> None:
    numbers = [h["household_number"] for h in households(api, 2)]
    other_area = api.get("township2", "/api/v1/households", params={"limit": 1}).json()["items"][0]["household_number"]
    table = [
        HEADER,
        [numbers[0], "wjw-his", "B-1", "健康", "签约", 2018, "", "-5", "2018-06-30", "", "计划"],  # bad amount
        [numbers[0], "wjw-his", "B-2", "产业", "发牛", 2018, "", "", "2018-06-30", "", "计划"],  # not its field
        [other_area, "wjw-his", "B-3", "健康", "签约", 2018, "", "", "2018-06-30", "", "计划"],  # outside the area
        [numbers[1], "wjw-his", "B-4", "健康", "签约", 2018, "", "", "2018/13/40", "", "计划"],  # bad date
        [numbers[1], "wjw-his", "B-5", "健康", "签约", 2018, "", "", "2018-06-30", "", "已完成"],  # done, no date
        ["", "wjw-his", "B-6", "健康", "签约", 2018, "", "", "2018-06-30", "", ""],  # no household
    ]
    before = measures_state()
    # the township's health office (an API key of the health department for the demo township)
    headers = key(api, "health", region="220382102000")
    r = api.client.post(
        "/api/v1/imports", files={"file": ("m.csv", to_csv(table))}, data={"entity": "measures"}, headers=headers
    )
    assert r.status_code == 202, r.text
    drain(database_url)
    job = api.client.get(f"/api/v1/jobs/{r.json()['id']}", headers=headers).json()
    report = job["report"]
    assert (report["created"], report["failed"]) == (0, 6), report
    by_id = {e["external_id"]: e for e in report["errors"]}
    assert (
        by_id["B-1"]["row"] == 2 and by_id["B-1"]["column"] == "金额" and by_id["B-1"]["code"] == "greater_than_equal"
    )
    assert by_id["B-2"]["row"] == 3 and by_id["B-2"]["column"] == "措施类型"
    assert by_id["B-2"]["code"] == "measures.department_field"
    assert by_id["B-3"]["row"] == 4 and by_id["B-3"]["column"] == "户编号" and by_id["B-3"]["code"] == "not_found"
    assert by_id["B-4"]["column"] == "计划日期"
    assert by_id["B-5"]["column"] == "完成日期" and by_id["B-5"]["code"] == "measure.done_on_required"
    assert by_id["B-6"]["column"] == "户编号" and by_id["B-6"]["code"] == "required"
    assert all(e["message"] for e in report["errors"])
    assert measures_state() == before
    workbook = api.client.get(f"/api/v1/jobs/{job['id']}/report.xlsx", headers=headers)
    assert workbook.status_code == 200, workbook.text
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "行号" and lines[0][-1] == "错误" and [line[0] for line in lines[1:]] == [2, 3, 4, 5, 6, 7]
    assert "[金额]" in lines[1][-1]


def test_dry_run_and_atomic_write_nothing_on_failure(api: Api, database_url: str, measures_state: Any) -> None:
    numbers = [h["household_number"] for h in households(api, 2)]
    good = [HEADER, *rows_for(numbers, source="dry")]
    before = measures_state()
    dry = run(
        api,
        database_url,
        upload(api, to_csv(good), user="department", entity="measures", dry_run=True),
        user="department",
    )
    assert dry["report"]["created"] == 2 and dry["report"]["dry_run"] is True
    assert measures_state() == before
    bad = [*good, [numbers[0], "dry", "Z-9", "产业", "发牛", 2018, "", "", "2018-06-30", "", "计划"]]
    atomic = run(
        api,
        database_url,
        upload(api, to_csv(bad), user="department", entity="measures", atomic=True),
        user="department",
    )
    assert (
        atomic["report"]["rolled_back"] is True and atomic["report"]["failed"] == 1 and atomic["report"]["created"] == 0
    )
    assert measures_state() == before


def test_bad_files_and_callers_are_refused_at_once(api: Api, unchanged: Any) -> None:
    households_header = to_csv([["姓名", "证件号码", "与户主关系"], ["张三", "220382199001011234", "户主"]])
    body = assert_problem(upload(api, households_header, entity="measures"), 422, "import.no_header")
    assert body["errors"] == [] or body["errors"][0]["pointer"] == "/file"
    missing = to_csv([["户编号", "外部系统", "外部编号", "措施类型"], ["1", "a", "b", "健康"]])
    body = assert_problem(upload(api, missing, entity="measures"), 422, "import.missing_headers", "/file")
    assert {"措施内容", "年度", "计划日期"} <= {e["message"] for e in body["errors"]}
    assert_problem(
        upload(api, b'[{"a": 1}]', filename="a.json", entity="measures"), 415, "import.format_for_entity", "/format"
    )
    assert_problem(upload(api, to_csv([HEADER]), user="inspector", entity="measures"), 403, "forbidden")
    assert_problem(upload(api, to_csv([HEADER]), entity="cars"), 422, "validation_failed", "/entity")
