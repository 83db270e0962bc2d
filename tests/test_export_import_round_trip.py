"""What offices do with Excel: export the list, edit the file, import it back. The files here come from the real
export endpoint (CSV, GB18030 CSV and XLSX), with and without the personal-data permission; locked fields edited
outside the adjustment window are reported as queued."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from tests import factories
from tests.conftest import Api, app_settings
from tests.test_imports import feed_head, household, run, upload

EXPORT = "/api/v1/households/export"
FILTER = {"region": factories.DEMO_VILLAGE, "status": "not_exited"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The tests drive the job worker; the adjustment calendar's today is fixed (before the year's window)."""
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=date(2026, 6, 15))


def exported(api: Api, fmt: str, *, encoding: str = "utf-8", auth: dict[str, str] | None = None) -> bytes:
    params = {**FILTER, "format": fmt, **({"encoding": encoding} if fmt == "csv" else {})}
    if auth is None:
        r = api.get("township", EXPORT, params=params)
    else:
        r = api.client.get(EXPORT, params=params, headers=auth)
    assert r.status_code == 200, r.text
    return r.content


def edit_csv(content: bytes, encoding: str, edits: dict[str, str]) -> bytes:
    """Change cells of the first data row, as an office would in Excel (the file otherwise byte for byte)."""
    import csv
    import io

    text = content.decode(encoding)
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.lstrip("\ufeff") for h in rows[0]]
    for column, value in edits.items():
        rows[1][header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def first_row_household(api: Api, content: bytes, encoding: str) -> dict[str, Any]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(content.decode(encoding))))
    header = [h.lstrip("\ufeff") for h in rows[0]]
    return household(api, rows[1][header.index("系统编号")])


@pytest.mark.parametrize(("fmt", "encoding"), [("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", "utf-8")])
def test_an_exported_file_imports_back_unchanged(api: Api, database_url: str, fmt: str, encoding: str) -> None:
    content = exported(api, fmt, encoding=encoding)
    before = feed_head(database_url)
    job = run(api, database_url, upload(api, content, filename=f"households.{fmt}"))
    report = job["report"]
    assert report["failed"] == 0 and report["errors"] == [], report["errors"][:3]
    assert report["unchanged"] > 0 and report["created"] == report["updated"] == report["queued"] == 0, report
    assert feed_head(database_url) == before  # no version bump, no feed entry


def test_an_edited_export_updates_exactly_the_edited_cells(api: Api, database_url: str) -> None:
    encoding = "utf-8-sig"
    content = exported(api, "csv")
    target = first_row_household(api, content, encoding)
    edited = edit_csv(content, encoding, {"住址": "新住址 18 号", "文化程度": "高中", "联系电话": ""})
    job = run(api, database_url, upload(api, edited, filename="edited.csv"))
    report = job["report"]
    assert report["updated"] == 1 and report["failed"] == 0 and report["unchanged"] > 0, report
    after = household(api, target["id"])
    assert after["address"] == "新住址 18 号"
    assert after["phone"] == target["phone"]  # the blank cell is "no change"
    changed = {k for k in after if after[k] != target[k]} - {"updated_at", "version", "members"}
    assert changed == {"address"}
    head = next(m for m in target["members"] if m["relation"] == "01")
    new_head = next(m for m in after["members"] if m["id"] == head["id"])
    assert new_head["education"] == "senior"


def test_a_masked_export_imports_back_without_writing_masked_values(api: Api, database_url: str) -> None:
    key = api.post(
        "admin",
        "/api/v1/api-keys",
        json={"name": "office", "roles": ["township"], "region_code": "220382102000", "pii": False},
    )
    assert key.status_code == 201, key.text
    auth = {"Authorization": f"Bearer {key.json()['key']}"}
    content = exported(api, "csv", auth=auth)
    assert "********" in content.decode("utf-8-sig")
    before = feed_head(database_url)
    r = api.client.post("/api/v1/imports", headers=auth, files={"file": ("masked.csv", content)})
    assert r.status_code == 202, r.text
    from tests.test_jobs import drain

    drain(database_url)
    report = api.client.get(f"/api/v1/jobs/{r.json()['id']}", headers=auth).json()["report"]
    assert report["failed"] == 0 and report["updated"] == 0 and report["unchanged"] > 0, report
    assert feed_head(database_url) == before
    full = api.get("township", EXPORT, params={**FILTER, "format": "csv"}).content.decode("utf-8-sig")
    assert "********" not in full  # the stored numbers are whole


def test_a_locked_field_edited_outside_the_adjustment_window_is_queued(api: Api, database_url: str) -> None:
    window = {"year": 2026, "opens_on": "2026-12-20", "closes_on": "2027-01-31"}
    assert api.post("city_office", "/api/v1/adjustment-windows", json=window).status_code == 201
    encoding = "utf-8-sig"
    content = exported(api, "csv")
    target = first_row_household(api, content, encoding)
    new_attribute = "低保贫困户" if target["attribute"] != "dibao" else "一般贫困户"
    edited = edit_csv(content, encoding, {"贫困户属性": new_attribute, "住址": "调整窗口外 3 号"})
    job = run(api, database_url, upload(api, edited, filename="locked.csv"))
    report = job["report"]
    assert report["queued"] == 1 and report["updated"] == 0 and report["failed"] == 0, report
    after = household(api, target["id"])
    assert after["attribute"] == target["attribute"]  # waits for the window
    assert after["address"] == "调整窗口外 3 号"  # the rest applies now
    pending = api.get("township", "/api/v1/pending-changes", params={"household_id": target["id"]}).json()["items"]
    assert [p["state"] for p in pending] == ["pending"]
    assert "attribute" in pending[0]["changes"]
