"""Imports end to end over HTTP, jobs run by a worker the test drives: every format, the strategies and id schemes,
atomic and dry runs, the round trip of an exported table, Excel quirks, hostile files and every bad input."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.households import columns
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, assert_problem
from tests.test_jobs import drain, with_workers

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


def upload(
    api: Api, content: bytes, *, user: str = "township", filename: str = "import.csv", **options: Any
) -> Any:
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
        changes = conn.execute(text("SELECT COUNT(*) FROM change_feed")).scalar_one()
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
    r = api.post("township", "/api/v1/imports", content=json.dumps([body]), headers={"Content-Type": "application/json"})
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
