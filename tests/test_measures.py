"""Assistance measures (帮扶措施): create, read, change, transitions, the household's measures, the list; every
write on the household's trail and in the change feed; bad input changes nothing; other areas are a 404."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, assert_problem

M = "/api/v1/measures"
HH = "/api/v1/households"


def body(household_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "household_id": household_id,
        "type": "industry",
        "content": "发放肉牛2头, 参加养殖合作社",
        "year": 2018,
        "amount": "8000.50",
        "planned_on": "2018-10-31",
    }
    data.update(overrides)
    return data


def refused(r: Any, status: int, code: str, pointer: str | None = None) -> dict[str, Any]:
    """A problem whose code is `code`, or a validation problem with `code` at `pointer`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = dict(r.json())
    if problem["code"] != code:
        assert problem["code"] == "validation_failed", problem
        assert any(e["code"] == code for e in problem["errors"]), problem
    if pointer is not None:
        assert pointer in [e["pointer"] for e in problem["errors"]], problem
    return problem


def household(api: Api, user: str = "township") -> dict[str, Any]:
    created = api.post(user, HH, json=factories.household())
    assert created.status_code == 201, created.text
    return dict(created.json())


def create(api: Api, user: str, data: dict[str, Any]) -> dict[str, Any]:
    r = api.post(user, M, json=data)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_create_read_list_and_trail(api: Api) -> None:
    hh = household(api)
    spouse = next(m for m in hh["members"] if not m["is_head"])
    r = api.post("township", M, json=body(hh["id"], member_id=spouse["id"], department="agriculture"))
    assert r.status_code == 201, r.text
    measure = r.json()
    assert r.headers["Location"] == f"{M}/{measure['id']}" and r.headers["ETag"] == '"1"'
    assert measure["household_id"] == hh["id"] and measure["member_id"] == spouse["id"]
    assert measure["amount"] == "8000.50" and measure["status"] == "planned" and measure["version"] == 1
    assert measure["village_code"] == hh["village_code"] and measure["cadre_id"] is None
    got = api.get("township", f"{M}/{measure['id']}")
    assert got.status_code == 200 and got.json() == measure and got.headers["ETag"] == '"1"'
    listed = api.get("township", f"{HH}/{hh['id']}/measures").json()
    assert listed["items"] == [measure]
    page = api.get("township", M, params={"household_id": hh["id"], "include_total": True}).json()
    assert page["items"] == [measure] and page["total"] == 1
    assert api.get("township", M, params={"household_id": hh["id"], "type": "health"}).json()["items"] == []
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    created = [e for e in trail if e["action"] == "measure.created"]
    assert len(created) == 1 and created[0]["changes"]["content"][1] == measure["content"]
    feed = api.get("integration", "/api/v1/changes", params={"limit": 200}).json()["items"]
    entry = [c for c in feed if c["entity_type"] == "measure" and c["entity_id"] == measure["id"]]
    assert entry and entry[-1]["action"] == "created" and entry[-1]["household_id"] == hh["id"]


