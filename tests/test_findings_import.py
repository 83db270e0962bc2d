"""Supervision findings in import jobs (`entity=findings`): an inspection ledger (XLSX, CSV in UTF-8 or GB18030) in
the layout of its template, one row per rectification task, each finding through findings.service and its tasks
through the tasks service with the job owner's Principal; a per-row report (row, column, code, message), the error
workbook, dry run, atomic, an idempotent replay by 外部编号; bad files and callers are refused at once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.seed.bulk import sync_engine
from tests.conftest import Api, app_settings, assert_problem
from tests.finding_support import OTHER_COUNTY_VILLAGE, TOWNSHIP, VILLAGE, F, fingerprint
from tests.test_imports import run, to_csv, to_xlsx, upload

TODAY = date(2024, 7, 15)
USER = "county_office"  # findings:write, findings:rectify and jobs:read in 双辽市
SHEET = "督查问题"
HEADER = [
    "问题序号",
    "外部系统",
    "外部编号",
    "问题来源",
    "督查批次",
    "问题类别",
    "问题描述",
    "严重程度",
    "责任区域(代码)",
    "牵头单位",
    "责任单位",
    "责任人",
    "发现日期",
    "整改时限",
    "整改类别",
    "措施内容",
    "措施责任人",
    "完成时限",
    "完成日期",
]
COL = {name: i for i, name in enumerate(HEADER)}
BATCH = "2024年省委第一轮巡视"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    def query(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    yield query
    engine.dispose()


@pytest.fixture
def state(db: Any, api: Api) -> Any:
    for user in (USER, "township", "inspector", "auditor", "admin"):
        api.token(user)  # a login is itself audited: taken before any fingerprint
    return lambda: fingerprint(db)


def finding_row(seq: Any, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {
        "问题序号": seq,
        "外部系统": "",
        "外部编号": "",
        "问题来源": "省委巡视组",
        "督查批次": BATCH,
        "问题类别": "基础工作(精准度)",
        "问题描述": f"问题 {seq}: 部分贫困户收入核算有误",
        "严重程度": "一般",
        "责任区域(代码)": TOWNSHIP,
        "牵头单位": "双辽市扶贫办",
        "责任单位": "卧虎镇人民政府",
        "责任人": "李镇长",
        "发现日期": "2024-03-01",
        "整改时限": "2024-06-30",
        "整改类别": "短期攻坚",
        "措施内容": "",
        "措施责任人": "",
        "完成时限": "",
        "完成日期": "",
        **cells,
    }
    return [values[h] for h in HEADER]


def task_row(seq: Any, what: str, who: str = "王站长", due: str = "2024-05-31", done: str = "") -> list[Any]:
    """A following row of a finding: only its 问题序号 and the task (the finding's cells left blank)."""
    row: list[Any] = [""] * len(HEADER)
    row[COL["问题序号"]] = seq
    row[COL["措施内容"]], row[COL["措施责任人"]], row[COL["完成时限"]], row[COL["完成日期"]] = what, who, due, done
    return row


def with_task(row: list[Any], what: str, who: str = "王站长", due: str = "2024-05-31", done: str = "") -> list[Any]:
    row = list(row)
    row[COL["措施内容"]], row[COL["措施责任人"]], row[COL["完成时限"]], row[COL["完成日期"]] = what, who, due, done
    return row


def findings_of(api: Api, batch: str = BATCH) -> dict[str, dict[str, Any]]:
    """The findings of the batch by description."""
    items = api.get(USER, F, params={"batch": batch, "limit": 200}).json()["items"]
    return {f["description"]: f for f in items}


def tasks_of(api: Api, finding_id: str) -> list[dict[str, Any]]:
    r = api.get(USER, f"{F}/{finding_id}/tasks")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def events(api: Api, action: str) -> list[dict[str, Any]]:
    r = api.get("auditor", "/api/v1/audit-events", params={"action": action, "limit": 200})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def counters(report: dict[str, Any]) -> tuple[int, int, int, int]:
    return report["created"], report["updated"], report["unchanged"], report["failed"]


def test_an_inspection_ledger_creates_its_findings_with_tasks_and_reports_each_bad_row(
    api: Api, database_url: str, db: Any
) -> None:
    table = [
        HEADER,
        with_task(finding_row(1), "逐户重新核算收入", due="2024-04-30", done="2024-04-20"),  # row 2
        task_row(1, "公示核算结果", who="东方红村委会"),  # row 3: the same finding, its cells blank
        task_row(1, "建立月度复核制度", due="2024-06-30"),  # row 4
        finding_row(2, 问题描述="问题 2: 帮扶措施台账不全", 问题类别="policy"),  # row 5: a code as the code
        finding_row(3, 问题类别="风纪"),  # row 6: no such category
        finding_row(4, 整改时限="2024-02-01"),  # row 7: the deadline before the raising
        with_task(finding_row(5, **{"责任区域(代码)": OTHER_COUNTY_VILLAGE}), "无权整改"),  # row 8: outside the area
        with_task(finding_row(6, 问题描述="问题 6: 危房改造验收不实"), "重新验收"),  # row 9
        task_row(6, "追责问责", done="2024-08-01"),  # row 10: done in the future: the whole finding fails
        with_task(finding_row(7, 问题描述="问题 7: 档案不规范", 严重程度="严重", 整改类别="长期坚持"), "整理档案"),
        finding_row(7, 问题描述="问题 7: 另一个描述", 严重程度="严重", 整改类别="长期坚持"),  # row 12: says otherwise
    ]
    job = run(api, database_url, upload(api, to_xlsx(table, sheet=SHEET), user=USER, entity="findings"), user=USER)
    assert job["state"] == "succeeded", job
    report = job["report"]
    assert counters(report) == (2, 0, 0, 5), report
    assert report["rows"] == 11
    errors = {(e["row"], e["column"], e["code"]) for e in report["errors"]}
    assert (6, "问题类别", "import.unknown_code") in errors
    assert (7, "整改时限", "finding.deadline_before_raised") in errors
    assert (8, "责任区域(代码)", "region.unknown") in errors
    assert (10, "完成日期", "date.out_of_range") in errors
    assert (12, "问题描述", "import.finding_conflict") in errors
    assert len(report["errors"]) == 5 and all(e["message"] and e["pointer"] for e in report["errors"])
    pointers = {e["row"]: e["pointer"] for e in report["errors"]}
    assert pointers[10] == "/tasks/1/done_on" and pointers[8] == "/region_code"

    made = findings_of(api)
    assert sorted(made) == ["问题 1: 部分贫困户收入核算有误", "问题 2: 帮扶措施台账不全"]
    first, second = made["问题 1: 部分贫困户收入核算有误"], made["问题 2: 帮扶措施台账不全"]
    assert (first["source"], first["category"], first["severity"], first["timeframe"]) == (
        "provincial_inspection",
        "precision",
        "general",
        "short",
    )
    assert first["region_code"] == TOWNSHIP and first["state"] == "pending" and first["raised_on"] == "2024-03-01"
    assert second["category"] == "policy"
    assert sorted([first["number"], second["number"]]) == [1, 2]  # the refused findings took no number
    tasks = tasks_of(api, first["id"])
    assert [(t["what"], t["who"], t["due_on"], t["done_on"]) for t in tasks] == [
        ("逐户重新核算收入", "王站长", "2024-04-30", "2024-04-20"),
        ("公示核算结果", "东方红村委会", "2024-05-31", None),
        ("建立月度复核制度", "王站长", "2024-06-30", None),
    ]
    assert tasks_of(api, second["id"]) == []
    # nothing of the refused findings: no task of theirs, no finding in the other county
    assert db("SELECT COUNT(*) FROM finding_tasks")[0][0] == 3
    assert db("SELECT COUNT(*) FROM findings")[0][0] == 2
    # audited as the job's owner, on each finding's trail, and in the change feed
    created = events(api, "finding.created")
    assert len(created) == 2 and {e["actor_name"] for e in created} == {"双辽市扶贫办"}
    assert {e["entity_id"] for e in created} == {first["id"], second["id"]}
    task_events = events(api, "finding_task.created")
    assert len(task_events) == 3 and {e["actor_name"] for e in task_events} == {"双辽市扶贫办"}
    trail = api.get(USER, f"{F}/{first['id']}/audit-events").json()["items"]
    assert sorted(e["action"] for e in trail) == ["finding.created", *["finding_task.created"] * 3]
    feed = api.get("auditor", "/api/v1/changes", params={"limit": 200}).json()["items"]
    assert {(c["entity_type"], c["action"]) for c in feed} >= {("finding", "created"), ("finding_task", "created")}
    # the error workbook: the failed rows as read, with 行号 and 错误
    workbook = api.get(USER, f"/api/v1/jobs/{job['id']}/report.xlsx")
    assert workbook.status_code == 200, workbook.text
    lines = list(openpyxl.load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    assert lines[0][0] == "行号" and lines[0][-1] == "错误"
    assert [line[0] for line in lines[1:]] == [6, 7, 8, 10, 12]
    assert "[问题类别]" in lines[1][-1] and lines[1][COL["问题类别"] + 1] == "风纪"


def test_a_replay_by_external_key_changes_nothing_and_a_changed_row_is_refused(api: Api, database_url: str) -> None:
    keyed = [
        HEADER,
        with_task(finding_row(1, 外部系统="sjdc", 外部编号="2024-1-001"), "逐户核算"),
        task_row(1, "张榜公示"),
        finding_row(2, 外部系统="sjdc", 外部编号="2024-1-002", 问题描述="问题 2: 档案缺失"),
    ]
    content = to_csv(keyed)
    job = run(api, database_url, upload(api, content, user=USER, entity="findings"), user=USER)
    assert counters(job["report"]) == (2, 0, 0, 0), job["report"]
    made = findings_of(api)
    assert {f["external_id"] for f in made.values()} == {"2024-1-001", "2024-1-002"}
    assert {f["source_system"] for f in made.values()} == {"sjdc"}
    before = len(events(api, "finding.created")), len(events(api, "finding_task.created"))
    again = run(api, database_url, upload(api, content, user=USER, entity="findings"), user=USER)
    assert counters(again["report"]) == (0, 0, 2, 0), again["report"]
    assert findings_of(api) == made
    assert (len(events(api, "finding.created")), len(events(api, "finding_task.created"))) == before
    # a row that says otherwise than the stored finding: refused at its column, the other one unchanged
    edited = [list(r) for r in keyed]
    edited[3][COL["整改时限"]] = "2024-09-30"
    third = run(api, database_url, upload(api, to_csv(edited), user=USER, entity="findings"), user=USER)
    assert counters(third["report"]) == (0, 0, 1, 1), third["report"]
    [error] = third["report"]["errors"]
    assert (error["row"], error["column"], error["code"], error["external_id"]) == (
        4,
        "整改时限",
        "import.finding_exists",
        "2024-1-002",
    )
    assert findings_of(api) == made
    # the same key twice in one file: the second is refused
    twice = [HEADER, finding_row(1, 外部系统="sjdc", 外部编号="X-1"), finding_row(2, 外部系统="sjdc", 外部编号="X-1")]
    fourth = run(api, database_url, upload(api, to_csv(twice), user=USER, entity="findings"), user=USER)
    assert counters(fourth["report"]) == (1, 0, 0, 1)
    assert [(e["row"], e["column"], e["code"]) for e in fourth["report"]["errors"]] == [
        (3, "外部编号", "import.duplicate_key")
    ]


def test_a_gb18030_csv_with_codes_and_labels(api: Api, database_url: str) -> None:
    table = [
        HEADER,
        with_task(
            finding_row(
                "一",
                问题来源="special_supervision",
                问题类别="作风",
                严重程度="较重",
                整改类别="中期推进",
                **{"责任区域(代码)": VILLAGE[:9]},  # the 9-digit form of the township
            ),
            "整改作风问题",
        ),
    ]
    content = to_csv(table, encoding="gb18030")
    job = run(api, database_url, upload(api, content, user=USER, entity="findings", filename="问题.csv"), user=USER)
    assert job["report"]["encoding"] == "gb18030" and counters(job["report"]) == (1, 0, 0, 0), job["report"]
    [finding] = findings_of(api).values()
    assert (finding["source"], finding["category"], finding["severity"], finding["timeframe"]) == (
        "special_supervision",
        "conduct",
        "serious",
        "medium",
    )
    assert finding["region_code"] == TOWNSHIP and finding["description"] == "问题 一: 部分贫困户收入核算有误"
    assert [t["what"] for t in tasks_of(api, finding["id"])] == ["整改作风问题"]


def test_dry_run_and_atomic_write_nothing(api: Api, database_url: str, state: Any) -> None:
    good = [HEADER, with_task(finding_row(1), "逐户核算"), task_row(1, "公示"), finding_row(2)]
    before = state()
    dry = run(api, database_url, upload(api, to_csv(good), user=USER, entity="findings", dry_run=True), user=USER)
    assert dry["report"]["dry_run"] is True and counters(dry["report"]) == (2, 0, 0, 0), dry["report"]
    assert state()[:6] == before[:6]  # no finding, number, task, step (only the job's own events)
    bad = [*good, finding_row(3, 整改时限="2024-01-01")]
    atomic = run(api, database_url, upload(api, to_csv(bad), user=USER, entity="findings", atomic=True), user=USER)
    report = atomic["report"]
    assert report["rolled_back"] is True and counters(report) == (0, 0, 0, 1), report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(5, "整改时限")]
    assert state()[:6] == before[:6]
    assert events(api, "finding.created") == []


def test_the_template_downloads_and_imports_back_once_filled(api: Api, database_url: str) -> None:
    r = api.get(USER, "/api/v1/imports/template.xlsx", params={"entity": "findings"})
    assert r.status_code == 200, r.text
    assert "fupin-findings-template.xlsx" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book[SHEET]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == HEADER
    guide = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
    assert "省委巡视组" in guide["问题来源"] and "基础工作(精准度)" in guide["问题类别"]
    assert "短期攻坚" in guide["整改类别"] and "必填" in guide["问题序号"]
    sheet.append(with_task(finding_row(1, 问题描述="模板问题 1"), "整改一"))
    sheet.append(task_row(1, "整改二"))
    sheet.append(finding_row(2, 问题描述="模板问题 2", 发现日期=date(2024, 3, 5), 整改时限=date(2024, 12, 31)))
    filled = io.BytesIO()
    book.save(filled)
    job = run(
        api,
        database_url,
        upload(api, filled.getvalue(), user=USER, entity="findings", filename="台账.xlsx"),
        user=USER,
    )
    assert counters(job["report"]) == (2, 0, 0, 0), job["report"]
    made = findings_of(api)
    assert [t["what"] for t in tasks_of(api, made["模板问题 1"]["id"])] == ["整改一", "整改二"]
    assert (made["模板问题 2"]["raised_on"], made["模板问题 2"]["deadline"]) == ("2024-03-05", "2024-12-31")


def test_callers_and_files_that_may_not_import_are_refused_at_once(api: Api, state: Any) -> None:
    before = state()
    content = to_csv([HEADER, finding_row(1)])
    # township offices rectify findings but do not raise them
    assert_problem(upload(api, content, user="township", entity="findings"), 403, "forbidden")
    assert_problem(api.get("township", "/api/v1/imports/template.xlsx?entity=findings"), 403, "forbidden")
    # an inspector raises findings but cannot follow a job (no jobs:read)
    body = assert_problem(upload(api, content, user="inspector", entity="findings"), 403, "forbidden")
    assert "jobs:read" in body["detail"]
    assert_problem(api.get("inspector", "/api/v1/imports/template.xlsx?entity=findings"), 403, "forbidden")
    assert_problem(api.get("inspector", "/api/v1/imports/template.xlsx"), 403, "forbidden")
    # the household import stays the households writers'
    assert_problem(upload(api, to_csv([["姓名", "证件号码", "与户主关系"]]), user="inspector"), 403, "forbidden")
    assert_problem(
        upload(api, b'[{"a": 1}]', user=USER, filename="a.json", entity="findings"),
        415,
        "import.format_for_entity",
        "/format",
    )
    missing = to_csv([["问题序号", "问题来源", "问题描述"], ["1", "审计", "问题"]])
    body = assert_problem(upload(api, missing, user=USER, entity="findings"), 422, "import.missing_headers", "/file")
    assert {"督查批次", "问题类别", "整改时限", "责任区域(代码)"} <= {e["message"] for e in body["errors"]}
    assert state() == before


def test_tasks_need_the_rectify_permission(api: Api, database_url: str) -> None:
    r = api.post(
        "admin",
        "/api/v1/api-keys",
        json={
            "name": "督查台账脚本",
            "roles": ["county_office"],
            "region_code": "220382000000",
            "pii": False,
            "scopes": ["findings:read", "findings:write", "jobs:read"],
        },
    )
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['key']}"}
    table = [HEADER, with_task(finding_row(1), "逐户核算"), finding_row(2, 问题描述="无措施的问题")]
    r = api.client.post(
        "/api/v1/imports", files={"file": ("f.csv", to_csv(table))}, data={"entity": "findings"}, headers=headers
    )
    job = run(api, database_url, r, user="admin")
    assert counters(job["report"]) == (1, 0, 0, 1), job["report"]
    assert [(e["row"], e["column"], e["code"]) for e in job["report"]["errors"]] == [
        (2, "措施内容", "findings.tasks_not_allowed")
    ]
    assert list(findings_of(api)) == ["无措施的问题"]


def test_rows_without_a_number_or_with_a_repeated_one_are_refused(api: Api, database_url: str) -> None:
    table = [
        HEADER,
        finding_row("", 问题描述="没有序号"),  # row 2
        finding_row(1, 问题描述="问题一"),  # row 3
        finding_row(2, 问题描述="问题二"),  # row 4
        finding_row(1, 问题描述="问题一又出现"),  # row 5: 1 again, apart from its first rows
        finding_row(3, 问题描述="问题三", 完成时限="2024-05-01"),  # row 6: a task without its content and person
    ]
    job = run(api, database_url, upload(api, to_csv(table), user=USER, entity="findings"), user=USER)
    assert counters(job["report"]) == (2, 0, 0, 3), job["report"]
    errors = sorted((e["row"], e["column"], e["code"]) for e in job["report"]["errors"])
    assert errors == [
        (2, "问题序号", "required"),
        (5, "问题序号", "import.duplicate_seq"),
        (6, "措施内容", "required"),
        (6, "措施责任人", "required"),
    ]
    assert sorted(findings_of(api)) == ["问题一", "问题二"]
