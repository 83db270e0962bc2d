"""Exports: every format and encoding read back, the 建档立卡 layout equal to `columns.row_cells` of the detail,
masking as the caller may see, the list's filters, scope, bad input, the size limit, export jobs (chunks,
resumption, download), the audit event, and the snapshot: export ∪ changes after its position = the register."""

from __future__ import annotations

import codecs
import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from fupin.audit.positions import decode_position
from fupin.authz.deps import principal_from_claims
from fupin.config import Settings
from fupin.core.models import utcnow
from fupin.core.readpath import RequestSnapshots
from fupin.core.security import decode_access_token
from fupin.exports import service
from fupin.exports.schemas import HouseholdExportQuery
from fupin.households.columns import HEADERS, HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, row_cells
from fupin.jobs.worker import Worker
from fupin.main import create_app
from tests import factories
from tests.conftest import Api, app_settings, assert_problem
from tests.test_jobs import drain, with_workers

EXPORT = "/api/v1/households/export"
TOWNSHIP = "220382102000"
OTHER_TOWNSHIP = "220382101000"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app without its in-process worker (tests drive workers), files in the test's folder."""
    return app_settings(database_url, tmp_path, job_worker=False)


def csv_rows(r: Any, encoding: str = "utf-8-sig") -> list[list[str]]:
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode(encoding), newline="")))


def ndjson(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in r.content.decode().splitlines()]


def listed(api: Api, user: str, **params: Any) -> list[str]:
    """Household ids of the list with these filters, all pages, in household-number order."""
    ids: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = api.get(user, "/api/v1/households", params=query)
        assert page.status_code == 200, page.text
        ids += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return ids


def expected_rows(detail: dict[str, Any]) -> list[list[str]]:
    """`columns.row_cells` of a household's detail, head first, as CSV text."""
    household = {**detail}
    members = sorted(detail["members"], key=lambda m: not m["is_head"])  # head first, then by id (detail order)
    return [[str(cell) for cell in row_cells(household, {**m, "member_id": m["id"]})] for m in members] or [
        [str(cell) for cell in row_cells(household, {})]
    ]


# ---------------------------------------------------------------- formats and layout


def test_csv_is_utf8_with_bom_one_row_per_member_as_row_cells_of_the_detail(api: Api) -> None:
    r = api.get("township", EXPORT, params={"region": "220382102201"})
    assert r.content.startswith(codecs.BOM_UTF8)
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="households-') and disposition.endswith(".csv")
    assert "filename*=UTF-8''%E8%B4%AB%E5%9B%B0%E6%88%B7" in disposition  # 贫困户…, RFC 5987
    decode_position(r.headers["x-fupin-changes-position"])  # a valid, signed position
    rows = csv_rows(r)
    assert tuple(rows[0]) == HEADERS
    body = rows[1:]
    assert int(r.headers["x-fupin-export-rows"]) == len(body)
    numbers = [row[1] for row in body]
    assert numbers == sorted(numbers)
    # one village: the list's order (village, number) is the export's (number)
    assert list(dict.fromkeys(row[0] for row in body)) == listed(api, "township", region="220382102201")
    offset = 0
    for hid in list(dict.fromkeys(row[0] for row in body))[:12]:
        detail = api.get("township", f"/api/v1/households/{hid}").json()
        wanted = expected_rows(detail)
        assert body[offset : offset + len(wanted)] == wanted, hid
        assert sum(1 for row in body if row[0] == hid) == detail["member_count"] == len(wanted)
        offset += len(wanted)


def test_gb18030_csv_holds_the_same_text_and_characters_beyond_the_bmp(api: Api) -> None:
    rare = "𠮷䶮"  # outside GBK: four-byte GB18030 sequences
    created = api.post(
        "township",
        "/api/v1/households",
        json=factories.household(members=[factories.member("01", male=True, name=f"王{rare}")], address=f"{rare}路"),
    )
    assert created.status_code == 201, created.text
    utf8 = api.get("township", EXPORT)
    gb = api.get("township", EXPORT, params={"encoding": "gb18030"})
    assert gb.status_code == 200 and gb.headers["content-type"] == "text/csv; charset=gb18030"
    assert not gb.content.startswith(codecs.BOM_UTF8)
    assert gb.content.decode("gb18030") == utf8.content.decode("utf-8-sig")
    assert rare.encode("gb18030") in gb.content
    assert any(row[MEMBER_NAME] == f"王{rare}" for row in csv_rows(gb, "gb18030"))


