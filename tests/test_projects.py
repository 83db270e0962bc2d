"""Projects (扶贫项目库): declaration, read, update, list, export, overview, departments' project categories; the area
rule (county and area derived from the regions) and every bad input changing nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from tests.conftest import Api, app_settings, assert_problem
from tests.project_support import (
    COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    TODAY,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_B,
    P,
    add_allocation,
    assert_field,
    body,
    create,
    state,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A fixed today, and no job worker: its daily health schedule would queue a job (a feed entry, a version) at a
    moment of its own, in the middle of a test that checks a refused request changed nothing."""
    return app_settings(database_url, tmp_path, adjustment_today=TODAY, job_worker=False)


@pytest.fixture
def nothing_changed(api: Api, database_url: str) -> Any:
    for user in ("township", "city_office", "county_office", "department", "village", "township2", "admin"):
        api.token(user)  # a login is itself audited; take it before the fingerprint
    before = state(database_url)
    yield
    assert state(database_url) == before


def test_declare_read_and_area(api: Api) -> None:
    r = api.post("township", P, json=body(region_codes=[VILLAGE_B, VILLAGE[:12]]))
    assert r.status_code == 201, r.text
    project = r.json()
    assert r.headers["Location"] == f"{P}/{project['id']}"
    assert r.headers["ETag"] == '"1"'
    assert project["county_code"] == COUNTY
    assert project["area_code"] == TOWNSHIP  # two villages of one township: the township's project
    assert project["region_codes"] == sorted([VILLAGE, VILLAGE_B])
    assert project["stage"] == "declared" and project["health"] == "on_track" and project["progress"] is None
    assert project["version"] == 1 and project["entered_library_on"] is None
    got = api.get("township", f"{P}/{project['id']}")
    assert got.status_code == 200 and got.json() == project and got.headers["ETag"] == '"1"'
    # the village sees only projects lying within the village
    assert api.get("village", f"{P}/{project['id']}").status_code == 404
    own = create(api, "village", region_codes=[VILLAGE])
    assert own["area_code"] == VILLAGE and own["county_code"] == COUNTY
    assert api.get("village", f"{P}/{own['id']}").status_code == 200
    # 6 and 9 digit codes are accepted; a township and a village of it: the township
    wide = create(api, "county_office", region_codes=[TOWNSHIP[:9], VILLAGE])
    assert wide["area_code"] == TOWNSHIP and wide["region_codes"] == sorted([TOWNSHIP, VILLAGE])
    county = create(api, "county_office", region_codes=[VILLAGE, OTHER_TOWNSHIP_VILLAGE])
    assert county["area_code"] == COUNTY
    assert api.get("township", f"{P}/{county['id']}").status_code == 404
    assert api.get("city_office", f"{P}/{county['id']}").status_code == 200
    # the declaration is the first step
    steps = api.get("township", f"{P}/{project['id']}/steps").json()["items"]
    assert [(s["from_stage"], s["to_stage"]) for s in steps] == [(None, "declared")]
    assert steps[0]["actor"]["type"] == "user" and steps[0]["actor"]["name"] == "卧虎镇扶贫工作站"


@pytest.mark.parametrize(
    ("user", "overrides", "status", "code", "pointer"),
    [
        (
            "township",
            {"region_codes": [VILLAGE, OTHER_TOWNSHIP_VILLAGE]},
            422,
            "project.region_outside",
            "/region_codes/1",
        ),
        (
            "city_office",
            {"region_codes": [VILLAGE, OTHER_COUNTY_VILLAGE]},
            422,
            "project.regions_county",
            "/region_codes/1",
        ),
        ("city_office", {"region_codes": ["220300000000"]}, 422, "project.regions_county", "/region_codes/0"),
        ("township", {"region_codes": ["220382102299"]}, 422, "project.region_unknown", "/region_codes/0"),
        ("township", {"region_codes": [VILLAGE, VILLAGE]}, 422, "project.region_duplicate", "/region_codes/1"),
        ("township", {"region_codes": []}, 422, "too_short", "/region_codes"),
        (
            "township",
            {"planned_start_on": "2024-05-01", "due_on": "2024-04-30"},
            422,
            "project.dates_order",
            "/due_on",
        ),
        ("township", {"category": "roads"}, 422, "code.unknown", "/category"),
        ("township", {"stage": "approved"}, 422, "unknown_field", "/stage"),
        ("township", {"source_system": "x"}, 422, "project.external_key", "/external_id"),
        ("department", {"category": "road"}, 403, "projects.department_field", "/category"),
        ("inspector", {}, 403, "forbidden", None),
    ],
)
def test_bad_declarations_change_nothing(
    api: Api, nothing_changed: Any, user: str, overrides: dict[str, Any], status: int, code: str, pointer: str | None
) -> None:
    r = api.post(user, P, json=body(**overrides))
    assert r.status_code == status, r.text
    if status == 403 and code == "forbidden":
        return
    assert_field(r, status, code, pointer)


