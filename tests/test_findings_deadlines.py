"""Deadlines of findings: the daily job flags overdue days (paused days excluded), gives yellow and red warnings,
escalates one level up and keeps the history; pauses; reminders per unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.seed.bulk import sync_engine
from tests.conftest import Api, app_settings
from tests.finding_support import TOWNSHIP, F, fingerprint, raise_finding, refused

TODAY = date(2024, 7, 15)
COUNTY = "220382000000"
CITY = "220300000000"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    def query(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    yield query
    engine.dispose()


def state(db: Any) -> tuple[Any, ...]:
    """What a write of findings, pauses or warnings could touch (the jobs' own records aside)."""
    return (
        *fingerprint(db)[:-2],
        db("SELECT COUNT(*) FROM audit_events WHERE action NOT LIKE 'job.%'"),
        db("SELECT COUNT(*) FROM change_feed WHERE entity_type <> 'job'"),
        db("SELECT COUNT(*) FROM finding_pauses"),
        db("SELECT COUNT(*) FROM finding_escalations"),
        db("SELECT id, overdue_days, warning, escalated_to, paused FROM findings ORDER BY id"),
    )


@pytest.fixture(autouse=True)
def logged_in(api: Api) -> None:
    for user in ("inspector", "township", "township2", "city_office", "county_office"):
        api.token(user)  # a login is itself audited: taken before any fingerprint


def run_on(database_url: str, settings: Settings, day: date) -> int:
    """The daily job as the worker runs it, on `day`; the number of jobs the schedules queued."""
    from fupin.adjustments import clock
    from tests.test_jobs import drain, with_workers

    async def look(w: Any) -> int:
        return int(await w.run_schedules(force=True))

    clock.configure(settings.model_copy(update={"adjustment_today": day}))
    try:
        queued = with_workers(database_url, look)
        drain(database_url)
        return queued
    finally:
        clock.configure(settings)


def forget_jobs(database_url: str) -> None:
    engine = sync_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM jobs WHERE kind = 'findings.deadlines'"))
    finally:
        engine.dispose()


def get(api: Api, fid: str, user: str = "inspector") -> dict[str, Any]:
    r = api.get(user, f"{F}/{fid}")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def history(db: Any, fid: str) -> list[tuple[str, Any, Any, str, int]]:
    rows = db(
        "SELECT e.level, e.from_region, e.to_region, e.on_day, e.overdue_days, f.public_id FROM finding_escalations e "
        "JOIN findings f ON f.id = e.finding_id ORDER BY e.id"
    )
    return [(r[0], r[1], r[2], str(r[3]), r[4]) for r in rows if str(r[5]).replace("-", "") == fid.replace("-", "")]


def test_overdue_yellow_red_and_escalation_steps(api: Api, database_url: str, settings: Settings, db: Any) -> None:
    fid = raise_finding(api, deadline="2024-06-30")["id"]
    closed_like = raise_finding(api, deadline="2024-06-30", description="已移交纪委的问题, 不再计算时限")["id"]
    assert (
        api.post(
            "inspector", f"{F}/{closed_like}/transitions", json={"to": "transferred", "reason": "移交纪委处理"}
        ).status_code
        == 200
    )
    fresh = get(api, fid)
    assert (fresh["overdue_days"], fresh["warning"], fresh["escalated_to"], fresh["paused"]) == (0, None, None, False)

    assert run_on(database_url, settings, date(2024, 7, 1)) == 1
    one = get(api, fid)
    assert (one["overdue_days"], one["warning"], one["escalated_to"]) == (1, None, None)

    run_on(database_url, settings, date(2024, 7, 6))
    assert (get(api, fid)["overdue_days"], get(api, fid)["warning"]) == (6, None)
    run_on(database_url, settings, date(2024, 7, 7))
    seven = get(api, fid)
    assert (seven["overdue_days"], seven["warning"], seven["escalated_to"]) == (7, "yellow", COUNTY)
    assert history(db, fid) == [("yellow", TOWNSHIP, COUNTY, "2024-07-07", 7)]

    before = state(db)
    assert run_on(database_url, settings, date(2024, 7, 7)) == 0  # once a day: nothing queued
    forget_jobs(database_url)  # a second job the same day (as if queued again) changes nothing either
    assert run_on(database_url, settings, date(2024, 7, 7)) == 1
    assert state(db) == before

    run_on(database_url, settings, date(2024, 7, 29))
    assert get(api, fid)["warning"] == "yellow"
    run_on(database_url, settings, date(2024, 7, 30))
    red = get(api, fid)
    assert (red["overdue_days"], red["warning"], red["escalated_to"]) == (30, "red", CITY)
    assert history(db, fid) == [
        ("yellow", TOWNSHIP, COUNTY, "2024-07-07", 7),
        ("red", COUNTY, CITY, "2024-07-30", 30),
    ]
    assert red["region_code"] == TOWNSHIP  # the area stays the township's
    trail = api.get("inspector", f"{F}/{fid}/audit-events").json()["items"]
    actions = [e["action"] for e in trail]
    assert actions.count("finding.warned") == 2 and actions.count("finding.escalated") == 2
    feed = db("SELECT entity_type, action FROM change_feed WHERE entity_type = 'finding' ORDER BY seq")
    assert [a for (_, a) in feed].count("escalated") == 2
    # the transferred finding was never looked at
    other = get(api, closed_like)
    assert (other["overdue_days"], other["warning"]) == (0, None)
    listed = {i["id"]: i for i in api.get("inspector", F).json()["items"]}
    assert (listed[fid]["overdue_days"], listed[fid]["warning"], listed[fid]["escalated_to"]) == (30, "red", CITY)
    # the list filters by warning colour

    def ids(warning: str) -> set[str]:
        return {i["id"] for i in api.get("inspector", F, params={"warning": warning}).json()["items"]}

    assert fid in ids("red") and fid not in ids("yellow") and fid not in ids("none")
    assert closed_like in ids("none") and closed_like not in ids("red")
    assert api.get("inspector", F, params={"warning": "red", "include_total": True}).json()["total"] == len(ids("red"))
    bad = api.get("inspector", F, params={"warning": "green"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"].endswith("warning")


def test_a_second_yellow_is_red(api: Api, database_url: str, settings: Settings, db: Any) -> None:
    fid = raise_finding(api, deadline="2024-06-30")["id"]
    run_on(database_url, settings, date(2024, 7, 8))
    assert get(api, fid)["warning"] == "yellow"
    version = get(api, fid)["version"]
    r = api.patch("inspector", f"{F}/{fid}", json={"deadline": "2024-07-10"}, headers={"If-Match": f'"{version}"'})
    assert r.status_code == 200, r.text
    assert r.json()["overdue_days"] == 5  # the figures follow the new deadline at once (today is 07-15)
    run_on(database_url, settings, date(2024, 7, 12))
    assert (get(api, fid)["overdue_days"], get(api, fid)["warning"]) == (2, None)  # the yellow cleared
    run_on(database_url, settings, date(2024, 7, 17))
    second = get(api, fid)
    assert (second["overdue_days"], second["warning"], second["escalated_to"]) == (7, "red", CITY)
    assert [h[0] for h in history(db, fid)] == ["yellow", "red"]


def test_paused_days_are_not_overdue(api: Api, database_url: str, settings: Settings, db: Any) -> None:
    fid = raise_finding(api, deadline="2024-06-30")["id"]
    r = api.post(
        "inspector",
        f"{F}/{fid}/pauses",
        json={"reason": "等待县自然资源局出具用地意见", "starts_on": "2024-07-03", "waits_on": "县自然资源局"},
    )
    assert r.status_code == 201, r.text
    pause = r.json()
    assert (pause["ends_on"], pause["started_by"]) == (None, pause["started_by"])
    assert get(api, fid)["paused"] is True
    assert (
        api.post(
            "inspector",
            f"{F}/{fid}/pauses",
            json={"reason": "再次暂停", "starts_on": "2024-07-04", "waits_on": "县财政局"},
        ).status_code
        == 409
    )
    before = state(db)
    refused(
        api.post("inspector", f"{F}/{fid}/pauses/{pause['id']}/end", json={"ends_on": "2024-07-02"}),
        422,
        "finding.pause_end_before_start",
        "/ends_on",
    )
    assert api.get("township2", f"{F}/{fid}/pauses").status_code == 404
    assert api.post("township2", f"{F}/{fid}/pauses/{pause['id']}/end", json={"ends_on": "2024-07-09"}).status_code in (
        403,
        404,
    )
    assert state(db) == before
    r = api.post("inspector", f"{F}/{fid}/pauses/{pause['id']}/end", json={"ends_on": "2024-07-09"})
    assert r.status_code == 200, r.text
    assert get(api, fid)["paused"] is False
    # 2024-07-01..15 is 15 days, 07-03..07-09 paused (7 days): 8 overdue
    run_on(database_url, settings, TODAY)
    assert (get(api, fid)["overdue_days"], get(api, fid)["warning"]) == (8, "yellow")
    pauses = api.get("inspector", f"{F}/{fid}/pauses").json()["items"]
    assert [(p["starts_on"], p["ends_on"], p["waits_on"]) for p in pauses] == [
        ("2024-07-03", "2024-07-09", "县自然资源局")
    ]
    actions = [e["action"] for e in api.get("inspector", f"{F}/{fid}/audit-events").json()["items"]]
    assert "finding_pause.started" in actions and "finding_pause.ended" in actions


def test_pauses_refused_change_nothing(api: Api, db: Any) -> None:
    fid = raise_finding(api, deadline="2024-06-30")["id"]
    done = raise_finding(api, deadline="2024-06-30", description="已移交纪委, 不可暂停")["id"]
    assert (
        api.post(
            "inspector", f"{F}/{done}/transitions", json={"to": "transferred", "reason": "移交纪委处理"}
        ).status_code
        == 200
    )
    before = state(db)
    good = {"reason": "等待上级部门答复", "starts_on": "2024-07-03", "waits_on": "市财政局"}
    r = api.post("inspector", f"{F}/{done}/pauses", json=good)
    assert r.status_code == 409 and r.json()["code"] == "finding.closed"
    refused(
        api.post("inspector", f"{F}/{fid}/pauses", json={**good, "starts_on": "2024-07-16"}),
        422,
        "date.out_of_range",
        "/starts_on",
    )
    refused(
        api.post("inspector", f"{F}/{fid}/pauses", json={**good, "starts_on": "2024-02-01"}),
        422,
        "finding.pause_before_raised",
        "/starts_on",
    )
    assert api.post("inspector", f"{F}/{fid}/pauses", json={**good, "waits_on": ""}).status_code == 422
    assert api.post("township", f"{F}/{fid}/pauses", json=good).status_code == 403  # the unit does not pause itself
    assert api.post("township2", f"{F}/{fid}/pauses", json=good).status_code in (403, 404)
    assert api.post("county_office", f"{F}/00000000-0000-0000-0000-000000000000/pauses", json=good).status_code == 404
    assert state(db) == before


def test_reminders_per_unit(api: Api, database_url: str, settings: Settings, db: Any) -> None:
    raise_finding(api, deadline="2024-06-30")  # 35 days overdue on 08-04: red
    raise_finding(api, deadline="2024-07-25")  # 10 days: yellow
    raise_finding(api, deadline="2024-08-03")  # 1 day: overdue
    raise_finding(api, deadline="2024-09-30", responsible_unit="卧虎镇东方红村委会")  # not due
    gone = raise_finding(api, deadline="2024-06-01", description="移交纪委的问题, 不计提醒")["id"]
    assert (
        api.post(
            "inspector", f"{F}/{gone}/transitions", json={"to": "transferred", "reason": "移交纪委处理"}
        ).status_code
        == 200
    )
    run_on(database_url, settings, date(2024, 8, 4))
    r = api.get("township", f"{F}/reminders")
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [
        {
            "responsible_unit": "卧虎镇东方红村委会",
            "open": 1,
            "overdue": 0,
            "yellow": 0,
            "red": 0,
            "nearest_deadline": "2024-09-30",
        },
        {
            "responsible_unit": "卧虎镇人民政府",
            "open": 3,
            "overdue": 3,
            "yellow": 1,
            "red": 1,
            "nearest_deadline": "2024-06-30",
        },
    ]
    assert api.get("township2", f"{F}/reminders").json()["items"] == []
    assert api.get("township2", f"{F}/reminders", params={"region_code": TOWNSHIP}).status_code == 404
    assert api.get("city_office", f"{F}/reminders", params={"region_code": TOWNSHIP}).json() == r.json()