MEMBER_NAME = len(HOUSEHOLD_COLUMNS) + [c.key for c in MEMBER_COLUMNS].index("name")


def test_xlsx_is_the_same_table_with_text_cells_bold_frozen_header(api: Api) -> None:
    params = {"region": "220382102201"}
    rows = csv_rows(api.get("township", EXPORT, params=params))
    r = api.get("township", EXPORT, params={**params, "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"].split(";")[1].strip().endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book["贫困户成员"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= 30
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == rows
    id_col = len(HOUSEHOLD_COLUMNS) + [c.key for c in MEMBER_COLUMNS].index("id_number") + 1
    second = sheet.cell(row=2, column=id_col)
    assert second.data_type == "s" and second.number_format == "@"
    phone = sheet.cell(row=2, column=[c.key for c in HOUSEHOLD_COLUMNS].index("phone") + 1)
    assert phone.number_format == "@"


def test_ndjson_is_one_household_per_line_in_the_detail_shape(api: Api) -> None:
    lines = ndjson(api.get("township", EXPORT, params={"format": "ndjson", "region": "220382102201"}))
    assert [line["id"] for line in lines] == listed(api, "township", region="220382102201")
    for line in lines:
        assert line == api.get("township", f"/api/v1/households/{line['id']}").json()
        assert line["members"] and line["members"][0]["is_head"]


def test_masking_follows_the_callers_personal_data_permission(api: Api) -> None:
    params = {"region": "220382102201"}
    full = csv_rows(api.get("township", EXPORT, params=params))
    masked = csv_rows(api.get("inspector", EXPORT, params=params))  # no personal-data permission
    # a line department without it sees the health details of its field (卫健委: 健康), and nothing else
    health = csv_rows(api.get("department", EXPORT, params=params))
    index = {c.key: i for i, c in enumerate((*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS))}
    assert len(full) == len(masked)
    for plain, hidden in zip(full[1:], masked[1:], strict=True):
        number = plain[index["id_number"]]
        assert hidden[index["id_number"]] == (
            number[:6] + "*" * 8 + number[-4:] if len(number) == 18 else number[:2] + "*" * 6
        )
        phone = plain[index["phone"]]
        assert hidden[index["phone"]] == (phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if phone else "")
        account = plain[index["bank_account"]]
        assert hidden[index["bank_account"]] == ("*" * (len(account) - 4) + account[-4:] if account else "")
        for withheld in ("health", "disability_grade", "birth_date"):
            assert hidden[index[withheld]] == ""
        assert plain[index["health"]] != ""
        others = [
            k
            for k in index
            if k not in ("id_number", "phone", "bank_account", "health", "disability_grade", "birth_date")
        ]
        assert [hidden[index[k]] for k in others] == [plain[index[k]] for k in others]
    for plain, field in zip(full[1:], health[1:], strict=True):
        assert [field[index[k]] for k in ("health", "disability_grade")] == [
            plain[index[k]] for k in ("health", "disability_grade")
        ]
        assert field[index["birth_date"]] == "" and "*" in field[index["id_number"]]
    # NDJSON masks as the detail does, for both callers
    for user in ("department", "inspector", "township"):
        lines = ndjson(api.get(user, EXPORT, params={**params, "format": "ndjson"}))
        for line in lines[:10]:
            assert line == api.get(user, f"/api/v1/households/{line['id']}").json()
            assert line["pii_masked"] is (user != "township")
    # the filter on health needs the permission, as on the list
    assert_problem(api.get("department", EXPORT, params={"member_health": "disabled"}), 403, "pii_required")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": ["not_exited", "returned"]},
        {"attribute": "dibao"},
        {"main_cause": "01", "identified_year": 2016},
        {"exit_year": 2018},
        {"member_labour": "weak"},
        {"member_health": "disabled"},
        {"region": "220382102201"},
        {"region": "220382000000"},  # wider than the area: narrows to it
    ],
)
def test_filters_select_exactly_the_households_of_the_list(api: Api, params: dict[str, Any]) -> None:
    for user in ("township", "county_office"):
        ids = listed(api, user, **params)
        lines = ndjson(api.get(user, EXPORT, params={**params, "format": "ndjson"}))
        assert sorted(line["id"] for line in lines) == sorted(ids)
        numbers = [line["household_number"] for line in lines]
        assert numbers == sorted(numbers)
        rows = csv_rows(api.get(user, EXPORT, params=params))[1:]
        assert set(row[0] for row in rows) == set(ids)


