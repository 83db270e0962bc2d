"""Imports end to end over HTTP, jobs run by a worker the test drives: every format, the strategies and id schemes,
atomic and dry runs, the round trip of an exported table, Excel quirks, hostile files and every bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.households import columns
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api
from tests.test_jobs import drain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app without its in-process worker: the tests drive the worker themselves."""
    return Settings(
        database_url=database_url,
        demo=True,
        spa_dist=Path("/nonexistent"),
        db_pool_size=3,
        audit_anchor_file=tmp_path / "audit-anchors.jsonl",
        files_dir=tmp_path / "files",
        job_worker=False,
    )


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