def test_list_filters_and_keyset_pages(api: Api) -> None:
    hh = household(api)
    made = [
        create(api, "township", body(hh["id"], type=t, year=y, planned_on=f"{y}-06-30"))
        for t, y in (("industry", 2017), ("education", 2018), ("health", 2018), ("water", 2019))
    ]
    query = {"household_id": hh["id"]}
    assert [i["id"] for i in api.get("township", M, params={**query, "year": 2018}).json()["items"]] == [
        made[2]["id"],
        made[1]["id"],
    ]
    dated = api.get("township", M, params={**query, "planned_from": "2018-01-01", "planned_to": "2018-12-31"})
    assert len(dated.json()["items"]) == 2
    seen, cursor = [], None
    while True:
        params = {**query, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.get("township", M, params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [m["id"] for m in reversed(made)]
    assert_problem(api.get("township", M, params={"cursor": "forged.cursor"}), 400, "invalid_cursor")
    refused(
        api.get("township", M, params={"planned_from": "2019-01-01", "planned_to": "2018-01-01"}), 422, "date.range"
    )
    refused(api.get("township", M, params={"type": "magic"}), 422, "code.unknown", "/query/type")


def test_update_with_if_match(api: Api) -> None:
    hh = household(api)
    measure = create(api, "township", body(hh["id"]))
    url = f"{M}/{measure['id']}"
    assert_problem(api.patch("township", url, json={"content": "改"}), 428, "precondition_required")
    assert_problem(
        api.patch("township", url, json={"content": "改"}, headers={"If-Match": '"7"'}), 412, "precondition_failed"
    )
    r = api.patch("township", url, json={"content": "改为养羊10只", "amount": None}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["content"] == "改为养羊10只" and r.json()["amount"] is None and r.json()["version"] == 2
    same = api.patch("township", url, json={"content": "改为养羊10只"}, headers={"If-Match": '"2"'})
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed: no new version
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    assert [e["action"] for e in trail if e["action"].startswith("measure.")].count("measure.updated") == 1


def test_transitions(api: Api) -> None:
    hh = household(api)
    measure = create(api, "township", body(hh["id"]))
    url = f"{M}/{measure['id']}/transitions"
    started = api.post("township", url, json={"to": "in_progress"}, headers={"If-Match": '"1"'})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    assert_problem(
        api.post("township", url, json={"to": "done"}, headers={"If-Match": '"2"'}),
        422,
        "measure.done_on_required",
        "/done_on",
    )
    done = api.post("township", url, json={"to": "done", "done_on": "2018-09-30"}, headers={"If-Match": '"2"'})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["done_on"] == "2018-09-30"
    assert_problem(
        api.post("township", url, json={"to": "cancelled", "reason": "重复登记"}, headers={"If-Match": '"3"'}),
        409,
        "measure.transition_not_allowed",
        "/to",
    )
    other = create(api, "township", body(hh["id"], type="education"))
    other_url = f"{M}/{other['id']}/transitions"
    assert_problem(
        api.post("township", other_url, json={"to": "cancelled"}, headers={"If-Match": '"1"'}),
        422,
        "measure.reason_required",
        "/reason",
    )
    cancelled = api.post(
        "township", other_url, json={"to": "cancelled", "reason": "户已享受同类政策"}, headers={"If-Match": '"1"'}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status_reason"] == "户已享受同类政策"
    assert_problem(
        api.patch("township", f"{M}/{other['id']}", json={"content": "x"}, headers={"If-Match": '"2"'}),
        409,
        "measure.cancelled",
    )
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    assert sum(e["action"] == "measure.status_changed" for e in trail) == 3


def test_created_as_done_needs_a_done_date(api: Api) -> None:
    hh = household(api)
    done = create(api, "township", body(hh["id"], status="done", done_on="2018-05-01"))
    assert done["status"] == "done"


@pytest.mark.parametrize(
    ("change", "status", "code", "pointer"),
    [
        ({"amount": "-1.00"}, 422, "greater_than_equal", "/amount"),
        ({"amount": "1.005"}, 422, "decimal_max_places", "/amount"),
        ({"amount": 12.5}, 201, None, None),  # a JSON number is taken exactly as written
        ({"type": "magic"}, 422, "code.unknown", "/type"),
        ({"department": "police"}, 422, "code.unknown", "/department"),
        ({"year": 1999}, 422, "greater_than_equal", "/year"),
        ({"content": "   "}, 422, "string_too_short", "/content"),
        ({"planned_on": 20181031}, 422, "date.format", "/planned_on"),
        ({"status": "done"}, 422, "measure.done_on_required", "/done_on"),
        ({"done_on": "2018-05-01"}, 422, "measure.done_on_unexpected", "/done_on"),
        ({"status": "done", "done_on": "2099-01-01"}, 422, "date.out_of_range", "/done_on"),
        ({"status": "cancelled"}, 422, "literal_error", "/status"),
        ({"colour": "red"}, 422, "unknown_field", "/colour"),
        ({"source_system": "edu"}, 422, "measure.external_key", "/external_id"),
        ({"cadre_id": "x"}, 422, "uuid_parsing", "/cadre_id"),
        ({"cadre_id": "00000000-0000-0000-0000-000000000000"}, 422, "measure.cadre_unknown", "/cadre_id"),
    ],
)
def test_bad_input_changes_nothing(
    api: Api, measures_state: Any, change: dict[str, Any], status: int, code: str | None, pointer: str | None
) -> None:
    hid = api.first_household()["id"]
    before = measures_state()
    r = api.post("township", M, json=body(hid, **change))
    if status == 201:
        assert r.status_code == 201 and r.json()["amount"] == "12.50"
        return
    refused(r, status, code or "", pointer)
    assert measures_state() == before


def test_refusals_leave_everything(api: Api, db_state: Any, measures_state: Any) -> None:
    hid = api.first_household()["id"]
    other = api.get("township", HH, params={"limit": 2}).json()["items"][1]["id"]
    stranger = api.get("township", f"{HH}/{other}/members").json()["items"][0]["id"]
    other_area = api.first_household("township2")["id"]
    api.token("inspector")
    before = db_state(), measures_state()
    assert_problem(
        api.post("township", M, json=body(hid, member_id=stranger)),
        422,
        "measure.member_not_in_household",
        "/member_id",
    )
    assert_problem(api.post("township", M, json=body("00000000-0000-0000-0000-000000000000")), 404, "not_found")
    assert_problem(api.post("township", M, json=body(other_area)), 404, "not_found")
    assert_problem(api.post("inspector", M, json=body(hid)), 403, "forbidden")
    assert_problem(
        api.post("township", M, content=b'{"household_id": ', headers={"Content-Type": "application/json"}),
        400,
        "malformed_json",
    )
    assert (db_state(), measures_state()) == before


def test_removed_member_and_removed_household_are_409(api: Api, measures_state: Any) -> None:
    hh = household(api)
    spouse = next(m for m in hh["members"] if not m["is_head"])
    removed = api.delete(
        "township",
        f"{HH}/{hh['id']}/members/{spouse['id']}",
        params={"reason": "married_out"},
        headers={"If-Match": '"1"'},
    )
    assert removed.status_code == 204, removed.text
    measure = create(api, "township", body(hh["id"]))
    before = measures_state()
    assert_problem(
        api.post("township", M, json=body(hh["id"], member_id=spouse["id"])),
        409,
        "measure.member_removed",
        "/member_id",
    )
    version = api.get("county_office", f"{HH}/{hh['id']}").headers["ETag"]
    gone = api.post(
        "county_office",
        f"{HH}/{hh['id']}/status-transitions",
        json={"to_status": "removed", "reason": "识别不准, 注销"},
        headers={"If-Match": version},
    )
    assert gone.status_code == 200, gone.text
    before = measures_state()
    assert_problem(api.post("county_office", M, json=body(hh["id"])), 409, "measure.household_removed", "/household_id")
    assert_problem(
        api.patch("county_office", f"{M}/{measure['id']}", json={"content": "改"}, headers={"If-Match": '"1"'}),
        409,
        "measure.household_removed",
    )
    assert measures_state() == before
    # its open measures can still be cancelled
    cancel = api.post(
        "county_office",
        f"{M}/{measure['id']}/transitions",
        json={"to": "cancelled", "reason": "该户已注销"},
        headers={"If-Match": '"1"'},
    )
    assert cancel.status_code == 200, cancel.text


def test_other_area_is_404(api: Api, measures_state: Any) -> None:
    hh = household(api)
    measure = create(api, "township", body(hh["id"]))
    before = measures_state()
    for method, url, kw in (
        ("get", f"{M}/{measure['id']}", {}),
        ("patch", f"{M}/{measure['id']}", {"json": {"content": "越权"}, "headers": {"If-Match": '"1"'}}),
        ("post", f"{M}/{measure['id']}/transitions", {"json": {"to": "in_progress"}, "headers": {"If-Match": '"1"'}}),
        ("get", f"{HH}/{hh['id']}/measures", {}),
    ):
        assert_problem(getattr(api, method)("township2", url, **kw), 404, "not_found")
    assert measure["id"] not in api.get("township2", M, params={"limit": 200}).text
    assert_problem(api.get("township2", M, params={"region": "220382102000"}), 404, "not_found")
    assert measures_state() == before


def test_demo_seed_has_measures_of_every_type(api: Api, database_url: str) -> None:
    from datetime import date

    from fupin.core.code_tables import codes_of
    from fupin.seed.cadres import seed_cadres
    from fupin.seed.measures import seed_measures

    engine = sync_engine(database_url)
    with engine.begin() as conn:
        seed_cadres(conn, date.today())  # as the demo seed does: cadres first, measures name their paired cadre
        added = seed_measures(conn)
        assert added > 50
        assert seed_measures(conn) == 0  # once
    engine.dispose()
    items = api.get("township", M, params={"limit": 200}).json()["items"]
    assert {m["type"] for m in items} == set(codes_of("measure_type"))
    assert {m["status"] for m in items} == set(codes_of("measure_status"))
    assert all(m["done_on"] for m in items if m["status"] == "done")
    # the responsible cadre is the household's current paired cadre
    with_cadre = [m for m in items if m["cadre_id"]]
    assert with_cadre
    for m in with_cadre[:5]:
        pairings = api.get("township", f"{HH}/{m['household_id']}/cadres").json()
        current = [p for p in pairings["items"] if p["kind"] == "paired" and p["current"]]
        assert [p["cadre_id"] for p in current] == [m["cadre_id"]]
    health = api.get("department", M, params={"type": "health", "limit": 200}).json()["items"]
    assert health and {m["department"] for m in health} <= {"health", "disabled"}
    # the seeded measures are in the change feed, like every write
    feed = api.get("integration", "/api/v1/changes", params={"limit": 200}).json()["items"]
    assert any(c["entity_type"] == "measure" and c["action"] == "created" for c in feed)