def test_q_filter_finds_a_member_by_name_or_id_number(api: Api) -> None:
    household = api.first_household("township")
    detail = api.get("township", f"/api/v1/households/{household['id']}").json()
    for q in (detail["members"][-1]["name"], detail["members"][0]["id_number"].lower()):
        ids = listed(api, "township", q=q)
        rows = csv_rows(api.get("township", EXPORT, params={"q": q}))[1:]
        assert household["id"] in ids and set(row[0] for row in rows) == set(ids)


@pytest.fixture
def logged_in(api: Api) -> None:
    for user in ("township2", "inspector", "township"):
        api.token(user)  # a login is itself audited: before `unchanged` takes its fingerprint


def test_a_region_outside_the_area_is_a_404_and_nothing_is_recorded(api: Api, logged_in: None, unchanged: Any) -> None:
    for fmt in ("csv", "xlsx", "ndjson"):
        assert_problem(api.get("township2", EXPORT, params={"region": TOWNSHIP, "format": fmt}), 404, "not_found")
    r = api.post("township2", "/api/v1/exports", json={"entity": "households", "filters": {"region": TOWNSHIP}})
    assert_problem(r, 404, "not_found")


def test_an_export_holds_the_callers_area_only(api: Api) -> None:
    rows = csv_rows(api.get("township2", EXPORT))[1:]
    assert rows and all(row[7].startswith("220382101") for row in rows)
    wide = csv_rows(api.get("township2", EXPORT, params={"region": "220382000000"}))[1:]
    assert wide == rows


