"""The adjustment window (年度调整): locked household fields and status moves wait as pending changes outside an open
window, apply inside one, by a privileged override with a reason, or by the adjustments.apply job when a window
opens; pending changes are scoped, cancellable and audited; bad input changes nothing."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from fupin.core.db import make_engine
from fupin.core.readpath import ReadPath
from fupin.jobs.worker import Worker
from fupin.seed.adjustments import closed_window_dates, seed_adjustments
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, app_settings, assert_problem

HH = "/api/v1/households"
WINDOWS = "/api/v1/adjustment-windows"
PENDING = "/api/v1/pending-changes"
TODAY = date(2026, 6, 15)
CLOSED = {"year": 2026, "opens_on": "2026-12-20", "closes_on": "2027-01-31", "note": "2026年度动态调整"}
OPEN = {"year": 2026, "opens_on": "2026-06-01", "closes_on": "2026-06-30"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A fixed today for the adjustment calendar; the tests run the job worker themselves."""
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


def drain(url: str) -> int:
    async def run() -> int:
        engine = make_engine(url, 2)
        read = ReadPath(url, pool_size=2)
        await read.open()
        try:
            return await Worker(engine, read, worker_id="adjust-test").drain()
        finally:
            await read.close()
            await engine.dispose()

    return asyncio.run(run())


