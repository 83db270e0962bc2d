"""Cadres, assignments (pairings, first secretaries, work teams), turnover, visits and residency days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests import factories
from tests.cadre_support import DEMO_VILLAGE, assign, cadre_login, days_ago, households, new_cadre, visit
from tests.conftest import Api, assert_problem

OTHER_VILLAGE = factories.OTHER_TOWNSHIP_VILLAGE


@pytest.fixture
def signed_in(api: Api) -> None:
    """Every demo login the tests use, signed in before a fingerprint is taken (a login is itself audited)."""
    for user in ("township", "township2", "inspector", "village", "admin"):
        api.token(user)


def refused(r: Any, status: int, code: str, pointer: str | None) -> None:
    """A problem of `status` whose code (or the code of its field error at `pointer`) is `code`."""
    assert r.status_code == status, r.text
    body = r.json()
    codes = {body["code"], *(e["code"] for e in body["errors"] if pointer is None or e["pointer"] == pointer)}
    assert code in codes, (code, body)
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body


# ---------------------------------------------------------------- cadres


def test_create_read_and_mask(api: Api) -> None:
    body = factories.cadre("first_secretary")
    r = api.post("township", "/api/v1/cadres", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["ETag"] == '"1"' and r.headers["Location"].endswith(created["id"])
    assert created["id_number"] == body["id_number"] and created["kind"] == "first_secretary"
    assert created["region_code"] == "220382102000" and created["pii_masked"] is False
    masked = api.get("inspector", f"/api/v1/cadres/{created['id']}").json()
    assert masked["pii_masked"] is True
    assert masked["id_number"] == body["id_number"][:6] + "*" * 8 + body["id_number"][-4:]
    assert masked["phone"] == "139****5678"
    listed = api.get("inspector", "/api/v1/cadres", params={"kind": "first_secretary"}).json()["items"]
    assert [c["id_number"] for c in listed if c["id"] == created["id"]] == [masked["id_number"]]
    assert all(c["kind"] == "first_secretary" for c in listed)
    full = api.get("township", "/api/v1/cadres").json()["items"]
    assert any(c["id_number"] == body["id_number"] for c in full)
    # the cadre's area defaults to the caller's
    default = api.post("village", "/api/v1/cadres", json={**factories.cadre(), "region_code": None})
    assert default.status_code == 403  # a village office may not create cadres
    own = api.post(
        "township", "/api/v1/cadres", json={k: v for k, v in factories.cadre().items() if k != "region_code"}
    )
    assert own.json()["region_code"] == "220382102000"


def test_update_with_if_match(api: Api) -> None:
    cadre = new_cadre(api)
    url = f"/api/v1/cadres/{cadre['id']}"
    r = api.patch("township", url, json={"post": "副科长", "phone": "13800001111"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["post"] == "副科长" and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    stale = api.patch("township", url, json={"post": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.patch("township", url, json={"post": "x"}).status_code == 428
    trail = api.get("admin", "/api/v1/audit-events", params={"entity_type": "cadre"})
    assert trail.status_code == 200


def test_bad_cadres_change_nothing(api: Api, signed_in: None, unchanged: Any) -> None:
    existing = factories.cadre()
    # (taken before the fingerprint would be better; a duplicate is checked below against a seeded-free number)
    cases = [
        ({**existing, "id_number": "220382198001011234"}, 422, "/id_number"),
        ({**existing, "kind": "boss"}, 422, "/kind"),
        ({**existing, "name": ""}, 422, "/name"),
        ({**existing, "phone": "call me"}, 422, "/phone"),
        ({**existing, "region_code": "220382101000"}, 422, "/region_code"),  # another township
        ({**existing, "region_code": "12"}, 422, "/region_code"),
        ({**existing, "salary": "1"}, 422, "/salary"),
        ({k: v for k, v in existing.items() if k != "work_unit"}, 422, "/work_unit"),
        ({**existing, "name": "\x00"}, 422, "/name"),
    ]
    for body, status, pointer in cases:
        r = api.post("township", "/api/v1/cadres", json=body)
        assert r.status_code == status, (body, r.text)
        assert pointer in [e["pointer"] for e in r.json()["errors"]], (pointer, r.text)
    assert api.post("inspector", "/api/v1/cadres", json=existing).status_code == 403


def test_duplicate_id_number_and_bad_updates_change_nothing(api: Api, signed_in: None, db_state: Any) -> None:
    cadre = new_cadre(api)
    body = factories.cadre(id_number=cadre["id_number"])
    for user in ("township", "township2"):
        api.token(user)  # a login is itself audited
    before = db_state()
    assert_problem(api.post("township", "/api/v1/cadres", json=body), 409, "cadre.duplicate_id_number", "/id_number")
    url = f"/api/v1/cadres/{cadre['id']}"
    v1 = {"If-Match": '"1"'}
    assert_problem(api.patch("township", url, json={"name": None}, headers=v1), 422, "required", "/name")
    assert_problem(
        api.patch("township", url, json={"kind": "work_team"}, headers=v1), 422, "validation_failed", "/kind"
    )
    assert_problem(
        api.patch("township", url, json={"region_code": "220382101000"}, headers=v1),
        422,
        "region.unknown",
        "/region_code",
    )
    assert api.patch("township2", url, json={"post": "x"}, headers=v1).status_code == 404
    assert db_state() == before


# ---------------------------------------------------------------- assignments


def test_pairing_reassignment_keeps_history(api: Api) -> None:
    first, second = new_cadre(api), new_cadre(api, work_unit="双辽市教育局")
    household = households(api, 1)[0]
    a1 = assign(api, first["id"], household_id=household["id"], starts_on="2024-03-01")
    assert a1["current"] is True and a1["kind"] == "paired" and a1["village_code"] == household["village_code"]
    a2 = assign(api, second["id"], household_id=household["id"], starts_on="2025-05-01")
    listed = api.get("township", f"/api/v1/households/{household['id']}/cadres").json()["items"]
    by_id = {a["id"]: a for a in listed}
    assert by_id[a1["id"]]["ends_on"] == "2025-05-01" and by_id[a1["id"]]["current"] is False
    assert by_id[a2["id"]]["current"] is True
    assert [a["id"] for a in listed if a["kind"] == "paired" and a["current"]] == [a2["id"]]
    history = api.get("township", f"/api/v1/cadres/{first['id']}/assignments").json()["items"]
    assert [a["id"] for a in history] == [a1["id"]]
    # one cadre holds several households
    other = households(api, 2)[1]
    assign(api, second["id"], household_id=other["id"])
    assert len(api.get("township", f"/api/v1/cadres/{second['id']}/assignments").json()["items"]) == 2
    # on the household's trail and in the feed
    trail = [
        e["action"] for e in api.get("township", f"/api/v1/households/{household['id']}/audit-events").json()["items"]
    ]
    assert "assignment.created" in trail and "assignment.ended" in trail
    # turnover: the first cadre's unit ended one of one in 2025
    turnover = api.get("township", "/api/v1/cadres/turnover", params={"year": 2025}).json()
    rows = {r["work_unit"]: r for r in turnover["items"]}
    assert rows["双辽市农业农村局"]["ended"] >= 1 and rows["双辽市农业农村局"]["held"] >= 1
    assert rows["双辽市教育局"]["ended"] == 0 and rows["双辽市教育局"]["rate"] == "0.0000"
    assert api.get("township2", "/api/v1/cadres/turnover", params={"year": 2025}).json()["items"] == []
    assert (
        api.get("township2", "/api/v1/cadres/turnover", params={"year": 2025, "region": "220382102000"}).status_code
        == 404
    )


def test_first_secretary_and_work_team(api: Api) -> None:
    fs1, fs2 = new_cadre(api, "first_secretary"), new_cadre(api, "first_secretary")
    team1, team2 = new_cadre(api, "work_team"), new_cadre(api, "work_team")
    a1 = assign(api, fs1["id"], village_code=DEMO_VILLAGE, starts_on="2023-01-01")
    a2 = assign(api, fs2["id"], village_code=DEMO_VILLAGE, starts_on="2025-01-01")
    t1 = assign(api, team1["id"], village_code=DEMO_VILLAGE)
    t2 = assign(api, team2["id"], village_code=DEMO_VILLAGE)
    household = households(api, 1)[0]
    listed = {a["id"]: a for a in api.get("township", f"/api/v1/households/{household['id']}/cadres").json()["items"]}
    assert listed[a1["id"]]["current"] is False and listed[a2["id"]]["current"] is True
    assert listed[t1["id"]]["current"] and listed[t2["id"]]["current"]  # a team has several members


def test_bad_assignments_change_nothing(api: Api, signed_in: None, db_state: Any) -> None:
    paired, fs = new_cadre(api), new_cadre(api, "first_secretary")
    h1, h2 = households(api, 2)
    assign(api, paired["id"], household_id=h1["id"], starts_on="2024-06-01")
    other_household = households(api, 1, region="220382101000", user="township2")[0]
    api.token("township")
    url = f"/api/v1/cadres/{paired['id']}/assignments"
    cases: list[tuple[str, dict[str, Any], int, str, str | None]] = [
        (
            url,
            {"household_id": h2["id"], "starts_on": "2024-06-01", "ends_on": "2024-05-01"},
            422,
            "assignment.ends_before_starts",
            "/ends_on",
        ),
        (
            url,
            {"household_id": h2["id"], "village_code": DEMO_VILLAGE, "starts_on": "2024-06-01"},
            422,
            "assignment.target_required",
            "/household_id",
        ),
        (url, {"starts_on": "2024-06-01"}, 422, "assignment.target_required", "/household_id"),
        (url, {"household_id": h2["id"], "starts_on": "2024-13-01"}, 422, "validation_failed", "/starts_on"),
        (url, {"household_id": h2["id"], "starts_on": "2001-01-01"}, 422, "validation_failed", "/starts_on"),
        (url, {"household_id": h2["id"], "starts_on": 20240601}, 422, "validation_failed", "/starts_on"),
        (
            url,
            {"village_code": DEMO_VILLAGE, "starts_on": "2024-06-01"},
            422,
            "assignment.household_required",
            "/household_id",
        ),
        (url, {"household_id": other_household["id"], "starts_on": "2024-06-01"}, 404, "not_found", "/household_id"),
        (url, {"household_id": h1["id"], "starts_on": "2024-07-01"}, 409, "assignment.duplicate", None),
        (url, {"household_id": h2["id"], "starts_on": "2024-06-01", "extra": 1}, 422, "validation_failed", "/extra"),
        (
            f"/api/v1/cadres/{fs['id']}/assignments",
            {"household_id": h2["id"], "starts_on": "2024-06-01"},
            422,
            "assignment.village_required",
            "/village_code",
        ),
        (
            f"/api/v1/cadres/{fs['id']}/assignments",
            {"village_code": OTHER_VILLAGE, "starts_on": "2024-06-01"},
            422,
            "region.unknown_village",
            "/village_code",
        ),
        (
            f"/api/v1/cadres/{fs['id']}/assignments",
            {"village_code": "220382102000", "starts_on": "2024-06-01"},
            422,
            "region.unknown_village",
            "/village_code",
        ),
    ]
    for path, body, status, code, pointer in cases:
        refused(api.post("township", path, json=body), status, code, pointer)
    # a new pairing that starts before the current one
    second = new_cadre(api)
    before = db_state()
    late = api.post(
        "township",
        f"/api/v1/cadres/{second['id']}/assignments",
        json={"household_id": h1["id"], "starts_on": "2024-01-01"},
    )
    assert_problem(late, 409, "assignment.before_current", "/starts_on")
    assert api.post("township2", url, json={"household_id": h2["id"], "starts_on": "2024-06-01"}).status_code == 404
    assert db_state() == before


def test_a_cadre_outside_the_area_it_serves(api: Api, signed_in: None, db_state: Any) -> None:
    cadre = new_cadre(api, region_code=DEMO_VILLAGE)  # serves the demo village only
    listed = api.get("township", "/api/v1/households", params={"region": "220382102000", "limit": 200}).json()["items"]
    elsewhere = next(h for h in listed if h["village_code"] != DEMO_VILLAGE and h["status"] != "removed")
    api.token("township")
    before = db_state()
    r = api.post(
        "township",
        f"/api/v1/cadres/{cadre['id']}/assignments",
        json={"household_id": elsewhere["id"], "starts_on": "2024-06-01"},
    )
    assert_problem(r, 422, "assignment.outside_cadre_area", "/household_id")
    assert db_state() == before


def test_deactivating_a_cadre_with_current_assignments(api: Api) -> None:
    cadre = new_cadre(api)
    household = households(api, 1)[0]
    assign(api, cadre["id"], household_id=household["id"])
    r = api.patch("township", f"/api/v1/cadres/{cadre['id']}", json={"active": False}, headers={"If-Match": '"1"'})
    assert_problem(r, 409, "cadre.has_current_assignments", "/active")


# ---------------------------------------------------------------- visits


def test_visits_by_an_office_and_by_a_cadre_login(api: Api) -> None:
    cadre, other = new_cadre(api), new_cadre(api)
    fs = new_cadre(api, "first_secretary")
    h1, h2, h3 = households(api, 3)
    assign(api, cadre["id"], household_id=h1["id"])
    assign(api, other["id"], household_id=h2["id"])
    assign(api, fs["id"], village_code=DEMO_VILLAGE)
    by_office = visit(api, other["id"], h2["id"], location="村委会")
    assert by_office["cadre_name"] == other["name"] and by_office["household_number"] == h2["household_number"]
    login = cadre_login(api, cadre["id"])
    me = api.get(login, "/api/v1/me").json()
    assert me["cadre_id"] == cadre["id"] and "visits:write" in me["permissions"]
    mine = visit(api, cadre["id"], h1["id"], user=login)
    assert mine["village_code"] == DEMO_VILLAGE and mine["created_by"] == "帮扶干部"
    # the first secretary visits any household of its village
    fs_login = cadre_login(api, fs["id"])
    visit(api, fs["id"], h3["id"], user=fs_login)
    listed = api.get("township", "/api/v1/visits", params={"cadre_id": cadre["id"]}).json()["items"]
    assert [v["id"] for v in listed] == [mine["id"]]
    of_household = api.get("township", f"/api/v1/households/{h2['id']}/visits").json()["items"]
    assert [v["id"] for v in of_household] == [by_office["id"]]
    trail = [e["action"] for e in api.get("township", f"/api/v1/households/{h1['id']}/audit-events").json()["items"]]
    assert "visit.created" in trail
    ranged = api.get(
        "township", "/api/v1/visits", params={"visited_from": days_ago(0), "visited_to": days_ago(0)}
    ).json()
    assert ranged["items"] == []
    assert api.get("township2", "/api/v1/visits", params={"region": "220382102000"}).status_code == 404
    assert api.get("township2", f"/api/v1/households/{h1['id']}/visits").status_code == 404
    assert all(
        v["village_code"].startswith("220382101") for v in api.get("township2", "/api/v1/visits").json()["items"]
    )


def test_a_visit_by_an_unassigned_cadre_is_refused(api: Api, signed_in: None, db_state: Any) -> None:
    cadre, other = new_cadre(api), new_cadre(api)
    h1, h2 = households(api, 2)
    assign(api, cadre["id"], household_id=h1["id"], starts_on=days_ago(10))
    assign(api, other["id"], household_id=h2["id"])
    login = cadre_login(api, cadre["id"])
    api.token(login)
    api.token("township")
    before = db_state()
    body = {"cadre_id": cadre["id"], "household_id": h2["id"], "visited_on": days_ago(1), "content": "走访"}
    assert_problem(api.post(login, "/api/v1/visits", json=body), 403, "visits.not_assigned", "/household_id")
    # before the pairing began it was not assigned either
    early = {**body, "household_id": h1["id"], "visited_on": days_ago(20)}
    assert_problem(api.post(login, "/api/v1/visits", json=early), 403, "visits.not_assigned")
    as_other = {**body, "cadre_id": other["id"]}
    assert_problem(api.post(login, "/api/v1/visits", json=as_other), 403, "visits.not_own_cadre", "/cadre_id")
    assert db_state() == before


def test_bad_visits_change_nothing(api: Api, signed_in: None, db_state: Any) -> None:
    cadre = new_cadre(api)
    household = households(api, 1)[0]
    other_household = households(api, 1, region="220382101000", user="township2")[0]
    api.token("township")
    before = db_state()
    ok = {"cadre_id": cadre["id"], "household_id": household["id"], "visited_on": days_ago(1), "content": "走访"}
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        (
            {**ok, "visited_on": (date.today().replace(year=date.today().year + 1)).isoformat()},
            422,
            "validation_failed",
            "/visited_on",
        ),
        ({**ok, "visited_on": "2001-01-01"}, 422, "validation_failed", "/visited_on"),
        ({**ok, "visited_on": "yesterday"}, 422, "validation_failed", "/visited_on"),
        ({**ok, "content": ""}, 422, "validation_failed", "/content"),
        ({**ok, "content": "x" * 2001}, 422, "validation_failed", "/content"),
        ({**ok, "location": "x" * 201}, 422, "validation_failed", "/location"),
        ({**ok, "cadre_id": "nope"}, 422, "validation_failed", "/cadre_id"),
        ({**ok, "cadre_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found", "/cadre_id"),
        ({**ok, "household_id": other_household["id"]}, 404, "not_found", "/household_id"),
        ({**ok, "mood": "good"}, 422, "validation_failed", "/mood"),
    ]
    for body, status, code, pointer in cases:
        refused(api.post("township", "/api/v1/visits", json=body), status, code, pointer)
    assert api.post("inspector", "/api/v1/visits", json=ok).status_code == 403
    bad_cursor = api.get("township", "/api/v1/visits", params={"cursor": "x.y"})
    assert_problem(bad_cursor, 400, "invalid_cursor")
    assert db_state() == before


def test_an_office_records_visits_only_of_a_cadre_holding_the_household(api: Api) -> None:
    cadre = new_cadre(api)
    household = households(api, 1)[0]
    body = {"cadre_id": cadre["id"], "household_id": household["id"], "visited_on": days_ago(1), "content": "走访"}
    assert_problem(api.post("township", "/api/v1/visits", json=body), 409, "visits.cadre_not_assigned", "/cadre_id")
    assert api.get("township", "/api/v1/visits", params={"cadre_id": cadre["id"]}).json()["items"] == []


def test_visit_pages(api: Api) -> None:
    cadre = new_cadre(api)
    household = households(api, 1)[0]
    assign(api, cadre["id"], household_id=household["id"])
    ids = [visit(api, cadre["id"], household["id"], visited_on=days_ago(n))["id"] for n in (3, 2, 1)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"household_id": household["id"], "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("township", "/api/v1/visits", params=params).json()
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


# ---------------------------------------------------------------- residency


def test_residency_days_and_the_year(api: Api) -> None:
    fs = new_cadre(api, "first_secretary")
    assign(api, fs["id"], village_code=DEMO_VILLAGE)
    year = date.today().year
    days = [date(year, 1, d).isoformat() for d in (2, 3, 4)]
    for day, kind in zip(days, ("present", "duty", "leave"), strict=True):
        r = api.post("township", "/api/v1/residency-days", json={"cadre_id": fs["id"], "day": day, "kind": kind})
        assert r.status_code == 201, r.text
    again = api.post(
        "township", "/api/v1/residency-days", json={"cadre_id": fs["id"], "day": days[0], "kind": "present"}
    )
    assert again.status_code == 200 and again.json()["version"] == 1  # the same kind again changes nothing
    replaced = api.post(
        "township", "/api/v1/residency-days", json={"cadre_id": fs["id"], "day": days[2], "kind": "present"}
    )
    assert replaced.status_code == 200 and replaced.json()["kind"] == "present" and replaced.json()["version"] == 2
    summary = api.get("township", f"/api/v1/cadres/{fs['id']}/residency", params={"year": year}).json()
    assert summary["days"] == {"present": 2, "leave": 0, "duty": 1}
    assert summary["counted"] == 3 and summary["required"] == 200
    assert summary["below_required"] is (summary["required_to_date"] > 3)
    past = api.get("township", f"/api/v1/cadres/{fs['id']}/residency", params={"year": year - 1}).json()
    assert past["counted"] == 0 and past["required_to_date"] == 200 and past["below_required"] is True
    listed = api.get("township", "/api/v1/residency-days", params={"cadre_id": fs["id"]}).json()["items"]
    assert sorted(d["day"] for d in listed) == days
    assert api.get("township2", "/api/v1/residency-days", params={"cadre_id": fs["id"]}).json()["items"] == []
    assert api.get("township2", f"/api/v1/cadres/{fs['id']}/residency", params={"year": year}).status_code == 404
    # a first secretary's own login records its own days
    login = cadre_login(api, fs["id"])
    own = api.post(
        login,
        "/api/v1/residency-days",
        json={"cadre_id": fs["id"], "day": date(year, 1, 5).isoformat(), "kind": "present"},
    )
    assert own.status_code == 201, own.text


def test_bad_residency_days_change_nothing(api: Api, signed_in: None, db_state: Any) -> None:
    fs, paired, other_fs = new_cadre(api, "first_secretary"), new_cadre(api), new_cadre(api, "first_secretary")
    login = cadre_login(api, fs["id"])
    api.token(login)
    api.token("township")
    before = db_state()
    ok = {"cadre_id": fs["id"], "day": days_ago(1), "kind": "present"}
    cases: list[tuple[str, dict[str, Any], int, str, str | None]] = [
        ("township", {**ok, "kind": "holiday"}, 422, "validation_failed", "/kind"),
        (
            "township",
            {**ok, "day": date.today().replace(year=date.today().year + 1).isoformat()},
            422,
            "validation_failed",
            "/day",
        ),
        ("township", {**ok, "day": "2024-02-30"}, 422, "validation_failed", "/day"),
        ("township", {**ok, "cadre_id": paired["id"]}, 422, "residency.not_resident", "/cadre_id"),
        ("township", {**ok, "cadre_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found", "/cadre_id"),
        (login, {**ok, "cadre_id": other_fs["id"]}, 403, "visits.not_own_cadre", "/cadre_id"),
        ("township2", ok, 404, "not_found", "/cadre_id"),
    ]
    for user, body, status, code, pointer in cases:
        refused(api.post(user, "/api/v1/residency-days", json=body), status, code, pointer)
    assert_problem(
        api.get("township", f"/api/v1/cadres/{fs['id']}/residency", params={"year": 1999}),
        422,
        "validation_failed",
        "/query/year",
    )
    assert db_state() == before


# ---------------------------------------------------------------- users linked to cadres


def test_user_cadre_link(api: Api) -> None:
    cadre = new_cadre(api)
    username = cadre_login(api, cadre["id"])
    users = {u["username"]: u for u in api.get("admin", "/api/v1/users").json()["items"]}
    assert users[username]["cadre_id"] == cadre["id"] and users[username]["roles"] == ["cadre"]
    other = new_cadre(api)
    r = api.patch("admin", f"/api/v1/users/{users[username]['id']}", json={"cadre_id": other["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["cadre_id"] == other["id"]
    # a cadre login names its cadre: unlinking it, a cadre login without one, a cadre key are refused
    assert_problem(
        api.patch("admin", f"/api/v1/users/{users[username]['id']}", json={"cadre_id": None}),
        422,
        "user.cadre_required",
        "/cadre_id",
    )
    unlinked = {"username": "cadre_none", "password": "fupin-demo", "display_name": "x", "roles": ["cadre"]}
    assert_problem(
        api.post("admin", "/api/v1/users", json={**unlinked, "region_code": "220382102000"}),
        422,
        "user.cadre_required",
        "/cadre_id",
    )
    key = {"name": "干部密钥", "roles": ["cadre"], "region_code": "220382102000"}
    assert_problem(api.post("admin", "/api/v1/api-keys", json=key), 422, "api_key.cadre_role", "/roles")
    # the login must see its own cadre: a cadre serving the township cannot be linked to a village's login
    township_cadre = new_cadre(api)
    village_login = {**unlinked, "username": "cadre_village", "region_code": factories.DEMO_VILLAGE}
    assert_problem(
        api.post("admin", "/api/v1/users", json={**village_login, "cadre_id": township_cadre["id"]}),
        422,
        "user.cadre_outside_region",
        "/cadre_id",
    )
    bad = api.post(
        "admin",
        "/api/v1/users",
        json={
            "username": "cadre_bad",
            "password": "fupin-demo",
            "display_name": "x",
            "roles": ["cadre"],
            "region_code": "220382102000",
            "cadre_id": "00000000-0000-4000-8000-000000000000",
        },
    )
    assert_problem(bad, 422, "cadre.unknown", "/cadre_id")
    assert_problem(
        api.patch(
            "admin", f"/api/v1/users/{users[username]['id']}", json={"cadre_id": "00000000-0000-4000-8000-000000000000"}
        ),
        422,
        "cadre.unknown",
        "/cadre_id",
    )
    assert (
        api.patch("township", f"/api/v1/users/{users[username]['id']}", json={"display_name": "x"}).status_code == 403
    )


# ---------------------------------------------------------------- demo seed


def test_demo_seed_makes_the_failures_visible(api: Api, database_url: str) -> None:
    from fupin.seed.bulk import sync_engine
    from fupin.seed.cadres import DEMO_FIRST_SECRETARY, seed_cadres

    engine = sync_engine(database_url)
    with engine.begin() as conn:
        added = seed_cadres(conn, date.today())
        assert seed_cadres(conn, date.today()) == 0  # once
    engine.dispose()
    assert added > 0
    kinds = {c["kind"] for c in api.get("township", "/api/v1/cadres", params={"limit": 200}).json()["items"]}
    assert kinds == {"paired", "first_secretary", "work_team"}
    listed = api.get("township", "/api/v1/households", params={"region": "220382102000", "limit": 80}).json()["items"]
    village = [h for h in listed if h["status"] != "removed"]
    assert len(village) > 20
    pairings = [api.get("township", f"/api/v1/households/{h['id']}/cadres").json()["items"] for h in village]
    paired = [any(a["kind"] == "paired" and a["current"] for a in items) for items in pairings]
    assert any(paired) and not all(paired)  # some households have no pairing
    visits = [api.get("township", f"/api/v1/households/{h['id']}/visits").json()["items"] for h in village]
    assert any(visits) and not all(visits)  # some households were never visited
    by_secretary = [any(v["cadre_kind"] == "first_secretary" for v in items) for items in visits]
    assert not all(by_secretary)  # some never by their first secretary
    secretaries = [
        c
        for c in api.get("township", "/api/v1/cadres", params={"kind": "first_secretary", "limit": 200}).json()["items"]
    ]
    year = date.today().year
    below = [
        api.get("township", f"/api/v1/cadres/{c['id']}/residency", params={"year": year}).json()["below_required"]
        for c in secretaries
    ]
    if date.today() > date(year, 1, 20):  # pro rata needs some of the year to have passed
        assert any(below) and not all(below)
    # the demo login `cadre` is the demo village's first secretary and logs a visit in its village
    token = api.client.post("/api/v1/auth/token", data={"username": "cadre", "password": "fupin-demo"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.client.get("/api/v1/me", headers=headers).json()["cadre_id"] == str(DEMO_FIRST_SECRETARY)
    r = api.client.post(
        "/api/v1/visits",
        headers=headers,
        json={
            "cadre_id": str(DEMO_FIRST_SECRETARY),
            "household_id": village[0]["id"],
            "visited_on": days_ago(0),
            "content": "走访",
        },
    )
    assert r.status_code == 201, r.text


def test_a_pairing_with_an_end_date_still_ends_the_current_one(api: Api) -> None:
    household = households(api, 1)[0]
    first, second = new_cadre(api), new_cadre(api)
    assign(api, first["id"], household_id=household["id"], starts_on=days_ago(60))
    assign(
        api,
        second["id"],
        household_id=household["id"],
        starts_on=days_ago(10),
        ends_on=f"{date.today().year + 1}-12-31",
    )
    pairings = api.get("township", f"/api/v1/households/{household['id']}/cadres").json()
    held = [p for p in (pairings.get("items") or pairings.get("pairings") or []) if p["ends_on"] == days_ago(10)]
    assert [p["cadre_id"] for p in held] == [first["id"]], pairings