def test_bad_input_is_a_422_at_the_parameter_and_changes_nothing(api: Api, logged_in: None, unchanged: Any) -> None:
    assert_problem(api.get("township", EXPORT, params={"format": "pdf"}), 422, "validation_failed", "/query/format")
    assert_problem(
        api.get("township", EXPORT, params={"encoding": "latin-1"}), 422, "validation_failed", "/query/encoding"
    )
    r = api.get("township", EXPORT, params={"format": "xlsx", "encoding": "gb18030"})
    assert_problem(r, 422, "validation_failed", "/query/encoding")
    assert r.json()["errors"][0]["code"] == "export.encoding_csv_only"
    assert_problem(api.get("township", EXPORT, params={"status": "nope"}), 422, "validation_failed", "/query/status/0")
    assert_problem(api.get("township", EXPORT, params={"region": "12x"}), 422, "validation_failed", "/query/region")
    post = "/api/v1/exports"
    for body, pointer in (
        ({"entity": "households", "filters": {"status": ["nope"]}}, "/filters/status/0"),
        ({"entity": "households", "filters": {"unknown": 1}}, "/filters/unknown"),
        ({"entity": "households", "filters": {"limit": 5}}, "/filters/limit"),  # a list parameter, not a filter
        ({"entity": "households", "format": "pdf"}, "/format"),
        ({"entity": "villages"}, "/entity"),
        ({"entity": "households", "format": "ndjson", "encoding": "gb18030"}, "/encoding"),
    ):
        assert_problem(api.post("township", post, json=body), 422, "validation_failed", pointer)
    assert_problem(api.post("inspector", post, json={"entity": "households"}), 403, "forbidden")  # no jobs:read
    assert_problem(api.get("township", EXPORT, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


@pytest.fixture
def small_limit(settings: Settings) -> Iterator[Api]:
    app = create_app(settings.model_copy(update={"export_direct_limit": 10}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield Api(c)


def test_over_the_direct_limit_is_a_413_telling_to_use_a_job(small_limit: Api) -> None:
    api = small_limit
    body = assert_problem(api.get("township", EXPORT), 413, "export.too_large")
    assert "POST /api/v1/exports" in body["detail"] and body["limit"] == 10 and body["rows"] > 10
    read: Any = api.client.app.state.read_path  # type: ignore[attr-defined]
    if read.is_sqlite:  # the snapshot the count was read in is given back
        assert read._sqlite.qsize() == len(read._sqlite_all)
    assert api.get("township", EXPORT, params={"region": "220382102201", "q": "nobody"}).status_code == 200


# ---------------------------------------------------------------- audit


def test_every_export_is_an_audit_event_and_no_change_feed_entry(api: Api, database_url: str) -> None:
    before = api.get("integration", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    r = api.get("department", EXPORT, params={"status": ["not_exited"], "format": "ndjson"})
    assert r.status_code == 200
    after = api.get("integration", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert after == before  # an export changes nothing: no feed entry
    events = api.get("auditor", "/api/v1/audit-events", params={"action": "export.created", "limit": 200}).json()
    event = events["items"][-1]
    assert event["entity_type"] == "export" and event["entity_id"] == r.headers["x-fupin-export-id"]
    assert event["actor_name"] == "四平市卫生健康委员会"
    changes = event["changes"]
    assert changes["format"] == "ndjson" and changes["entity"] == "households" and changes["via"] == "direct"
    assert changes["filters"] == {"status": ["not_exited"]}
    assert changes["rows"] == int(r.headers["x-fupin-export-rows"]) == len(r.content.splitlines())
    assert changes["changes_position"] == r.headers["x-fupin-changes-position"]
    assert changes["pii_masked"] is True


# ---------------------------------------------------------------- jobs


def wait_done(api: Api, job_id: str, user: str = "county_office") -> dict[str, Any]:
    job: dict[str, Any] = api.get(user, f"/api/v1/jobs/{job_id}").json()
    assert job["state"] == "succeeded", job
    return job


def submit(api: Api, user: str = "county_office", **body: Any) -> dict[str, Any]:
    r = api.post(user, "/api/v1/exports", json={"entity": "households", **body})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/v1/jobs/{r.json()['id']}"
    assert r.json()["kind"] == "export.households"
    return dict(r.json())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ndjson"])
def test_an_export_job_writes_the_file_its_report_links(api: Api, database_url: str, fmt: str) -> None:
    filters = {"region": TOWNSHIP, "status": ["exited_with_policy", "not_exited"]}
    job = submit(api, format=fmt, filters=filters, **({"encoding": "gb18030"} if fmt == "csv" else {}))
    assert_problem(api.get("county_office", f"/api/v1/jobs/{job['id']}/file"), 409, "job.not_finished")
    assert drain(database_url) == 1
    done = wait_done(api, job["id"])
    report = done["report"]
    assert report["file"] == f"/api/v1/jobs/{job['id']}/file" and report["format"] == fmt
    decode_position(report["changes_position"])
    r = api.get("county_office", report["file"])
    assert r.status_code == 200, r.text
    assert r.headers["x-fupin-changes-position"] == report["changes_position"]
    assert r.headers["content-disposition"].startswith('attachment; filename="households-')
    direct = api.get(
        "county_office", EXPORT, params={**filters, "format": fmt, **({"encoding": "gb18030"} if fmt == "csv" else {})}
    )
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(r.content))
        got = [list(row) for row in book.active.iter_rows(values_only=True)]
        want = [
            list(row) for row in openpyxl.load_workbook(io.BytesIO(direct.content)).active.iter_rows(values_only=True)
        ]
        assert got == want and len(got) - 1 == report["rows"]
    else:
        assert r.content == direct.content  # the same bytes as the direct download of the same state
        lines = len(r.content.decode("gb18030" if fmt == "csv" else "utf-8").splitlines())
        assert report["rows"] == lines - (1 if fmt == "csv" else 0)
    assert done["progress"]["done"] == report["rows"] == done["progress"]["total"]
    events = api.get("auditor", "/api/v1/audit-events", params={"action": "export.created", "limit": 200}).json()
    event = next(e for e in events["items"] if e["entity_id"] == job["id"])
    assert event["changes"]["via"] == "job"
    assert event["changes"]["rows"] == report["rows"] and event["changes"]["filters"] == filters
    assert event["actor_name"] == "双辽市扶贫办"  # the job's owner, not the worker
    downloads = api.get("auditor", "/api/v1/audit-events", params={"action": "export.downloaded"}).json()["items"]
    assert downloads and downloads[-1]["entity_id"] == job["id"]


@pytest.fixture
def small_chunks(settings: Settings) -> Iterator[Api]:
    app = create_app(settings.model_copy(update={"export_job_chunk_rows": 40}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield Api(c)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_job_in_chunks_resumes_after_a_dead_worker_from_the_committed_size(
    small_chunks: Api, database_url: str, settings: Settings, fmt: str
) -> None:
    api = small_chunks
    job = submit(api, format=fmt)

    async def die_after_two_chunks(w: Worker) -> None:
        pk = await w.claim()
        assert pk is not None
        await w.run_job(pk, max_chunks=2)  # then "dies": its lease runs out

    with_workers(database_url, die_after_two_chunks, "doomed")
    assert api.get("county_office", f"/api/v1/jobs/{job['id']}").json()["state"] == "running"
    path = settings.files_root / "exports" / f"{job['id']}.{fmt}"
    committed = path.stat().st_size
    with path.open("ab") as file:
        file.write(b"half a chunk the dead worker wrote but never committed\r\n")
    later = utcnow() + timedelta(minutes=5)
    assert drain(database_url, worker_id="rescuer", clock=lambda: later) == 1
    done = wait_done(api, job["id"])
    assert done["report"]["snapshots"] > 2 and path.stat().st_size > committed
    direct = api.get("county_office", EXPORT, params={"format": fmt})
    assert api.get("county_office", f"/api/v1/jobs/{job['id']}/file").content == direct.content


def test_a_job_file_is_scoped_like_the_job_and_unmasked_files_need_personal_data(api: Api, database_url: str) -> None:
    job = submit(api, "city_office", format="csv", filters={"region": TOWNSHIP})
    masked = submit(api, "department", format="csv", filters={"region": TOWNSHIP})
    assert drain(database_url) == 2
    url = f"/api/v1/jobs/{job['id']}/file"
    assert api.get("city_office", url).status_code == 200
    assert_problem(api.get("county_office", url), 404, "not_found")  # a city job is outside a county's area
    assert_problem(api.get("township2", f"/api/v1/jobs/{masked['id']}/file"), 404, "not_found")
    assert_problem(api.get("department", url), 403, "pii_required")  # unmasked: written for a pii holder
    file = api.get("city_office", f"/api/v1/jobs/{masked['id']}/file")
    rows = csv_rows(file)
    index = len(HOUSEHOLD_COLUMNS) + [c.key for c in MEMBER_COLUMNS].index("id_number")
    assert all("*" in row[index] for row in rows[1:])  # masked as its owner (no pii) sees it
    stats = api.post("admin", "/api/v1/stats/rebuild", json={}).json()
    assert_problem(api.get("admin", f"/api/v1/jobs/{stats['id']}/file"), 404, "not_found")  # not an export


# ---------------------------------------------------------------- the snapshot and its position


def _principal(api: Api, user: str) -> Any:
    return principal_from_claims(decode_access_token(api.token(user)))


def _feed_after(api: Api, position: str) -> list[dict[str, Any]]:
    after = decode_position(position)
    items: list[dict[str, Any]] = []
    while True:
        page = api.get("integration", "/api/v1/changes", params={"after": after, "limit": 1000}).json()
        items += page["items"]
        if not page["items"]:
            return items
        after = page["next_after"]


def test_the_export_and_the_changes_after_its_position_are_the_register(api: Api, client: TestClient) -> None:
    """Writes commit while the export's snapshot is open (and after it): the export shows none of them, the feed
    after its position holds every one, and applying them to the export gives the register."""
    app: Any = client.app
    user = "county_office"
    principal = _principal(api, user)
    households = listed(api, user)
    patched, grown, shrunk = households[3], households[10], households[20]

    async def open_export() -> tuple[RequestSnapshots, service.DirectExport]:
        snapshots = RequestSnapshots(app.state.read_path)
        async with app.state.sessionmaker() as session, session.begin():
            export = await service.direct(
                session, snapshots, principal, query=HouseholdExportQuery(format="ndjson"), limit=10**6
            )
        return snapshots, export

    assert client.portal is not None
    snapshots, export = client.portal.call(open_export)
    # during the snapshot: an update, a new member, a removed member, a new household
    before_patch = api.get(user, f"/api/v1/households/{patched}").json()
    changed = api.patch(
        user,
        f"/api/v1/households/{patched}",
        json={"address": "快照期间修改"},
        headers={"If-Match": f'"{before_patch["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    assert (
        api.post(user, f"/api/v1/households/{grown}/members", json=factories.member(reason="newborn")).status_code
        == 201
    )
    spouse = next(m for m in api.get(user, f"/api/v1/households/{shrunk}").json()["members"] if not m["is_head"])
    removed = api.delete(
        user,
        f"/api/v1/households/{shrunk}/members/{spouse['id']}",
        params={"reason": "death"},
        headers={"If-Match": f'"{spouse["version"]}"'},
    )
    assert removed.status_code in (200, 204), removed.text
    created = api.post(user, "/api/v1/households", json=factories.household()).json()

    async def read_all() -> bytes:
        chunks = [chunk async for chunk in export.body]
        await snapshots.close()
        return b"".join(chunks)

    body = client.portal.call(read_all)
    # after the snapshot
    version = api.get(user, f"/api/v1/households/{households[30]}").json()["version"]
    late = api.patch(
        user,
        f"/api/v1/households/{households[30]}",
        json={"address": "快照之后修改"},
        headers={"If-Match": f'"{version}"'},
    )
    assert late.status_code == 200, late.text

    store = {line["id"]: line for line in map(json.loads, body.decode().splitlines())}
    assert list(store) == households  # the state when the export began
    assert store[patched] == before_patch and created["id"] not in store
    member_of = {m["id"]: hid for hid, line in store.items() for m in line["members"]}

    feed = _feed_after(api, export.position)
    touched: set[str] = set()
    for item in feed:
        if item["entity_type"] == "household":
            touched.add(item["entity_id"])
        elif item["entity_type"] == "member" and item["entity_id"] in member_of:
            touched.add(member_of[item["entity_id"]])
    assert {patched, grown, shrunk, created["id"], households[30]} <= touched
    for hid in touched:
        r = api.get(user, f"/api/v1/households/{hid}")
        if r.status_code == 404:
            store.pop(hid, None)
        else:
            store[hid] = r.json()
            member_of.update({m["id"]: hid for m in r.json()["members"]})

    register = {line["id"]: line for line in ndjson(api.get(user, EXPORT, params={"format": "ndjson"}))}
    assert store == register


def test_snapshot_connections_are_given_back(api: Api, client: TestClient) -> None:
    app: Any = client.app
    read = app.state.read_path
    for fmt in ("csv", "xlsx", "ndjson"):
        assert api.get("township", EXPORT, params={"format": fmt}).status_code == 200
    assert_problem(api.get("township2", EXPORT, params={"region": TOWNSHIP}), 404, "not_found")
    time.sleep(0.05)
    if read.is_sqlite:
        assert read._sqlite.qsize() == len(read._sqlite_all)
        assert not any(conn.in_transaction for conn in read._sqlite_all)
    else:
        stats = read._pg_pool.get_stats()
        assert stats.get("pool_size", 0) - stats.get("pool_available", 0) == 0


def test_sql_masks_are_the_python_masks(database_url: str) -> None:
    from sqlalchemy import literal, select

    from fupin.core.pii import REGISTRY, sql_masked
    from fupin.seed.bulk import sync_engine

    samples = {
        "phone": ["", "123", "123456", "1234567", "13904341234", "+86 139 0434 1234"],
        "bank_account": ["", "1", "1234", "12345", "6217696940304139700"],
        "id_number": ["220382195508080017", "P8123456", "AB"],
    }
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        for name, values in samples.items():
            for value in values:
                got = conn.execute(select(sql_masked(name, literal(value)))).scalar_one()
                assert got == REGISTRY[name].masked(value), (name, value, got)
    engine.dispose()