def test_duplicate_code_per_year_and_county(api: Api, database_url: str) -> None:
    first = create(api, code="SL-2024-001")
    before = state(database_url)
    # the same code in the same county and year, by another township of the county: 409 at /code
    r = api.post("township2", P, json=body(code="SL-2024-001", region_codes=[OTHER_TOWNSHIP_VILLAGE]))
    assert_problem(r, 409, "project.duplicate_code", "/code")
    assert state(database_url) == before
    # another year, or another county: fine
    assert api.post("township", P, json=body(code="SL-2024-001", year=2025)).status_code == 201
    other = api.post("city_office", P, json=body(code="SL-2024-001", region_codes=[OTHER_COUNTY_VILLAGE]))
    assert other.status_code == 201, other.text
    # a PATCH onto a taken code is the same 409
    second = create(api, code="SL-2024-002")
    before = state(database_url)
    r = api.patch("township", f"{P}/{second['id']}", json={"code": "SL-2024-001"}, headers={"If-Match": '"1"'})
    assert_problem(r, 409, "project.duplicate_code", "/code")
    assert state(database_url) == before
    assert first["code"] == "SL-2024-001"
    # an external key is unique too
    create(api, source_system="prov", external_id="p-1")
    r = api.post("township", P, json=body(source_system="prov", external_id="p-1"))
    assert_problem(r, 409, "project.duplicate_external", "/external_id")