def create_household(api: Api, user: str = "township", **overrides: Any) -> dict[str, Any]:
    r = api.post(user, HH, json=factories.household(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def window(api: Api, body: dict[str, Any], user: str = "city_office") -> dict[str, Any]:
    r = api.post(user, WINDOWS, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def version_of(api: Api, hid: str, user: str = "township") -> dict[str, str]:
    return {"If-Match": api.get(user, f"{HH}/{hid}").headers["ETag"]}


def patch(api: Api, hid: str, body: dict[str, Any], user: str = "township") -> Any:
    return api.patch(user, f"{HH}/{hid}", json=body, headers=version_of(api, hid, user))


def transition(api: Api, hid: str, body: dict[str, Any], user: str = "county_office") -> Any:
    return api.post(user, f"{HH}/{hid}/status-transitions", json=body, headers=version_of(api, hid, user))


def trail(api: Api, hid: str) -> list[dict[str, Any]]:
    return api.get("township", f"{HH}/{hid}/audit-events").json()["items"]


def test_locked_patch_outside_the_window_waits_and_the_rest_applies(api: Api) -> None:
    h = create_household(api)
    hid = h["id"]
    w = window(api, CLOSED)
    assert w["is_open"] is False and w["region_code"] == "220300000000" and w["apply_job_id"] is None
    assert api.get("village", WINDOWS).json()["items"][0]["id"] == w["id"]  # every area user reads it
    r = patch(api, hid, {"attribute": "dibao", "address": "5组9号", "identification_standard": "national"})
    assert r.status_code == 202, r.text
    pending = r.json()["pending_change"]
    assert r.headers["Location"] == f"{PENDING}/{pending['id']}"
    assert pending["household_id"] == hid and pending["household_number"] == h["household_number"]
    assert pending["kind"] == "update" and pending["state"] == "pending"
    assert pending["changes"] == {"attribute": "dibao"}  # the same standard sent again is no change
    assert pending["base"] == {"attribute": "general"}
    assert pending["requested_by"]["name"] == "卧虎镇扶贫工作站"
    now = api.get("township", f"{HH}/{hid}")
    assert now.json()["attribute"] == "general" and now.json()["address"] == "5组9号"
    assert r.headers["ETag"] == now.headers["ETag"]
    assert api.get("township", f"{PENDING}/{pending['id']}").json() == pending
    actions = [e["action"] for e in trail(api, hid)]
    assert "pending_change.requested" in actions and "household.updated" in actions
    feed = api.get("county_office", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert any(i["entity_type"] == "pending_change" and i["entity_id"] == pending["id"] for i in feed)
    # a second request for the same field waits for the first to be decided
    again = patch(api, hid, {"attribute": "tekun"})
    assert_problem(again, 409, "pending_change.exists", "/attribute")
    # a patch of only unlocked fields is an ordinary update
    ok = patch(api, hid, {"phone": "13900000000"})
    assert ok.status_code == 200 and ok.json()["attribute"] == "general"


def test_locked_transition_outside_the_window_is_checked_then_waits(api: Api) -> None:
    h = create_household(api)
    hid = h["id"]
    window(api, CLOSED)
    # checked in full up front: the graph, the guards, the codes
    assert_problem(
        transition(api, hid, {"to_status": "returned", "reason": "返贫了"}), 409, "household.transition_not_allowed"
    )
    assert transition(api, hid, {"to_status": "removed", "reason": "识别不精准"}, user="township").status_code == 403
    r = transition(api, hid, {"to_status": "exited_with_policy", "reason": "达标", "year": 2020})
    assert_problem(r, 422, "household.exit_criteria_not_met")
    assert_problem(
        transition(api, hid, {"to_status": "gone", "reason": "x" * 3}), 422, "validation_failed", "/to_status"
    )
    assert api.get("township", PENDING).json()["items"] == []
    r = transition(api, hid, {"to_status": "removed", "reason": "识别不精准, 经核查注销"})
    assert r.status_code == 202, r.text
    pending = r.json()["pending_change"]
    assert pending["kind"] == "transition" and pending["base"] == {"status": "not_exited"}
    assert pending["changes"] == {"to_status": "removed", "reason": "识别不精准, 经核查注销", "year": None}
    assert api.get("township", f"{HH}/{hid}").json()["status"] == "not_exited"
    assert [s["to_status"] for s in api.get("township", f"{HH}/{hid}/status-history").json()["items"]] == ["not_exited"]


def test_inside_an_open_window_locked_changes_apply(api: Api) -> None:
    h = create_household(api)
    w = window(api, OPEN)
    assert w["is_open"] is True and w["apply_job_id"]  # opening queued the apply job
    r = patch(api, h["id"], {"attribute": "tekun"})
    assert r.status_code == 200 and r.json()["attribute"] == "tekun"
    r = transition(api, h["id"], {"to_status": "removed", "reason": "识别不精准, 经核查注销"})
    assert r.status_code == 200 and r.json()["status"] == "removed"


def test_without_any_window_nothing_is_locked(api: Api) -> None:
    h = create_household(api)
    assert api.get("township", WINDOWS).json() == {"items": []}
    r = patch(api, h["id"], {"attribute": "dibao"})
    assert r.status_code == 200 and r.json()["attribute"] == "dibao"


def test_override_needs_the_permission_and_is_audited(api: Api) -> None:
    h = create_household(api)
    hid = h["id"]
    window(api, CLOSED)
    body = {"attribute": "dibao", "override_reason": "省里通知紧急更正"}
    assert_problem(patch(api, hid, body), 403, "adjustment.override_forbidden")
    assert_problem(patch(api, hid, {**body, "override_reason": "短"}), 422, "validation_failed", "/override_reason")
    assert api.get("township", f"{HH}/{hid}").json()["attribute"] == "general"
    r = patch(api, hid, body, user="city_office")
    assert r.status_code == 200 and r.json()["attribute"] == "dibao"
    event = next(e for e in trail(api, hid) if e["action"] == "household.updated")
    assert event["changes"]["override_reason"] == [None, "省里通知紧急更正"]
    assert event["changes"]["attribute"] == ["general", "dibao"]
    # transitions: the same rule
    move = {"to_status": "removed", "reason": "识别不精准", "override_reason": "经市办批准注销"}
    assert_problem(transition(api, hid, move), 403, "adjustment.override_forbidden")
    r = transition(api, hid, move, user="city_office")
    assert r.status_code == 200 and r.json()["status"] == "removed"
    changed = next(e for e in trail(api, hid) if e["action"] == "household.status_changed")
    assert changed["changes"]["override_reason"] == [None, "经市办批准注销"]
    assert api.get("township", PENDING).json()["items"] == []


def test_refused_override_changes_nothing(api: Api, unchanged: Any) -> None:
    h = api.first_household()
    r = api.patch(
        "township",
        f"{HH}/{h['id']}",
        json={"address": "x", "override_reason": "没有权限的人"},
        headers={"If-Match": f'"{h["version"]}"'},
    )
    assert_problem(r, 403, "adjustment.override_forbidden")


def test_cancel_by_the_requester_or_a_manager_only_while_pending(api: Api) -> None:
    h = create_household(api)
    window(api, CLOSED)
    pending = patch(api, h["id"], {"attribute": "dibao"}).json()["pending_change"]
    url = f"{PENDING}/{pending['id']}/cancel"
    assert_problem(api.post("village", url, json={"reason": "不是我提的"}), 403, "pending_change.not_requester")
    assert_problem(api.post("township", url, json={"reason": ""}), 422, "validation_failed", "/reason")
    r = api.post("township", url, json={"reason": "填错了"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled" and r.json()["reason"] == "填错了" and r.json()["decided_at"]
    assert r.json()["version"] == pending["version"] + 1
    assert_problem(api.post("city_office", url, json={"reason": "再取消"}), 409, "pending_change.not_pending")
    assert "pending_change.cancelled" in [e["action"] for e in trail(api, h["id"])]
    # a manager cancels another's request
    second = patch(api, h["id"], {"attribute": "tekun"}).json()["pending_change"]
    r = api.post("city_office", f"{PENDING}/{second['id']}/cancel", json={"reason": "市办退回"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    states = api.get("township", PENDING, params={"state": "cancelled", "household_id": h["id"]}).json()["items"]
    assert [p["id"] for p in states] == [second["id"], pending["id"]]
    assert api.get("township", PENDING, params={"state": "pending", "household_id": h["id"]}).json()["items"] == []


def test_apply_job_applies_and_marks_the_failed_ones(api: Api, database_url: str) -> None:
    a = create_household(api)
    b = create_household(api)
    c = create_household(api)
    w = window(api, CLOSED)
    assert_problem(api.post("city_office", f"{WINDOWS}/{w['id']}/apply"), 409, "adjustment_window.closed")
    to_fail = patch(api, a["id"], {"attribute": "dibao"}).json()["pending_change"]
    to_apply = transition(api, b["id"], {"to_status": "removed", "reason": "识别不精准, 经核查注销"}).json()
    both = patch(api, c["id"], {"identification_standard": "province", "attribute": "tekun"})
    assert both.json()["pending_change"]["changes"] == {"attribute": "tekun", "identification_standard": "province"}
    # meanwhile a's attribute is corrected by an override: its pending change was asked against another value
    r = patch(api, a["id"], {"attribute": "tekun", "override_reason": "紧急更正属性"}, user="city_office")
    assert r.status_code == 200
    # the window moves to open today: the apply job is queued with it
    r = api.patch("city_office", f"{WINDOWS}/{w['id']}", json=OPEN, headers={"If-Match": f'"{w["version"]}"'})
    assert r.status_code == 200, r.text
    opened = r.json()
    assert opened["is_open"] is True and opened["apply_job_id"]
    assert drain(database_url) == 1
    job = api.get("city_office", f"/api/v1/jobs/{opened['apply_job_id']}").json()
    assert job["kind"] == "adjustments.apply" and job["state"] == "succeeded", job
    assert job["report"] == {"applied": 2, "failed": 1}
    assert job["progress"]["done"] == 3 and job["progress"]["total"] == 3
    failed = api.get("township", f"{PENDING}/{to_fail['id']}").json()
    assert failed["state"] == "failed" and failed["error"].startswith("pending_change.base_moved")
    assert api.get("township", f"{HH}/{a['id']}").json()["attribute"] == "tekun"
    applied = api.get("township", f"{PENDING}/{to_apply['pending_change']['id']}").json()
    assert applied["state"] == "applied" and applied["decided_at"]
    assert api.get("township", f"{HH}/{b['id']}").json()["status"] == "removed"
    c_now = api.get("township", f"{HH}/{c['id']}").json()
    assert (c_now["identification_standard"], c_now["attribute"]) == ("province", "tekun")
    actions = [e["action"] for e in trail(api, b["id"])]
    assert "household.status_changed" in actions and "pending_change.applied" in actions
    assert "pending_change.failed" in [e["action"] for e in trail(api, a["id"])]
    # applied ones cannot be cancelled
    r = api.post("city_office", f"{PENDING}/{applied['id']}/cancel", json={"reason": "晚了"})
    assert_problem(r, 409, "pending_change.not_pending")
    # applying again while open: 202 with the job; nothing is left to do
    r = api.post("city_office", f"{WINDOWS}/{w['id']}/apply")
    assert r.status_code == 202 and r.headers["Location"] == f"/api/v1/jobs/{r.json()['id']}"
    assert drain(database_url) == 1
    assert api.get("city_office", f"/api/v1/jobs/{r.json()['id']}").json()["report"] == {"applied": 0, "failed": 0}


def test_pending_changes_stay_in_their_area(api: Api) -> None:
    h = create_household(api)
    window(api, CLOSED)
    pending = patch(api, h["id"], {"attribute": "dibao"}).json()["pending_change"]
    assert [p["id"] for p in api.get("township", PENDING).json()["items"]] == [pending["id"]]
    assert api.get("county_office", PENDING).json()["items"][0]["id"] == pending["id"]
    assert api.get("township2", PENDING).json()["items"] == []
    assert api.get("township2", PENDING, params={"household_id": h["id"]}).json()["items"] == []
    assert_problem(api.get("township2", f"{PENDING}/{pending['id']}"), 404, "not_found")
    r = api.post("township2", f"{PENDING}/{pending['id']}/cancel", json={"reason": "越权取消"})
    assert_problem(r, 404, "not_found")
    assert api.get("township", f"{PENDING}/{pending['id']}").json()["state"] == "pending"
    # only managers configure windows
    assert_problem(api.post("township", WINDOWS, json=CLOSED), 403, "forbidden")


def test_pending_list_pages_with_a_cursor(api: Api) -> None:
    window(api, CLOSED)
    made = []
    for _ in range(3):
        h = create_household(api)
        made.append(patch(api, h["id"], {"attribute": "dibao"}).json()["pending_change"]["id"])
    first = api.get("township", PENDING, params={"limit": 2}).json()
    assert [p["id"] for p in first["items"]] == made[::-1][:2] and first["next_cursor"]
    rest = api.get("township", PENDING, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    assert_problem(api.get("township", PENDING, params={"cursor": "forged.x"}), 400, "invalid_cursor")
    assert_problem(api.get("township", PENDING, params={"state": "done"}), 422, "validation_failed")


def test_bad_windows_change_nothing(api: Api, unchanged: Any) -> None:
    bad = {**CLOSED, "opens_on": "2027-02-01"}
    body = assert_problem(api.post("city_office", WINDOWS, json=bad), 422, "validation_failed", "/closes_on")
    assert body["errors"][0]["code"] == "adjustment_window.closes_before_opens"
    assert_problem(api.post("city_office", WINDOWS, json={**CLOSED, "opens_on": "soon"}), 422, "validation_failed")
    assert_problem(api.post("city_office", WINDOWS, json={**CLOSED, "year": 1999}), 422, "validation_failed", "/year")


def test_overlapping_windows_and_bad_updates(api: Api) -> None:
    w = window(api, CLOSED)
    # the same dates for the whole system (admin) contain the city's window: 409
    clash = {"year": 2026, "opens_on": "2027-01-15", "closes_on": "2027-02-15"}
    assert_problem(api.post("admin", WINDOWS, json=clash), 409, "adjustment_window.overlap", "/opens_on")
    assert_problem(api.post("city_office", WINDOWS, json=clash), 409, "adjustment_window.overlap")
    later = window(api, {"year": 2027, "opens_on": "2027-12-20", "closes_on": "2028-01-31"})
    url = f"{WINDOWS}/{later['id']}"
    headers = {"If-Match": f'"{later["version"]}"'}
    r = api.patch("city_office", url, json={"opens_on": "2027-01-01"}, headers=headers)
    assert_problem(r, 409, "adjustment_window.overlap")
    r = api.patch("city_office", url, json={"closes_on": "2027-12-01"}, headers=headers)
    assert_problem(r, 422, "adjustment_window.closes_before_opens", "/closes_on")
    assert_problem(api.patch("city_office", url, json={"year": None}, headers=headers), 422, "required", "/year")
    assert_problem(api.patch("city_office", url, json={"note": "x"}), 428, "precondition_required")
    assert_problem(
        api.patch("city_office", url, json={"note": "x"}, headers={"If-Match": '"9"'}), 412, "precondition_failed"
    )
    items = api.get("city_office", WINDOWS).json()["items"]
    assert [(i["id"], i["version"]) for i in items] == [(later["id"], 1), (w["id"], 1)]
    r = api.patch("city_office", url, json={"note": "2027年度"}, headers=headers)
    assert r.status_code == 200 and r.json()["note"] == "2027年度" and r.json()["apply_job_id"] is None
    # a whole-system window is read by the city, changed only by the whole system
    national = window(api, {"year": 2029, "opens_on": "2029-12-20", "closes_on": "2030-01-31"}, user="admin")
    assert national["region_code"] is None
    assert national["id"] in [i["id"] for i in api.get("township", WINDOWS).json()["items"]]
    r = api.patch("city_office", f"{WINDOWS}/{national['id']}", json={"note": "x"}, headers={"If-Match": '"1"'})
    assert_problem(r, 403, "adjustment_window.outside_area")
    assert_problem(
        api.patch("admin", f"{WINDOWS}/00000000-0000-0000-0000-000000000000", json={}, headers=headers),
        404,
        "not_found",
    )


def test_demo_seed_has_a_closed_window_and_two_pending_changes(api: Api, database_url: str) -> None:
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        assert seed_adjustments(conn, TODAY) == 2
    with engine.begin() as conn:
        assert seed_adjustments(conn, TODAY) == 0  # once
    engine.dispose()
    windows = api.get("village", WINDOWS).json()["items"]
    assert [(w["year"], w["opens_on"], w["closes_on"], w["is_open"]) for w in windows] == [
        (2026, "2026-12-20", "2027-01-31", False)
    ]
    assert closed_window_dates(date(2026, 12, 25))[0] == 2027
    items = api.get("township", PENDING, params={"state": "pending"}).json()["items"]
    assert sorted(p["kind"] for p in items) == ["transition", "update"]
    assert all(p["requested_by"]["name"] == "卧虎镇扶贫工作站" for p in items)
    assert api.get("township2", PENDING).json()["items"] == []
    hid = items[0]["household_id"]
    assert "pending_change.requested" in [e["action"] for e in trail(api, hid)]
    # the demo township's login is their requester
    r = api.post("township", f"{PENDING}/{items[0]['id']}/cancel", json={"reason": "演示取消"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    # and they apply once the window opens
    r = api.patch(
        "city_office", f"{WINDOWS}/{windows[0]['id']}", json=OPEN, headers={"If-Match": f'"{windows[0]["version"]}"'}
    )
    assert r.status_code == 200 and r.json()["apply_job_id"]
    assert drain(database_url) == 1
    assert api.get("township", f"{PENDING}/{items[1]['id']}").json()["state"] == "applied"


@pytest.fixture
def closed_window(api: Api) -> dict[str, Any]:
    return window(api, CLOSED)


def test_invalid_locked_changes_are_refused_not_queued(api: Api, closed_window: dict[str, Any], unchanged: Any) -> None:
    h = api.first_household(status=["not_exited"])
    url = f"{HH}/{h['id']}"
    current = {"If-Match": f'"{h["version"]}"'}
    r = api.patch("township", url, json={"attribute": "bogus", "address": "x"}, headers=current)
    assert_problem(r, 422, "validation_failed", "/attribute")
    assert_problem(api.patch("township", url, json={"attribute": None}, headers=current), 422, "validation_failed")
    r = api.patch("township", url, json={"attribute": "dibao", "override_reason": "短"}, headers=current)
    assert_problem(r, 422, "validation_failed", "/override_reason")
    stale = api.patch("township", url, json={"attribute": "dibao"}, headers={"If-Match": f'"{h["version"] + 5}"'})
    assert_problem(stale, 412, "precondition_failed")
    moves = f"{url}/status-transitions"
    r = api.post("county_office", moves, json={"to_status": "gone", "reason": "未知"}, headers=current)
    assert_problem(r, 422, "validation_failed", "/to_status")
    r = api.post("county_office", moves, json={"to_status": "returned", "reason": "返贫了"}, headers=current)
    assert_problem(r, 409, "household.transition_not_allowed", "/to_status")
    r = api.post("county_office", moves, json={"to_status": "exited_with_policy", "reason": "达标"}, headers=current)
    assert_problem(r, 422, "required", "/year")
    r = api.post("township", moves, json={"to_status": "removed", "reason": "识别不精准"}, headers=current)
    assert_problem(r, 403, "forbidden")
    unknown = f"{PENDING}/00000000-0000-0000-0000-000000000000"
    assert_problem(api.get("township", unknown), 404, "not_found")
    assert_problem(api.post("township", f"{unknown}/cancel", json={"reason": "没有"}), 404, "not_found")
    w_url = f"{WINDOWS}/{closed_window['id']}"
    r = api.patch("city_office", w_url, json={"opens_on": "2027-03-01"}, headers={"If-Match": '"1"'})
    assert_problem(r, 422, "adjustment_window.closes_before_opens", "/closes_on")
    assert_problem(api.post("city_office", f"{w_url}/apply"), 409, "adjustment_window.closed")
    assert_problem(api.post("township", f"{w_url}/apply"), 403, "forbidden")


def test_a_window_opening_by_its_date_applies_what_waited(api: Api, settings: Settings) -> None:
    from fupin.adjustments import clock
    from tests.test_jobs import with_workers

    h = create_household(api)
    window(api, CLOSED)
    r = patch(api, h["id"], {"attribute": "dibao"})
    assert r.status_code == 202, r.text
    pending = r.json()["pending_change"]

    async def look(w: Worker) -> int:
        return await w.run_schedules(force=True)

    assert with_workers(settings.database_url, look) == 0  # still closed: nothing to queue
    clock.configure(settings.model_copy(update={"adjustment_today": date(2026, 12, 21)}))
    try:
        assert with_workers(settings.database_url, look) == 1
        assert with_workers(settings.database_url, look) == 0  # queued once, whoever looks again
        jobs = api.get("city_office", "/api/v1/jobs", params={"kind": "adjustments.apply"}).json()["items"]
        assert len(jobs) == 1 and jobs[0]["owner"]["type"] == "system"
        drain(settings.database_url)
    finally:
        clock.configure(settings)
    assert api.get("township", f"{PENDING}/{pending['id']}").json()["state"] == "applied"
    assert api.get("township", f"{HH}/{h['id']}").json()["attribute"] == "dibao"
