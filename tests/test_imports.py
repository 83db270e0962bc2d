"""Imports end to end over HTTP, jobs run by a worker the test drives: every format, the strategies and id schemes,
atomic and dry runs, the round trip of an exported table, Excel quirks, hostile files and every bad input."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fupin.config import Settings
from fupin.core.models import utcnow
from fupin.households import columns
from fupin.households import repository as household_repo
from fupin.main import create_app
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, app_settings, assert_problem
from tests.test_jobs import drain, with_workers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app without its in-process worker: the tests drive the worker themselves."""
    return app_settings(database_url, tmp_path, job_worker=False)


# ---------------------------------------------------------------- helpers


def upload(api: Api, content: bytes, *, user: str = "township", filename: str = "import.csv", **options: Any) -> Any:
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}
    return api.post(user, "/api/v1/imports", files={"file": (filename, content)}, data=data)


def run(api: Api, database_url: str, r: Any, user: str = "township") -> dict[str, Any]:
    """Run the queued import to its end; the finished job."""
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/v1/jobs/{r.json()['id']}"
    drain(database_url)
    job = api.get(user, f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["state"] in ("succeeded", "failed", "cancelled"), job
    return job


def household(api: Api, hid: str, user: str = "township") -> dict[str, Any]:
    r = api.get(user, f"/api/v1/households/{hid}")
    assert r.status_code == 200, r.text
    return r.json()


def create(api: Api, **overrides: Any) -> dict[str, Any]:
    r = api.post("township", "/api/v1/households", json=factories.household(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def exported_rows(households: list[dict[str, Any]]) -> list[list[Any]]:
    """What an export writes: the header, then one row per member (columns.row_cells)."""
    rows: list[list[Any]] = [list(columns.HEADERS)]
    for h in households:
        for m in h["members"]:
            rows.append(columns.row_cells(h, {**m, "member_id": m["id"]}))
    return rows


def to_csv(rows: list[list[Any]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[list[Any]], *, sheet: str = columns.SHEET_NAME) -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def feed_head(database_url: str) -> tuple[int, int]:
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        changes = conn.execute(text("SELECT COUNT(*) FROM change_feed WHERE entity_type <> 'job'")).scalar_one()
        versions = conn.execute(text("SELECT COALESCE(SUM(version), 0) FROM households")).scalar_one()
    engine.dispose()
    return int(changes), int(versions)


def new_rows(*households: dict[str, Any]) -> list[list[Any]]:
    """Rows of households to create (factories bodies), in the layout."""
    rows: list[list[Any]] = [list(columns.HEADERS)]
    for h in households:
        for m in h["members"]:
            rows.append(columns.row_cells(h, m))
    return rows


# ---------------------------------------------------------------- formats


def test_json_array_creates_households_with_members_incomes_and_assessments(api: Api, database_url: str) -> None:
    body = factories.household(source_system="prov", external_id="J-1")
    body["incomes"] = [{"year": 2020, "wage_income": "8000", "production_costs": "500"}]
    body["assessments"] = [
        {
            "year": 2020,
            "food_clothing": True,
            "compulsory_education": True,
            "basic_medical": True,
            "safe_housing": True,
            "safe_drinking_water": True,
        }
    ]
    r = api.post(
        "township", "/api/v1/imports", content=json.dumps([body]), headers={"Content-Type": "application/json"}
    )
    job = run(api, database_url, r)
    assert job["state"] == "succeeded", job
    report = job["report"]
    assert (report["created"], report["updated"], report["failed"], report["queued"]) == (1, 0, 0, 0), report
    found = api.get("township", "/api/v1/households", params={"q": body["members"][0]["id_number"]}).json()["items"]
    assert len(found) == 1
    hid = found[0]["id"]
    assert household(api, hid)["external_id"] == "J-1"
    income = api.get("township", f"/api/v1/households/{hid}/incomes/2020").json()
    assert income["net_income"] == "7500.00"
    assert api.get("township", f"/api/v1/households/{hid}/assessments/2020").status_code == 200


def test_ndjson_body_with_options_as_query_parameters(api: Api, database_url: str) -> None:
    one, two = factories.household(), factories.household()
    body = "\n".join(json.dumps(h) for h in (one, two)) + "\n"
    r = api.post(
        "township",
        "/api/v1/imports",
        content=body.encode(),
        params={"strategy": "create", "dry_run": "false"},
        headers={"Content-Type": "application/x-ndjson"},
    )
    job = run(api, database_url, r)
    assert job["report"]["created"] == 2 and job["report"]["format"] == "ndjson", job["report"]
    assert job["report"]["strategy"] == "create"
    assert job["progress"]["done"] == job["progress"]["total"] == 2


@pytest.mark.parametrize(
    ("encoding", "delimiter", "stated"),
    [("utf-8-sig", ",", "auto"), ("utf-8", "\t", "auto"), ("gb18030", ",", "auto"), ("gb18030", ";", "gb18030")],
)
def test_csv_in_utf8_with_and_without_bom_and_gb18030(
    api: Api, database_url: str, encoding: str, delimiter: str, stated: str
) -> None:
    first, second = factories.household(), factories.household(address="五组7号")
    content = to_csv(new_rows(first, second), encoding=encoding, delimiter=delimiter)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    job = run(api, database_url, upload(api, content, encoding=stated))
    report = job["report"]
    assert report["created"] == 2 and report["failed"] == 0, report
    assert report["encoding"] == ("gb18030" if encoding == "gb18030" else "utf-8-sig")
    head = first["members"][0]
    found = api.get("township", "/api/v1/households", params={"q": head["id_number"]}).json()["items"]
    got = household(api, found[0]["id"])
    assert got["address"] == first["address"] and got["member_count"] == 2
    assert {m["name"] for m in got["members"]} == {m["name"] for m in first["members"]}
    assert got["secondary_causes"] == ["08"] and got["attribute"] == "general"


def test_xlsx_in_the_layout(api: Api, database_url: str) -> None:
    first = factories.household()
    job = run(api, database_url, upload(api, to_xlsx(new_rows(first)), filename="户.xlsx"))
    assert job["report"]["created"] == 1 and job["report"]["format"] == "xlsx", job["report"]
    assert any(columns.SHEET_NAME in w for w in job["report"]["warnings"])


# ---------------------------------------------------------------- round trip


def _area_households(api: Api, user: str, n: int = 3) -> list[dict[str, Any]]:
    items = api.get(user, "/api/v1/households", params={"limit": n, "region": factories.DEMO_VILLAGE}).json()["items"]
    return [household(api, i["id"], user) for i in items]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged_and_an_edit_updates_exactly_the_edited_cells(
    api: Api, database_url: str, fmt: str
) -> None:
    households = _area_households(api, "township")
    rows = exported_rows(households)
    build = (lambda r: to_csv(r)) if fmt == "csv" else to_xlsx
    before = feed_head(database_url)
    job = run(api, database_url, upload(api, build(rows), filename=f"export.{fmt}"))
    report = job["report"]
    assert report["unchanged"] == len(households) and report["updated"] == report["failed"] == 0, report["errors"]
    assert report["errors"] == [] and report["rows"] == len(rows) - 1
    assert feed_head(database_url) == before  # no version bump, no feed entry
    # replaying the same file again changes nothing either
    run(api, database_url, upload(api, build(rows), filename=f"export.{fmt}"))
    assert feed_head(database_url) == before

    target = households[0]
    header = rows[0]
    row = rows[1]  # the first member of the first household
    row[header.index("住址")] = "新住址 8 号"
    row[header.index("文化程度")] = "高中"
    row[header.index("联系电话")] = ""  # blank: no change
    job = run(api, database_url, upload(api, build(rows), filename=f"export.{fmt}"))
    report = job["report"]
    assert (report["updated"], report["unchanged"], report["failed"]) == (1, len(households) - 1, 0), report
    after = household(api, target["id"])
    assert after["address"] == "新住址 8 号" and after["phone"] == target["phone"]
    changed_member = next(m for m in after["members"] if m["id"] == target["members"][0]["id"])
    assert changed_member["education"] == "senior"
    changed = {k for k in after if after[k] != target[k]} - {"updated_at", "version", "members"}
    assert changed == {"address"}
    for old, new in zip(target["members"], after["members"], strict=True):
        diff = {k for k in new if new[k] != old[k]} - {"version"}
        assert diff == ({"education"} if old["id"] == changed_member["id"] else set()), diff
    for other in households[1:]:
        assert household(api, other["id"])["version"] == other["version"]
    trail = api.get("township", f"/api/v1/households/{target['id']}/audit-events").json()["items"]
    assert {"household.updated", "member.updated"} <= {e["action"] for e in trail}


def test_masked_values_of_an_export_without_personal_data_are_never_written_back(api: Api, database_url: str) -> None:
    key = api.post(
        "admin",
        "/api/v1/api-keys",
        json={"name": "office", "roles": ["township"], "region_code": "220382102000", "pii": False},
    )
    assert key.status_code == 201, key.text
    auth = {"Authorization": f"Bearer {key.json()['key']}"}
    items = api.client.get("/api/v1/households", headers=auth, params={"limit": 2, "region": factories.DEMO_VILLAGE})
    households = [api.client.get(f"/api/v1/households/{i['id']}", headers=auth).json() for i in items.json()["items"]]
    assert all("*" in m["id_number"] for h in households for m in h["members"])
    rows = exported_rows(households)
    before = feed_head(database_url)
    r = api.client.post("/api/v1/imports", headers=auth, files={"file": ("masked.csv", to_csv(rows))})
    assert r.status_code == 202, r.text
    drain(database_url)
    job = api.client.get(f"/api/v1/jobs/{r.json()['id']}", headers=auth).json()
    assert job["report"]["unchanged"] == len(households) and job["report"]["failed"] == 0, job["report"]
    assert feed_head(database_url) == before
    full = household(api, households[0]["id"], "township")
    assert all("*" not in m["id_number"] for m in full["members"])


def test_erase_marker_sets_null_and_is_refused_for_required_fields(api: Api, database_url: str) -> None:
    created = create(api)
    rows = exported_rows([household(api, created["id"])])
    header = rows[0]
    rows[1][header.index("住址")] = "#清空"
    job = run(api, database_url, upload(api, to_csv(rows)))
    assert job["report"]["updated"] == 1, job["report"]
    assert household(api, created["id"])["address"] is None
    rows[1][header.index("贫困户属性")] = "#清空"
    job = run(api, database_url, upload(api, to_csv(rows)))
    report = job["report"]
    assert report["failed"] == 1 and report["updated"] == 0
    [error] = report["errors"]
    assert error["code"] == "import.required_erase" and error["pointer"] == "/attribute"
    assert error["column"] == "贫困户属性" and error["row"] == 2


def test_a_new_member_in_the_file_is_added_and_members_missing_from_it_stay(api: Api, database_url: str) -> None:
    created = create(api)
    current = household(api, created["id"])
    rows = exported_rows([current])
    del rows[2]  # the spouse is not in the file: kept
    newborn = factories.member("03", name="王小宝")
    rows.append(columns.row_cells(current, {**newborn, "member_id": None}))
    job = run(api, database_url, upload(api, to_csv(rows)))
    assert job["report"]["updated"] == 1, job["report"]
    after = household(api, created["id"])
    assert after["member_count"] == 3
    added = next(m for m in after["members"] if m["name"] == "王小宝")
    assert added["added_reason"] == "transfer_in"


# ---------------------------------------------------------------- Excel quirks


def _xlsx_with(build: Any) -> bytes:
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(content: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def _cells(h: dict[str, Any], m: dict[str, Any]) -> list[Any]:
    return columns.row_cells(h, m)


def test_excel_quirks_full_width_digits_lost_zeros_serial_dates_formulas_merged_headers_hidden_sheets(
    api: Api, database_url: str
) -> None:
    body = factories.household(address="一组1号")
    header = list(columns.HEADERS)
    rows = [_cells(body, m) for m in body["members"]]
    at = header.index
    head = rows[0]
    head[at("行政村代码")] = "２２０３８２１０２２０１"  # full-width digits
    head[at("主要致贫原因")] = 1  # "01" that lost its leading zero in a number cell
    head[at("与户主关系")] = 1
    head[at("识别时间")] = (date(2016, 5, 10) - date(1899, 12, 30)).days  # an Excel serial date
    head[at("务工时间(月)")] = "=3+3"  # a formula: its cached value is read
    rows[1][at("行政村代码")] = int(body["village_code"])  # a code typed into a number cell
    rows[1][at("识别时间")] = datetime(2016, 5, 10)  # a date cell

    def build(workbook: Any) -> None:
        hidden = workbook.active
        hidden.title = "旧数据"
        hidden.append(header)
        hidden.sheet_state = "hidden"
        ws = workbook.create_sheet(columns.SHEET_NAME)
        # a two-row header: group cells merged across the columns above the real headers, and one header merged
        # down over both rows (only its anchor has a value)
        ws.append(["户信息", *[None] * (len(columns.HOUSEHOLD_COLUMNS) - 1), "成员信息"])
        ws.append([None, *header[1:]])
        ws["A1"] = header[0]
        ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=len(columns.HOUSEHOLD_COLUMNS))
        ws.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
        for row in rows:
            ws.append(row)

    content = _xlsx_with(build)
    sheet = "xl/worksheets/sheet2.xml"
    xml = zipfile.ZipFile(io.BytesIO(content)).read(sheet)
    assert b"<f>3+3</f><v />" in xml
    content = _rezip(content, {sheet: xml.replace(b"<f>3+3</f><v />", b"<f>3+3</f><v>6</v>")})
    job = run(api, database_url, upload(api, content, filename="quirks.xlsx"))
    report = job["report"]
    assert report["created"] == 1 and report["failed"] == 0, report["errors"]
    assert any("隐藏" in w and "旧数据" in w for w in report["warnings"]), report["warnings"]
    found = api.get("township", "/api/v1/households", params={"q": body["members"][0]["id_number"]}).json()["items"]
    got = household(api, found[0]["id"])
    assert got["village_code"] == body["village_code"] and got["main_cause"] == "01"
    assert got["first_identified_on"] == "2016-05-10"
    heads = [m for m in got["members"] if m["is_head"]]
    assert len(heads) == 1 and heads[0]["months_worked"] == 6


def test_an_id_number_formatted_as_a_number_is_a_row_error_saying_so(api: Api, database_url: str) -> None:
    good, bad = factories.household(), factories.household()
    header = list(columns.HEADERS)
    rows = [_cells(h, m) for h in (good, bad) for m in h["members"]]
    number = rows[2][header.index("证件号码")]
    rows[2][header.index("证件号码")] = float(number[:17])  # what Excel keeps of it

    def build(workbook: Any) -> None:
        ws = workbook.active
        ws.title = columns.SHEET_NAME
        ws.append(header)
        for row in rows:
            ws.append(row)

    job = run(api, database_url, upload(api, _xlsx_with(build), filename="ids.xlsx"))
    report = job["report"]
    assert (report["created"], report["failed"]) == (1, 1), report
    [error] = report["errors"]
    assert error["code"] == "import.number_formatted" and error["column"] == "证件号码" and error["row"] == 4
    assert error["pointer"] == "/members/0/id_number" and "数字格式" in error["message"]
    # the same in a CSV Excel wrote: 2.20382E+17
    csv_rows = new_rows(factories.household())
    csv_rows[1][header.index("证件号码")] = "6.50102E+17"
    job = run(api, database_url, upload(api, to_csv(csv_rows)))
    assert [e["code"] for e in job["report"]["errors"]] == ["import.number_formatted"]


def test_unknown_columns_are_reported_not_dropped_silently(api: Api, database_url: str) -> None:
    rows = new_rows(factories.household())
    rows[0].append("备注")
    for row in rows[1:]:
        row.append("随便写写")
    job = run(api, database_url, upload(api, to_csv(rows)))
    assert job["report"]["created"] == 1
    assert any("备注" in w for w in job["report"]["warnings"]), job["report"]["warnings"]


# ---------------------------------------------------------------- hostile files and bad input

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


def _raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from deflated payloads: (name, raw deflate bytes, crc32, declared uncompressed size),
    so a test can build a bomb of any declared size without compressing it."""
    out = io.BytesIO()
    central = b""
    for name, payload, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(payload), size, len(encoded), 0))
        out.write(encoded + payload)
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(payload),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    start = out.tell()
    out.write(central)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> tuple[bytes, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data)


def _zeros_bomb(megabytes: int) -> tuple[bytes, int, int]:
    """`megabytes` MB of zeros as one deflate stream, built from one compressed megabyte repeated (a full flush
    makes each block stand alone), with its real CRC."""
    mega = b"\0" * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(mega) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(mega, crc)
    return block * megabytes + tail, crc, megabytes << 20


def test_a_zip_bomb_is_refused_quickly_by_its_declared_size(api: Api, unchanged: Any) -> None:
    types, types_crc = _deflated(CONTENT_TYPES)
    payload, crc, size = _zeros_bomb(1024)  # 1 GB of zeros, about 1 MB compressed
    bomb = _raw_zip(
        [
            ("[Content_Types].xml", types, types_crc, len(CONTENT_TYPES)),
            ("xl/worksheets/sheet1.xml", payload, crc, size),
        ]
    )
    assert len(bomb) < 2 * 1024 * 1024
    body = assert_problem(upload(api, bomb, filename="bomb.xlsx"), 413, "import.zip_bomb", "/file")
    assert "zip bomb" in body["detail"]


def test_a_zip_whose_real_contents_exceed_the_declared_size_is_refused(api: Api, unchanged: Any) -> None:
    types, types_crc = _deflated(CONTENT_TYPES)
    payload, crc, _ = _zeros_bomb(64)  # 64 MB of zeros declared as 2 KB
    lying = _raw_zip(
        [
            ("[Content_Types].xml", types, types_crc, len(CONTENT_TYPES)),
            ("xl/worksheets/sheet1.xml", payload, crc, 2048),
        ]
    )
    r = upload(api, lying, filename="lying.xlsx")
    assert r.status_code in (413, 415, 422), r.text
    assert r.json()["code"] in ("import.zip_bomb", "import.unsupported_type"), r.text


def test_xml_entity_expansion_is_refused(api: Api, unchanged: Any) -> None:
    assert openpyxl.xml.DEFUSEDXML  # openpyxl parses with defusedxml (installed as a dependency)
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + laughs + ']><worksheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;'
        "</t></is></c></row></sheetData></worksheet>"
    ).encode()
    content = _rezip(to_xlsx(new_rows(factories.household())), {"xl/worksheets/sheet1.xml": sheet})
    assert_problem(upload(api, content, filename="laughs.xlsx"), 422, "import.xml_entities", "/file")
    # and were the check skipped, openpyxl itself refuses it
    with pytest.raises(Exception) as refused:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        list(workbook.worksheets[0].iter_rows(values_only=True))
    causes = []
    error: BaseException | None = refused.value
    while error is not None:
        causes.append(type(error).__module__)
        error = error.__cause__ or error.__context__
    assert any(module.startswith("defusedxml") for module in causes), causes


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "PNG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("zip", "Excel"),
    ],
)
def test_wrong_type_by_content_is_refused(api: Api, unchanged: Any, content: Any, what: str) -> None:
    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("readme.txt", "not a workbook")
        content = buffer.getvalue()
    body = assert_problem(upload(api, content, filename="data.csv"), 415, "import.unsupported_type", "/file")
    assert what in body["detail"]


def test_a_docx_named_xlsx_is_not_a_workbook(api: Api, unchanged: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<document/>")
    assert_problem(upload(api, buffer.getvalue(), filename="x.xlsx"), 415, "import.unsupported_type", "/file")


def test_a_file_over_the_limit_is_a_413_declared_or_streamed(settings: Settings, tmp_path: Path) -> None:
    small = settings.model_copy(update={"import_max_bytes": 4096})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        api = Api(client)
        big = to_csv(new_rows(*(factories.household() for _ in range(20))))
        assert len(big) > 4096
        assert_problem(upload(api, big), 413, "payload_too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streamed
            for start in range(0, len(big), 1000):
                yield big[start : start + 1000]

        r = api.post("township", "/api/v1/imports", content=chunks(), headers={"Content-Type": "text/csv"})
        assert_problem(r, 413, "import.too_large", "/file")
        r = api.post(
            "township",
            "/api/v1/imports",
            content=chunks(),
            headers={"Content-Type": "text/csv", "Idempotency-Key": "big-1"},
        )
        assert_problem(r, 413, "payload_too_large")
        # other routes keep their own 1 MB limit
        r = api.post(
            "township", "/api/v1/households", content=b"x" * 1_100_000, headers={"Content-Type": "application/json"}
        )
        assert_problem(r, 413, "payload_too_large")
    assert (
        not list((small.files_root / "imports").glob("*/upload")) if (small.files_root / "imports").exists() else True
    )


def test_a_csv_in_neither_utf8_nor_gb18030_is_a_422(api: Api, unchanged: Any) -> None:
    content = to_csv(new_rows(factories.household()), encoding="utf-8") + b"\x80\xff\x80\n"
    body = assert_problem(upload(api, content), 422, "import.unknown_encoding", "/file")
    assert "neither UTF-8 nor GB18030" in body["detail"]


def test_a_stated_encoding_that_does_not_hold_names_the_line(api: Api, unchanged: Any) -> None:
    rows = new_rows(factories.household())
    rows[0] = [c.key for c in columns.COLUMNS]  # the field names are headers too (ASCII: valid in both)
    content = to_csv(rows, encoding="gb18030")
    body = assert_problem(upload(api, content, encoding="utf-8"), 422, "import.bad_encoding", "/file")
    assert "第 2 行" in body["detail"]


def test_an_xlsx_without_the_sheet_or_its_headers_is_a_422(api: Api, unchanged: Any) -> None:
    content = to_xlsx([["名称", "数量"], ["苹果", 3]], sheet="Sheet1")
    body = assert_problem(upload(api, content, filename="other.xlsx"), 422, "import.no_sheet", "/file")
    assert columns.SHEET_NAME in body["detail"]
    header = [h for h in columns.HEADERS if h not in ("证件号码", "贫困户属性")]
    body = assert_problem(upload(api, to_xlsx([header]), filename="x.xlsx"), 422, "import.missing_headers", "/file")
    assert "证件号码" in body["detail"] and "贫困户属性" in body["detail"]
    assert {e["message"] for e in body["errors"]} == {"证件号码", "贫困户属性"}
    assert_problem(upload(api, b"   "), 422, "import.empty", "/file")


@pytest.mark.parametrize(
    ("options", "pointer"),
    [({"strategy": "replace"}, "/strategy"), ({"atomic": "perhaps"}, "/atomic"), ({"colour": "red"}, "/colour")],
)
def test_bad_options_are_a_422_at_the_field(api: Api, unchanged: Any, options: dict[str, str], pointer: str) -> None:
    assert_problem(upload(api, to_csv(new_rows(factories.household())), **options), 422, "validation_failed", pointer)


def test_only_household_writers_import(api: Api, db_state: Any) -> None:
    api.token("inspector")  # a login is itself audited
    before = db_state()
    assert_problem(upload(api, b"x", user="inspector"), 403, "forbidden")
    assert db_state() == before


# ---------------------------------------------------------------- strategies, id schemes, area


def test_strategies_create_update_and_both(api: Api, database_url: str) -> None:
    existing = household(api, create(api)["id"])
    rows = exported_rows([existing])
    fresh = new_rows(factories.household())[1:]
    job = run(api, database_url, upload(api, to_csv(rows + fresh), strategy="create"))
    report = job["report"]
    assert (report["created"], report["failed"]) == (1, 1), report
    assert report["errors"][0]["code"] == "import.exists" and report["errors"][0]["pointer"] == "/id"
    rows[1][rows[0].index("住址")] = "更新模式"
    more = new_rows(factories.household())[1:]
    job = run(api, database_url, upload(api, to_csv(rows + more), strategy="update"))
    report = job["report"]
    assert (report["updated"], report["failed"], report["created"]) == (1, 1, 0), report
    assert report["errors"][0]["code"] == "import.not_found"
    assert household(api, existing["id"])["address"] == "更新模式"


def test_external_id_scheme_creates_then_updates_by_source_system_and_external_id(api: Api, database_url: str) -> None:
    body = factories.household(source_system="省平台", external_id="EXT-77")
    rows = new_rows(body)
    job = run(api, database_url, upload(api, to_csv(rows), id_scheme="external"))
    assert job["report"]["created"] == 1, job["report"]
    rows[1][rows[0].index("住址")] = "外部编号更新"
    rows = [rows[0], rows[1]]  # the head's row alone: members matched by ID number, the spouse left as is
    before = feed_head(database_url)
    job = run(api, database_url, upload(api, to_csv(rows), id_scheme="external"))
    assert job["report"]["updated"] == 1 and job["report"]["created"] == 0, job["report"]["errors"]
    assert job["report"]["errors"] == [] or job["report"]["errors"][0]["code"] != "import.exists"
    found = api.get("township", "/api/v1/households", params={"q": body["members"][0]["id_number"]}).json()["items"]
    assert household(api, found[0]["id"])["address"] == "外部编号更新"
    assert feed_head(database_url)[0] > before[0]
    # half a key is a row error at the missing half
    rows[1][rows[0].index("外部系统")] = ""
    job = run(api, database_url, upload(api, to_csv(rows), id_scheme="external"))
    assert [(e["code"], e["pointer"]) for e in job["report"]["errors"]] == [("import.no_key", "/source_system")]


def test_a_row_outside_the_callers_area_is_a_row_error_and_nothing_else_changes(api: Api, database_url: str) -> None:
    mine = household(api, create(api)["id"])  # township's
    other = api.get("township2", "/api/v1/households", params={"limit": 1}).json()["items"][0]
    theirs = household(api, other["id"], "township2")
    rows = exported_rows([mine, theirs])
    rows[1][rows[0].index("住址")] = "改我的"
    for index, row in enumerate(rows):
        if index and row[0] == theirs["id"]:
            row[rows[0].index("住址")] = "改别人的"
    job = run(api, database_url, upload(api, to_csv(rows)))
    report = job["report"]
    assert (report["updated"], report["failed"]) == (1, 1), report
    outside = [e for e in report["errors"] if e["code"] == "import.out_of_area"]
    assert outside and outside[0]["row"] == 2 + len(mine["members"]) and outside[0]["pointer"] == "/id"
    assert household(api, theirs["id"], "township2") == theirs
    assert household(api, mine["id"])["address"] == "改我的"
    # a new household in another area's village is the service's own refusal
    elsewhere = new_rows(factories.household(village=factories.OTHER_TOWNSHIP_VILLAGE))
    job = run(api, database_url, upload(api, to_csv(elsewhere)))
    assert {e["code"] for e in job["report"]["errors"]} == {"region.unknown_village"}
    assert job["report"]["errors"][0]["column"] == "行政村代码"


def test_one_person_one_household_holds_across_the_file(api: Api, database_url: str) -> None:
    first = factories.household()
    second = factories.household()
    second["members"][1]["id_number"] = first["members"][1]["id_number"]
    job = run(api, database_url, upload(api, to_csv(new_rows(first, second))))
    report = job["report"]
    assert (report["created"], report["failed"]) == (1, 1), report
    [error] = report["errors"]
    assert error["code"] == "household.duplicate_member" and error["pointer"] == "/members/1/id_number"
    assert error["row"] == 5 and error["column"] == "证件号码"
    [created] = api.get("township", "/api/v1/households", params={"q": first["members"][0]["id_number"]}).json()[
        "items"
    ]
    assert created["household_number"] in error["message"] and created["id"] in error["message"]
    # created together, each as if it came alone: its own number, audit event and feed entry
    params = {"entity_type": "household", "entity_id": created["id"]}
    events = api.get("auditor", "/api/v1/audit-events", params=params).json()["items"]
    assert [e["action"] for e in events] == ["household.created"]
    assert events[0]["changes"]["household_number"] == [None, created["household_number"]]


def test_a_person_registered_meanwhile_fails_that_household_alone(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer registers a person between the batch's check and its insert: the unique index refuses the
    batch, which is then written one household at a time. Simulated by letting the check miss."""
    person = factories.member("01", male=True)
    assert api.post("township", "/api/v1/households", json=factories.household(members=[person])).status_code == 201
    first, second, third = factories.household(), factories.household(members=[dict(person)]), factories.household()

    async def nobody(*_args: Any, **_kwargs: Any) -> list[Any]:
        return []

    monkeypatch.setattr(household_repo, "active_holders", nobody)
    job = run(api, database_url, upload(api, to_csv(new_rows(first, second, third))))
    report = job["report"]
    assert (report["created"], report["failed"]) == (2, 1), report
    [error] = report["errors"]
    assert error["code"] == "import.conflict" and error["row"] == 2 + len(first["members"])
    for body in (first, third):
        q = body["members"][0]["id_number"]
        assert len(api.get("township", "/api/v1/households", params={"q": q}).json()["items"]) == 1
    assert len(api.get("township", "/api/v1/households", params={"q": person["id_number"]}).json()["items"]) == 1


def test_the_same_household_twice_in_a_file_is_created_then_updated_in_file_order(api: Api, database_url: str) -> None:
    twice = factories.household(source_system="省平台", external_id="EXT-TWICE")
    between = factories.household(source_system="省平台", external_id="EXT-BETWEEN")
    again = {**twice, "address": "第二次出现"}
    rows = new_rows(twice, between)
    rows += new_rows(again)[1:2]  # the head's row again, later in the file
    job = run(api, database_url, upload(api, to_csv(rows), id_scheme="external"))
    report = job["report"]
    assert (report["created"], report["updated"], report["failed"]) == (2, 1, 0), report
    [found] = api.get("township", "/api/v1/households", params={"q": twice["members"][0]["id_number"]}).json()["items"]
    stored = household(api, found["id"])
    assert stored["address"] == "第二次出现" and stored["version"] == 2
    assert len(stored["members"]) == len(twice["members"])


def test_rows_without_a_key_group_under_their_head_row(api: Api, database_url: str) -> None:
    one, two = factories.household(), factories.household()
    rows = new_rows(one, two)
    orphan = new_rows(factories.household(members=[factories.member("02")]))[1]
    job = run(api, database_url, upload(api, to_csv([rows[0], orphan, *rows[1:]])))
    report = job["report"]
    assert (report["created"], report["failed"]) == (2, 1), report
    assert report["errors"][0]["code"] == "import.no_head_row" and report["errors"][0]["row"] == 2


# ---------------------------------------------------------------- atomic, dry run, cancel, resume


def _bad_file() -> tuple[bytes, int]:
    households = [factories.household() for _ in range(4)]
    rows = new_rows(*households)
    rows[3][rows[0].index("证件号码")] = "220382199901011234"  # a wrong check digit
    return to_csv(rows), len(households)


def test_atomic_import_with_a_bad_row_writes_nothing_and_reports_every_error(
    api: Api, database_url: str, db_state: Any
) -> None:
    content, _ = _bad_file()
    api.token("township")
    before, feed_before = db_state(), feed_head(database_url)
    job = run(api, database_url, upload(api, content, atomic=True))
    report = job["report"]
    assert job["state"] == "succeeded"
    assert report["atomic"] and report["rolled_back"], report
    assert (report["created"], report["updated"], report["failed"]) == (0, 0, 1), report
    assert report["errors"][0]["pointer"] == "/members/0/id_number" and report["errors"][0]["row"] == 4
    tables = ("households", "members", "household_status_changes", "versions")
    assert {t: db_state()[t] for t in tables} == {t: before[t] for t in tables}
    assert feed_head(database_url) == feed_before  # no household entered the feed
    good = to_csv(new_rows(*(factories.household() for _ in range(3))))
    job = run(api, database_url, upload(api, good, atomic=True))
    assert job["report"]["created"] == 3 and not job["report"]["rolled_back"]


def test_dry_run_reports_what_would_happen_and_writes_nothing(api: Api, database_url: str, db_state: Any) -> None:
    content, n = _bad_file()
    existing = household(api, create(api)["id"])
    rows = exported_rows([existing])
    rows[1][rows[0].index("住址")] = "试运行"
    api.token("township")
    before = db_state()
    job = run(api, database_url, upload(api, content + to_csv(rows[1:], encoding="utf-8"), dry_run=True))
    report = job["report"]
    assert report["dry_run"] and (report["created"], report["updated"], report["failed"]) == (n - 1, 1, 1), report
    tables = ("households", "members", "incomes", "versions")
    assert {t: db_state()[t] for t in tables} == {t: before[t] for t in tables}
    assert household(api, existing["id"])["address"] == existing["address"]


def test_a_cancelled_atomic_import_writes_nothing(api: Api, database_url: str, db_state: Any) -> None:
    content = to_csv(new_rows(*(factories.household() for _ in range(3))))
    api.token("township")
    before = db_state()
    r = upload(api, content, atomic=True)
    assert r.status_code == 202, r.text

    async def first_chunk(w: Any) -> int:
        pk = await w.claim()
        assert pk is not None and await w.step(pk)  # the rows are counted; nothing is written yet
        return int(pk)

    pk = with_workers(database_url, first_chunk)
    assert api.post("township", f"/api/v1/jobs/{r.json()['id']}/cancel").json()["cancel_requested"] is True

    async def go_on(w: Any) -> bool:
        return bool(await w.step(pk))

    assert with_workers(database_url, go_on) is False
    job = api.get("township", f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["state"] == "cancelled" and job["report"]["created"] == 0
    tables = ("households", "members", "versions")
    assert {t: db_state()[t] for t in tables} == {t: before[t] for t in tables}


def test_a_job_taken_up_after_its_worker_died_resumes_without_repeating(api: Api, database_url: str) -> None:
    bodies = [factories.household() for _ in range(5)]
    r = upload(api, to_csv(new_rows(*bodies)), chunk_households=2)
    assert r.status_code == 202, r.text

    async def two_chunks(w: Any) -> None:
        pk = await w.claim()
        await w.run_job(pk, max_chunks=2)  # counted, then two households: the worker "dies" here

    with_workers(database_url, two_chunks, "dies")
    later = utcnow() + timedelta(minutes=10)
    assert drain(database_url, worker_id="rescuer", clock=lambda: later) == 1
    job = api.get("township", f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["state"] == "succeeded" and job["report"]["created"] == 5 and job["report"]["failed"] == 0, job
    assert job["progress"]["done"] == job["progress"]["total"] == 10
    for body in bodies:
        found = api.get("township", "/api/v1/households", params={"q": body["members"][0]["id_number"]}).json()
        assert len(found["items"]) == 1


def test_an_owner_who_lost_the_permission_fails_the_job(api: Api, database_url: str) -> None:
    user = api.post(
        "admin",
        "/api/v1/users",
        json={
            "username": "clerk",
            "password": "long-enough-1",
            "display_name": "录入员",
            "roles": ["township"],
            "region_code": "220382102000",
        },
    )
    assert user.status_code == 201, user.text
    token = api.client.post("/api/v1/auth/token", data={"username": "clerk", "password": "long-enough-1"})
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    r = api.client.post(
        "/api/v1/imports", headers=auth, files={"file": ("a.csv", to_csv(new_rows(factories.household())))}
    )
    assert r.status_code == 202, r.text
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET roles = '[\"inspector\"]' WHERE username = 'clerk'"))
    engine.dispose()
    drain(database_url)
    job = api.get("admin", f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["state"] == "failed" and "households:write" in job["error"], job


# ---------------------------------------------------------------- idempotency, report, template


def test_an_import_replayed_under_the_same_idempotency_key_returns_the_same_job(api: Api, database_url: str) -> None:
    content = to_csv(new_rows(factories.household()))
    headers = {"Idempotency-Key": "import-2024-001"}
    first = api.post("township", "/api/v1/imports", files={"file": ("a.csv", content)}, headers=headers)
    again = api.post("township", "/api/v1/imports", files={"file": ("a.csv", content)}, headers=headers)
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    jobs = api.get("township", "/api/v1/jobs", params={"kind": "import.households"}).json()["items"]
    assert [j["id"] for j in jobs] == [first.json()["id"]]
    other = api.post("township", "/api/v1/imports", files={"file": ("b.csv", content + b"\n")}, headers=headers)
    assert_problem(other, 422, "idempotency.key_reused")
    body = json.dumps([factories.household()])
    json_headers = {"Idempotency-Key": "import-json-1", "Content-Type": "application/json"}
    one = api.post("township", "/api/v1/imports", content=body, headers=json_headers)
    two = api.post("township", "/api/v1/imports", content=body, headers=json_headers)
    assert one.json()["id"] == two.json()["id"]


def test_the_error_workbook_lists_the_offending_rows_with_an_error_column(api: Api, database_url: str) -> None:
    content, _ = _bad_file()
    r = upload(api, content)
    job = run(api, database_url, r)
    assert job["report"]["failed"] == 1
    report = api.get("township", f"/api/v1/jobs/{r.json()['id']}/report.xlsx")
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == XLSX and "attachment" in report.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "行号" and rows[0][-1] == "错误" and rows[0][1:-1] == list(columns.HEADERS)
    assert len(rows) == 2 and rows[1][0] == 4
    assert "证件号码" in rows[1][-1] and rows[1][1 + columns.HEADERS.index("证件号码")] == "220382199901011234"
    # scoped like the job
    assert_problem(api.get("township2", f"/api/v1/jobs/{r.json()['id']}/report.xlsx"), 404, "not_found")
    assert api.get("county_office", f"/api/v1/jobs/{r.json()['id']}/report.xlsx").status_code == 200
    stats = api.post("county_office", "/api/v1/stats/rebuild", json={})
    assert_problem(api.get("county_office", f"/api/v1/jobs/{stats.json()['id']}/report.xlsx"), 404, "not_found")


def test_the_error_workbook_keeps_hostile_cells_as_inert_text(api: Api, database_url: str) -> None:
    """Control characters (XML cannot hold them) and formulas in a refused row: the workbook still downloads, the
    formula is text, and a JSON record's hostile keys do not break it either."""
    body = factories.household()
    rows = new_rows(body)
    rows[1][rows[0].index("住址")] = '=HYPERLINK("http://evil.example","点我")'
    rows[1][rows[0].index("姓名")] = "张\x01三"
    rows[1][rows[0].index("证件号码")] = "not-an-id"
    r = upload(api, to_csv(rows))
    assert run(api, database_url, r)["report"]["failed"] == 1
    report = api.get("township", f"/api/v1/jobs/{r.json()['id']}/report.xlsx")
    assert report.status_code == 200, report.text
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert sheet is not None
    address = sheet.cell(row=2, column=2 + rows[0].index("住址"))
    assert address.data_type == "s" and address.value == rows[1][rows[0].index("住址")]
    assert sheet.cell(row=2, column=2 + rows[0].index("姓名")).value == "张三"
    record = {"\x02bad key\x1f": 1, "village_code": "x"}
    r = api.post("township", "/api/v1/imports", json=[record])
    assert run(api, database_url, r)["report"]["failed"] == 1
    report = api.get("township", f"/api/v1/jobs/{r.json()['id']}/report.xlsx")
    assert report.status_code == 200, report.text
    assert openpyxl.load_workbook(io.BytesIO(report.content)).active is not None


def test_the_template_has_the_headers_text_columns_and_a_guide(api: Api) -> None:
    r = api.get("township", "/api/v1/imports/template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(r.content))
    assert workbook.sheetnames == [columns.SHEET_NAME, "说明"]
    ws = workbook[columns.SHEET_NAME]
    assert [c.value for c in ws[1]] == list(columns.HEADERS)
    id_column = ws.column_dimensions[openpyxl.utils.get_column_letter(columns.HEADERS.index("证件号码") + 1)]
    assert id_column.number_format == "@" and id_column.width and id_column.width >= 20
    guide = "\n".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "#清空" in guide and "空白" in guide and "脱敏" in guide and "不会被移出" in guide
    # an empty template imports as nothing at all (no rows, no errors)
    job_r = upload(api, r.content, filename="template.xlsx")
    assert job_r.status_code == 202, job_r.text


def test_json_errors_point_into_the_record_and_name_its_number(api: Api, database_url: str) -> None:
    good = factories.household()
    bad = factories.household(source_system="prov", external_id="BAD-1")
    bad["members"][1]["id_number"] = "220382199901011234"
    unknown = {**factories.household(), "colour": "red"}
    lines = [json.dumps(good), json.dumps(bad), "{not json", json.dumps(unknown), json.dumps([1])]
    r = api.post(
        "township",
        "/api/v1/imports",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    job = run(api, database_url, r)
    report = job["report"]
    assert (report["created"], report["failed"]) == (1, 4), report
    by_row = {e["row"]: e for e in report["errors"]}
    assert by_row[2]["pointer"] == "/members/1/id_number" and by_row[2]["external_id"] == "BAD-1"
    assert by_row[2]["column"] is None
    assert by_row[3]["code"] == "import.bad_json"
    assert by_row[4]["pointer"] == "/colour" and by_row[4]["code"] == "unknown_field"
    assert by_row[5]["code"] == "import.bad_json"
    workbook = api.get("township", f"/api/v1/jobs/{r.json()['id']}/report.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == ("行号", "记录", "错误") and [row[0] for row in rows[1:]] == [2, 3, 4, 5]
    assert "BAD-1" in rows[1][1]


def test_a_json_record_updates_by_id_with_null_erasing_and_absent_fields_kept(api: Api, database_url: str) -> None:
    created = household(api, create(api)["id"])
    record = {"id": created["id"], "address": None, "group": "9组"}
    r = api.post(
        "township", "/api/v1/imports", content=json.dumps([record]), headers={"Content-Type": "application/json"}
    )
    job = run(api, database_url, r)
    assert job["report"]["updated"] == 1, job["report"]
    after = household(api, created["id"])
    assert after["address"] is None and after["group"] == "9组" and after["phone"] == created["phone"]
    assert after["members"] == [{**m, "version": m["version"]} for m in created["members"]]


def test_a_stated_format_must_match_the_content(api: Api, unchanged: Any) -> None:
    content = to_csv(new_rows(factories.household()))
    body = assert_problem(upload(api, content, format="xlsx"), 415, "import.unsupported_type", "/file")
    assert "CSV" in body["detail"]


def test_errors_past_the_cap_are_counted_and_flagged_and_all_in_the_workbook(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin.imports import service

    monkeypatch.setattr(service, "MAX_ERRORS", 2)
    bodies = [factories.household() for _ in range(4)]
    rows = new_rows(*bodies)
    for row in rows[1:]:
        row[rows[0].index("贫困户属性")] = "不存在的属性"
    r = upload(api, to_csv(rows))
    job = run(api, database_url, r)
    report = job["report"]
    assert report["failed"] == 4 and len(report["errors"]) == 2 and report["errors_truncated"] is True
    workbook = api.get("township", f"/api/v1/jobs/{r.json()['id']}/report.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet.max_row == 1 + len(rows) - 1


def test_household_cells_merged_down_over_the_members_rows(api: Api, database_url: str) -> None:
    existing = household(api, create(api)["id"])
    rows = exported_rows([existing])
    width = len(columns.HOUSEHOLD_COLUMNS)

    def build(workbook: Any) -> None:
        ws = workbook.active
        ws.title = columns.SHEET_NAME
        for row in rows:
            ws.append(row)
        for column in range(1, width + 1):  # every household cell merged over the household's two rows
            ws.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)

    before = feed_head(database_url)
    job = run(api, database_url, upload(api, _xlsx_with(build), filename="merged.xlsx"))
    assert job["report"]["unchanged"] == 1 and job["report"]["failed"] == 0, job["report"]["errors"]
    assert feed_head(database_url) == before
