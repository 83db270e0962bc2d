"""Supervision findings (督查问题) through the API: raising with gap-free numbers, links through the caller's area,
dates, If-Match, other areas, the list's filters, the audit trail and the change feed; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, app_settings, assert_problem
from tests.finding_support import (
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    VILLAGE,
    F,
    body,
    fingerprint,
    raise_finding,
    refused,
)

TODAY = date(2024, 7, 15)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A fixed today for the finding rules; no job worker, so the fingerprints only see the requests."""
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
    for user in ("inspector", "township", "township2", "city_office", "county_office", "auditor"):
        api.token(user)  # a login is itself audited: taken before any fingerprint
    return lambda: fingerprint(db)


def household(api: Api, village: str = VILLAGE, user: str = "township") -> dict[str, Any]:
    r = api.post(user, "/api/v1/households", json=factories.household(village))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_raise_read_and_update_a_finding(api: Api, db: Any, state: Any) -> None:
    hh = household(api)
    r = api.post("inspector", F, json=body(links=[{"type": "household", "id": hh["id"]}]))
    assert r.status_code == 201, r.text
    finding = r.json()
    assert r.headers["Location"] == f"{F}/{finding['id']}" and r.headers["ETag"] == '"1"'
    assert finding["year"] == 2024 and finding["number"] == 1
    assert finding["state"] == "pending" and finding["overdue"] is True  # deadline 2024-06-30 < today
    label = f"{hh['household_number']} {hh['head_name']}"
    assert finding["links"] == [{"type": "household", "id": hh["id"], "label": label}]
    assert finding["region_code"] == TOWNSHIP and finding["reopened"] is False
    # the responsible township and its village see it; another township does not
    assert api.get("township", f"{F}/{finding['id']}").json() == finding
    assert api.get("township2", f"{F}/{finding['id']}").status_code == 404
    # the link is on the household's trail, the finding's own trail has its raising
    trail = [e["action"] for e in api.get("township", f"/api/v1/households/{hh['id']}/audit-events").json()["items"]]
    assert "finding_link.linked" in trail
    own = [e["action"] for e in api.get("township", f"{F}/{finding['id']}/audit-events").json()["items"]]
    assert own == ["finding.created"]
    feed = db("SELECT entity_type, action FROM change_feed WHERE entity_id = :e", e=finding["id"])
    assert [tuple(r) for r in feed] == [("finding", "created")]
    # update with If-Match; the links are replaced (the household unlinked: on its trail too)
    url = f"{F}/{finding['id']}"
    changed = api.patch("inspector", url, json={"deadline": "2024-09-30", "links": []}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["deadline"] == "2024-09-30" and changed.json()["overdue"] is False
    assert changed.json()["links"] == [] and changed.headers["ETag"] == '"2"'
    trail = [e["action"] for e in api.get("township", f"/api/v1/households/{hh['id']}/audit-events").json()["items"]]
    assert "finding_link.unlinked" in trail
    feed = db("SELECT action FROM change_feed WHERE entity_type = 'finding' AND entity_id = :e", e=finding["id"])
    assert [r[0] for r in feed] == ["created", "updated"]
    # If-Match: missing 428, stale 412; neither changes anything
    before = state()
    assert_problem(api.patch("inspector", url, json={"batch": "x"}), 428, "precondition_required")
    assert_problem(
        api.patch("inspector", url, json={"batch": "x"}, headers={"If-Match": '"1"'}), 412, "precondition_failed"
    )
    assert state() == before


def test_numbers_are_gap_free_per_year(api: Api, state: Any, db: Any) -> None:
    first = raise_finding(api)
    before = state()
    # refused creates take no number
    refused(
        api.post("inspector", F, json=body(deadline="2024-02-01")), 422, "finding.deadline_before_raised", "/deadline"
    )
    assert_problem(api.post("township2", F, json=body()), 403, "forbidden")
    assert_problem(
        api.post("county_office", F, json=body(region_code="220322100000")), 422, "region.unknown", "/region_code"
    )
    assert state() == before
    second = raise_finding(api, "county_office")
    other_year = raise_finding(api, raised_on="2025-01-10", deadline="2025-03-01")
    assert (first["number"], second["number"]) == (1, 2)
    assert (other_year["year"], other_year["number"]) == (2025, 1)
    assert [tuple(r) for r in db("SELECT year, last_value FROM finding_counters ORDER BY year")] == [
        (2024, 2),
        (2025, 1),
    ]


def test_links_must_lie_in_the_callers_area(api: Api, state: Any, database_url: str) -> None:
    mine = household(api)
    theirs = household(api, OTHER_COUNTY_VILLAGE, user="city_office")  # outside the county office's area
    project = factories.insert_project(database_url, region_codes=[OTHER_COUNTY_VILLAGE])
    before = state()
    for i, links in enumerate(
        [
            [{"type": "household", "id": mine["id"]}, {"type": "household", "id": theirs["id"]}],
            [{"type": "project", "id": project}],
            [{"type": "measure", "id": mine["id"]}],  # a household's id is no measure
        ]
    ):
        r = api.post("county_office", F, json=body(links=links))
        pointer = "/links/1/id" if i == 0 else "/links/0/id"
        assert_problem(r, 422, "finding.link_unknown", pointer)
    r = api.post("township", F, json=body())  # the township may not raise findings at all
    assert_problem(r, 403, "forbidden")
    dup = [{"type": "household", "id": mine["id"]}] * 2
    refused(api.post("inspector", F, json=body(links=dup)), 422, "finding.link_duplicate", "/links/1/id")
    assert state() == before
    # the city's inspector sees the other county: the same links are accepted
    links = [{"type": "project", "id": project}, {"type": "household", "id": theirs["id"]}]
    created = raise_finding(api, region_code=OTHER_COUNTY_VILLAGE, links=links)
    assert [{"type": link["type"], "id": link["id"]} for link in created["links"]] == links
    named = [link["label"] for link in created["links"]]
    assert named[0].startswith("XM-") and named[0].endswith(" 东方红村饮水安全工程"), named  # 项目编号 名称
    assert named[1] == f"{theirs['household_number']} {theirs['head_name']}"


def test_bad_updates_change_nothing(api: Api, state: Any) -> None:
    finding = raise_finding(api, "county_office")
    url = f"{F}/{finding['id']}"
    before = state()
    cases = [
        ({"deadline": "2024-01-01"}, 422, "finding.deadline_before_raised", "/deadline"),
        ({"raised_on": "2024-08-01"}, 422, "finding.deadline_before_raised", "/raised_on"),
        ({"raised_on": "2023-01-01"}, 422, "finding.year_fixed", "/raised_on"),
        ({"batch": None}, 422, "required", "/batch"),
        ({"source": "nope"}, 422, "validation_failed", "/source"),
        ({"region_code": "220322100000"}, 422, "region.unknown", "/region_code"),
        ({"links": [{"type": "household", "id": finding["id"]}]}, 422, "finding.link_unknown", "/links/0/id"),
        ({"state": "closed"}, 422, "validation_failed", "/state"),
    ]
    for payload, status, code, pointer in cases:
        r = api.patch("county_office", url, json=payload, headers={"If-Match": '"1"'})
        assert r.status_code == status, (payload, r.text)
        assert pointer in [e["pointer"] for e in r.json()["errors"]], (payload, r.text)
        assert code in {r.json()["code"], *(e["code"] for e in r.json()["errors"])}, (payload, r.text)
    assert_problem(api.patch("township", url, json={"batch": "x"}, headers={"If-Match": '"1"'}), 403, "forbidden")
    assert api.patch("township2", url, json={"batch": "x"}, headers={"If-Match": '"1"'}).status_code == 403
    assert state() == before


def test_other_areas_see_nothing(api: Api, state: Any) -> None:
    finding = raise_finding(api)
    url = f"{F}/{finding['id']}"
    # county office of another county cannot exist in the demo: township2 is the other area
    for path in (url, f"{url}/steps", f"{url}/tasks", f"{url}/audit-events"):
        assert_problem(api.get("township2", path), 404, "not_found")
    before = state()
    assert_problem(api.post("township2", f"{url}/transitions", json={"to": "rectifying"}), 404, "not_found")
    assert_problem(
        api.post("township2", f"{url}/tasks", json={"what": "整改", "who": "张三", "due_on": "2024-05-01"}),
        404,
        "not_found",
    )
    assert state() == before
    listed = api.get("township2", F).json()
    assert listed["items"] == []
    assert_problem(api.get("township2", F, params={"region_code": TOWNSHIP}), 404, "not_found")


def test_list_filters_and_pages(api: Api) -> None:
    a = raise_finding(api)
    b = raise_finding(api, source="audit", category="funds", batch="2024年审计", deadline="2024-12-31")
    c = raise_finding(api, "county_office", region_code=OTHER_TOWNSHIP, responsible_unit="双山镇人民政府")

    def ids(user: str = "inspector", **params: Any) -> list[str]:
        r = api.get(user, F, params=params)
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids("township") == [b["id"], a["id"]]
    assert ids(source="audit") == [b["id"]]
    assert ids(category="funds", year=2024) == [b["id"]]
    assert ids(batch="2024年审计") == [b["id"]]
    assert ids(region_code=OTHER_TOWNSHIP) == [c["id"]]
    assert ids(responsible_unit="双山镇人民政府") == [c["id"]]
    assert ids(overdue="true") == [c["id"], a["id"]]
    assert ids(overdue="false") == [b["id"]]
    assert ids(q="识别不精准") == [c["id"], b["id"], a["id"]]
    assert ids(state="transferred") == []
    assert ids(year=2025) == []
    page = api.get("inspector", F, params={"limit": 2, "include_total": "true"}).json()
    assert [i["id"] for i in page["items"]] == [c["id"], b["id"]] and page["total"] == 3
    rest = api.get("inspector", F, params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == [a["id"]] and rest["next_cursor"] is None
    row = next(i for i in page["items"] if i["id"] == b["id"])
    detail = api.get("inspector", f"{F}/{b['id']}").json()
    assert row == {k: v for k, v in detail.items() if k not in ("links", "reopens_id", "reopened_by_id")}
    assert_problem(api.get("inspector", F, params={"state": "nope"}), 422, "validation_failed", "/query/state")
