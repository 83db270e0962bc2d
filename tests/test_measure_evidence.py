"""Evidence of measures (owner type `measure`): attached by whoever may change the measure (a department only
within its field), read as the measure is, a health measure's files only by who sees health details; every
refusal stores nothing and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from tests.cadre_support import PDF, households, upload
from tests.conftest import Api, app_settings, assert_problem
from tests.test_measures import HH, M, body

EVIDENCE = "/api/v1/evidence"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, evidence_max_bytes=4096)


def stored(settings: Settings) -> list[Path]:
    root = settings.evidence_root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def measure(api: Api, user: str = "township", **overrides: Any) -> dict[str, Any]:
    hh = households(api, 1)[0]
    r = api.post(user, M, json=body(hh["id"], **overrides))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_writer_attaches_and_readers_list_and_download(api: Api, settings: Settings) -> None:
    m = measure(api)
    r = upload(api, "township", owner_type="measure", owner_id=m["id"], content=PDF, filename="验收单.pdf")
    assert r.status_code == 201, r.text
    file = r.json()
    assert file["owner_type"] == "measure" and file["owner_id"] == m["id"] and file["content_type"] == "application/pdf"
    for user in ("township", "inspector", "cadre", "county_office"):
        listed = api.get(user, EVIDENCE, params={"owner_type": "measure", "owner_id": m["id"]})
        assert listed.status_code == 200, (user, listed.text)
        assert [i["id"] for i in listed.json()["items"]] == [file["id"]]
    got = api.get("inspector", file["download_url"])
    assert got.status_code == 200 and got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    trail = api.get("township", f"{HH}/{m['household_id']}/audit-events").json()["items"]
    assert any(e["action"] == "evidence.added" for e in trail)
    feed = api.get("admin", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert any(e["entity_type"] == "evidence" and e["entity_id"] == file["id"] for e in feed)
    assert len(stored(settings)) == 1


def test_a_department_attaches_within_its_field_only(
    api: Api, settings: Settings, db_state: Any, measures_state: Any
) -> None:
    health = measure(api, type="health", content="大病救助")
    industry = measure(api)
    assert upload(api, "department", owner_type="measure", owner_id=health["id"]).status_code == 201
    api.token("department")
    before = db_state(), measures_state(), stored(settings)
    assert_problem(
        upload(api, "department", owner_type="measure", owner_id=industry["id"]),
        403,
        "measures.department_field",
        "/owner_id",
    )
    assert (db_state(), measures_state(), stored(settings)) == before


def test_refusals_store_nothing(api: Api, settings: Settings, db_state: Any, measures_state: Any) -> None:
    m = measure(api)
    health = measure(api, type="health", content="慢病签约")
    cancelled = measure(api)
    r = api.post(
        "township",
        f"{M}/{cancelled['id']}/transitions",
        json={"to": "cancelled", "reason": "重复登记"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    on_health = upload(api, "township", owner_type="measure", owner_id=health["id"])
    assert on_health.status_code == 201
    for user in ("township", "township2", "inspector", "cadre"):
        api.token(user)
    before = db_state(), measures_state(), stored(settings)
    # another area, or no such measure: 404 at the owner
    assert_problem(upload(api, "township2", owner_type="measure", owner_id=m["id"]), 404, "not_found", "/owner_id")
    zero = "00000000-0000-0000-0000-000000000000"
    assert_problem(upload(api, "township", owner_type="measure", owner_id=zero), 404, "not_found", "/owner_id")
    assert api.get("township2", EVIDENCE, params={"owner_type": "measure", "owner_id": m["id"]}).status_code == 404
    assert api.get("township2", on_health.json()["download_url"]).status_code == 404
    # readers without measures:write
    assert_problem(upload(api, "inspector", owner_type="measure", owner_id=m["id"]), 403, "forbidden")
    assert_problem(upload(api, "cadre", owner_type="measure", owner_id=m["id"]), 403, "forbidden")
    # a cancelled measure takes no more files
    assert_problem(
        upload(api, "township", owner_type="measure", owner_id=cancelled["id"]), 409, "measure.cancelled", "/owner_id"
    )
    # wrong type, by content
    assert_problem(
        upload(api, "township", owner_type="measure", owner_id=m["id"], content=b"<html>x</html>", filename="a.jpg"),
        415,
        "evidence.unsupported_type",
    )
    # a health measure's files are health details
    for user in ("inspector", "cadre"):
        listed = api.get(user, EVIDENCE, params={"owner_type": "measure", "owner_id": health["id"]})
        assert_problem(listed, 403, "measures.health_withheld")
        assert_problem(api.get(user, on_health.json()["download_url"]), 403, "measures.health_withheld")
    assert (db_state(), measures_state(), stored(settings)) == before