def test_update(api: Api, database_url: str) -> None:
    project = create(api, region_codes=[VILLAGE])
    url = f"{P}/{project['id']}"
    assert_problem(api.patch("township", url, json={"name": "新名称"}), 428, "precondition_required")
    assert_problem(
        api.patch("township", url, json={"name": "新名称"}, headers={"If-Match": '"9"'}), 412, "precondition_failed"
    )
    r = api.patch(
        "township",
        url,
        json={"name": "东方红村至卧虎镇道路", "region_codes": [VILLAGE, VILLAGE_B], "responsible_person": None},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert r.headers["ETag"] == '"2"' and updated["version"] == 2
    assert updated["name"] == "东方红村至卧虎镇道路" and updated["responsible_person"] is None
    assert updated["area_code"] == TOWNSHIP and updated["region_codes"] == [VILLAGE, VILLAGE_B]
    assert api.get("township", url).json() == updated
    # the village no longer sees it (its area grew to the township)
    assert api.get("village", url).status_code == 404
    # only the regions: still a change, a new version
    r = api.patch("township", url, json={"region_codes": [VILLAGE_B]}, headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3 and r.json()["area_code"] == VILLAGE_B
    # nothing differs: no new version
    r = api.patch("township", url, json={"name": "东方红村至卧虎镇道路"}, headers={"If-Match": '"3"'})
    assert r.status_code == 200 and r.json()["version"] == 3
    trail = api.get("township", f"{url}/audit-events").json()["items"]
    actions = [e["action"] for e in trail]
    assert actions.count("project.updated") == 2 and "project.created" in actions
    change = next(e for e in trail if e["action"] == "project.updated" and "name" in e["changes"])
    assert change["changes"]["region_codes"] == [[VILLAGE], [VILLAGE, VILLAGE_B]]
    assert change["changes"]["area_code"] == [VILLAGE, TOWNSHIP]


@pytest.mark.parametrize(
    ("user", "patch", "status", "code", "pointer"),
    [
        ("township", {"due_on": "2024-03-01"}, 422, "project.dates_order", "/due_on"),
        ("township", {"planned_start_on": "2024-11-01"}, 422, "project.dates_order", "/planned_start_on"),
        ("township", {"name": None}, 422, "required", "/name"),
        ("township", {"region_codes": [OTHER_TOWNSHIP_VILLAGE]}, 422, "project.region_outside", "/region_codes/0"),
        ("township", {"stage": "completed"}, 422, "unknown_field", "/stage"),
        ("department", {"name": "卫健改名"}, 403, "projects.department_field", "/category"),
        ("township2", {"name": "越权"}, 404, "not_found", None),
    ],
)
def test_bad_updates_change_nothing(
    api: Api, database_url: str, user: str, patch: dict[str, Any], status: int, code: str, pointer: str | None
) -> None:
    project = create(api, region_codes=[VILLAGE])
    for u in ("township", "department", "township2"):
        api.token(u)
    before = state(database_url)
    r = api.patch(user, f"{P}/{project['id']}", json=patch, headers={"If-Match": '"1"'})
    assert_field(r, status, code, pointer)
    assert state(database_url) == before


def test_county_fixed_once_funds_are_allocated(api: Api, database_url: str) -> None:
    project = create(api, "city_office", region_codes=[VILLAGE])
    add_allocation(database_url, project["id"])
    before = state(database_url)
    r = api.patch(
        "city_office",
        f"{P}/{project['id']}",
        json={"region_codes": [OTHER_COUNTY_VILLAGE]},
        headers={"If-Match": '"1"'},
    )
    assert_problem(r, 409, "project.county_locked", "/region_codes")
    assert state(database_url) == before
    # within the county it may still move
    r = api.patch(
        "city_office",
        f"{P}/{project['id']}",
        json={"region_codes": [OTHER_TOWNSHIP_VILLAGE]},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["area_code"] == OTHER_TOWNSHIP_VILLAGE


def test_list_filters_totals_and_funds(api: Api, database_url: str) -> None:
    road = create(api, code="L-ROAD", name="卧虎镇道路工程", region_codes=[VILLAGE])
    water = create(api, code="L-WATER", name="集中供水工程", category="water", year=2023)
    other = create(api, "township2", code="L-OTHER", region_codes=[OTHER_TOWNSHIP_VILLAGE])
    add_allocation(database_url, road["id"], "1000.50")
    add_allocation(database_url, road["id"], "200")
    page = api.get("township", P, params={"include_total": True, "limit": 200}).json()
    ids = [i["id"] for i in page["items"]]
    assert road["id"] in ids and water["id"] in ids and other["id"] not in ids
    assert page["total"] == len(ids)
    row = next(i for i in page["items"] if i["id"] == road["id"])
    assert row["allocated"] == "1200.50" and row["disbursed"] == "0.00"
    assert {k: v for k, v in row.items() if k not in ("allocated", "disbursed")} == api.get(
        "township", f"{P}/{road['id']}"
    ).json()
    assert ids.index(water["id"]) < ids.index(road["id"])  # newest first

    def listed(**params: Any) -> list[str]:
        r = api.get("township", P, params={"limit": 200, **params})
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert listed(category="water") == [water["id"]]
    assert water["id"] not in listed(year=2024) and road["id"] in listed(year=2024)
    assert listed(q="L-ROAD") == [road["id"]] and listed(q="供水") == [water["id"]]
    assert listed(q="%") == []
    assert road["id"] in listed(region=VILLAGE) and water["id"] not in listed(region=VILLAGE)
    assert road["id"] in listed(county=COUNTY[:6], stage="declared", health="on_track", level="county")
    assert listed(stage="completed") == []
    assert_problem(api.get("township", P, params={"region": "220382101000"}), 404, "not_found")
    assert_field(api.get("township", P, params={"stage": "done"}), 422, "code.unknown", "/query/stage")
    # keyset pages
    first = api.get("township", P, params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api.get("township", P, params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["items"][0]["id"] != first["items"][0]["id"]


def test_export(api: Api, database_url: str) -> None:
    road = create(api, code="E-ROAD", region_codes=[VILLAGE, VILLAGE_B])
    add_allocation(database_url, road["id"], "88.80")
    r = api.get("township", f"{P}/export", params={"format": "csv", "q": "E-ROAD"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["项目编号", "项目名称", "项目类别"]
    assert len(rows) == 2 and rows[1][0] == "E-ROAD" and rows[1][2] == "基础设施/道路"
    assert rows[1][rows[0].index("建设地点")] == f"{VILLAGE}、{VILLAGE_B}"
    assert rows[1][rows[0].index("下达资金(元)")] == "88.80"
    r = api.get("township", f"{P}/export", params={"format": "ndjson", "q": "E-ROAD"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == 1 and lines[0]["id"] == road["id"] and lines[0]["allocated"] == "88.80"
    assert lines[0]["region_codes"] == [VILLAGE, VILLAGE_B]
    r = api.get("township", f"{P}/export", params={"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert api.get("township2", f"{P}/export", params={"region": TOWNSHIP}).status_code == 404


def test_overview(api: Api) -> None:
    create(api, region_codes=[VILLAGE])
    create(api, category="water", region_codes=[VILLAGE])
    create(api, "township2", region_codes=[OTHER_TOWNSHIP_VILLAGE])
    r = api.get("village", "/api/v1/project-overview", params={"year": 2024})
    assert r.status_code == 200, r.text
    view = r.json()
    road = next(c for c in view["by_category"] if c["code"] == "road")["count"]
    water = next(c for c in view["by_category"] if c["code"] == "water")["count"]
    assert road >= 1 and water >= 1
    assert view["total"] == sum(c["count"] for c in view["by_stage"]) == sum(c["count"] for c in view["by_health"])
    assert sum(c["count"] for c in view["by_category_health"]) == view["total"]
    city = api.get("city_office", "/api/v1/project-overview").json()
    assert city["total"] >= view["total"] + 1
    assert api.get("township2", "/api/v1/project-overview", params={"region": TOWNSHIP}).status_code == 404


def test_department_field(api: Api, database_url: str) -> None:
    departments = api.get("township", "/api/v1/departments").json()["items"]
    health = next(d for d in departments if d["code"] == "health")
    assert health["project_categories"] == ["health"]
    created = api.post("department", P, json=body(category="health", region_codes=[VILLAGE]))
    assert created.status_code == 201, created.text
    before = state(database_url)
    r = api.patch("department", f"{P}/{created.json()['id']}", json={"category": "road"}, headers={"If-Match": '"1"'})
    assert_problem(r, 403, "projects.department_field", "/category")
    assert state(database_url) == before
    # the administrator widens the field
    r = api.put("admin", "/api/v1/departments/health", json={"project_categories": ["health", "road"]})
    assert r.status_code == 200 and r.json()["project_categories"] == ["health", "road"]
    assert api.post("department", P, json=body(category="road", region_codes=[VILLAGE])).status_code == 201
    r = api.put("admin", "/api/v1/departments/health", json={"project_categories": ["roads"]})
    assert_field(r, 422, "code.unknown", "/project_categories/0")
    trail = api.get("admin", "/api/v1/audit-events", params={"entity_type": "department", "entity_id": "health"})
    assert trail.status_code == 200, trail.text
    changes = [e["changes"] for e in trail.json()["items"] if e["action"] == "department.updated"]
    assert {"project_categories": [["health"], ["health", "road"]]} in [
        {k: v for k, v in c.items() if k == "project_categories"} for c in changes
    ]


def test_outside_the_area_is_not_found(api: Api, database_url: str) -> None:
    project = create(api, region_codes=[VILLAGE])
    url = f"{P}/{project['id']}"
    api.token("township2")
    before = state(database_url)
    assert_problem(api.get("township2", url), 404, "not_found")
    assert_problem(api.patch("township2", url, json={"name": "越权"}, headers={"If-Match": '"1"'}), 404, "not_found")
    assert_problem(api.post("township2", f"{url}/transitions", json={"to": "reviewed"}), 404, "not_found")
    assert_problem(api.get("township2", f"{url}/steps"), 404, "not_found")
    assert_problem(api.get("township2", f"{url}/audit-events"), 404, "not_found")
    assert project["id"] not in api.get("township2", P).text
    assert state(database_url) == before
