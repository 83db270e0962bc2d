"""A project's targets (with their kept updates and derived actuals), milestones, beneficiaries and health, through
the API: happy paths, bad input that changes nothing, other areas, the audit trail and the change feed."""

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

TODAY = date(2026, 6, 15)
P = "/api/v1/projects"
M = "/api/v1/measures"
HH = "/api/v1/households"
VILLAGE = "220382102201"  # 东方红村, 卧虎镇
NEIGHBOUR = "220382102202"  # another village of 卧虎镇


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A fixed today for the project rules; the tests run the job worker themselves."""
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
    """A fingerprint of everything a write of targets, milestones or beneficiaries could touch (the logins, which
    are audited themselves, taken first)."""
    for user in ("township", "township2", "village", "auditor"):
        api.token(user)

    def fingerprint() -> tuple[Any, ...]:
        return (
            db("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM project_targets"),
            db("SELECT COUNT(*) FROM project_target_updates"),
            db("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM project_milestones"),
            db("SELECT project_id, household_id FROM project_beneficiaries ORDER BY 1, 2"),
            db("SELECT id, project_id, version FROM measures WHERE project_id IS NOT NULL ORDER BY id"),
            db("SELECT id, health, progress, version FROM projects ORDER BY id"),
            db("SELECT COUNT(*) FROM audit_events"),
            db("SELECT COUNT(*) FROM change_feed"),
        )

    return fingerprint


def project(database_url: str, **kw: Any) -> str:
    return factories.insert_project(database_url, **{"region_codes": [VILLAGE], **kw})


def row(db: Any, project_id: str) -> Any:
    """(health, progress, version) of the project's row (public ids: uuid on PostgreSQL, hex text on SQLite)."""
    import uuid

    rows = {str(r[0]).replace("-", ""): r[1:] for r in db("SELECT public_id, health, progress, version FROM projects")}
    return rows[uuid.UUID(project_id).hex]


def household(api: Api, village: str = VILLAGE, user: str = "township") -> dict[str, Any]:
    r = api.post(user, HH, json=factories.household(village))
    assert r.status_code == 201, r.text
    return r.json()


def actions(db: Any, subject: str) -> list[str]:
    return [r[0] for r in db("SELECT action FROM audit_events WHERE subject_id = :s ORDER BY seq", s=subject)]


def feed(db: Any, entity_type: str) -> list[tuple[str, str]]:
    rows = db("SELECT entity_id, action FROM change_feed WHERE entity_type = :t ORDER BY seq", t=entity_type)
    return [(r[0], r[1]) for r in rows]


def test_targets_keep_every_reported_actual(api: Api, database_url: str, db: Any) -> None:
    pid = project(database_url)
    r = api.post("township", f"{P}/{pid}/targets", json={"metric": "危房改造户数", "unit": "household", "target": 938})
    assert r.status_code == 201, r.text
    target = r.json()
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"{P}/{pid}/targets/{target['id']}"
    assert target == {
        "id": target["id"],
        "metric": "危房改造户数",
        "unit": "household",
        "baseline": "0",
        "target": "938",
        "actual": "0",
        "derived_from": None,
        "progress": "0",
        "version": 1,
        "updates_count": 0,
    }
    url = f"{P}/{pid}/targets/{target['id']}/updates"
    first = api.post("township", url, json={"actual": "400", "as_of": "2026-05-31", "note": "5月底"})
    assert first.status_code == 201, first.text
    second = api.post("village", url, json={"actual": 469.5, "as_of": "2026-06-15"})
    assert second.status_code == 201, second.text
    assert second.json()["previous"] == "400" and second.json()["actual"] == "469.5"
    assert second.json()["actor"]["type"] == "user" and second.json()["actor"]["name"]
    history = api.get("township", url).json()["items"]
    assert [(u["actual"], u["previous"], u["as_of"]) for u in history] == [
        ("469.5", "400", "2026-06-15"),
        ("400", "0", "2026-05-31"),
    ]
    (listed,) = api.get("township", f"{P}/{pid}/targets").json()["items"]
    assert listed["actual"] == "469.5" and listed["updates_count"] == 2 and listed["progress"] == "0.5005"
    assert listed["version"] == 3
    # the project's progress and health are kept on its row
    health, progress, _ = row(db, pid)
    assert health == "on_track" and str(progress).rstrip("0") == "0.5005"
    # the trail of the project and the feed
    assert actions(db, pid) == [
        "project_target.created",
        "project_target.actual_reported",
        "project_target.actual_reported",
    ]
    assert [a for e, a in feed(db, "project_target") if e == target["id"]] == [
        "created",
        "actual_reported",
        "actual_reported",
    ]
    # the definition changes by PATCH, never the actual
    patched = api.patch(
        "township", f"{P}/{pid}/targets/{target['id']}", json={"target": "1000"}, headers={"If-Match": '"3"'}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["target"] == "1000" and patched.json()["actual"] == "469.5"
    assert patched.headers["ETag"] == '"4"'
    refused = api.patch("township", f"{P}/{pid}/targets/{target['id']}", json={"actual": "1"})
    assert_problem(refused, 422, "validation_failed", "/actual")


def test_bad_targets_change_nothing(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url)
    made = api.post("township", f"{P}/{pid}/targets", json={"metric": "饮水人数", "unit": "person", "target": "10"})
    tid = made.json()["id"]
    before = state()
    base = {"metric": "道路", "unit": "km"}
    cases = [
        ({**base, "target": "5", "baseline": "5"}, "project_target.no_change", "/target"),
        ({**base, "target": "196.6001"}, "decimal_max_places", "/target"),
        ({**base, "target": "-1"}, "greater_than_equal", "/target"),
        ({**base, "target": "10", "derived_from": "housing"}, "project_target.derived_unit", "/unit"),
        ({**base, "unit": "furlong", "target": "1"}, "code.unknown", "/unit"),
        ({**base, "target": "1", "actual": "1"}, "unknown_field", "/actual"),
    ]
    for body, code, pointer in cases:
        r = api.post("township", f"{P}/{pid}/targets", json=body)
        assert r.status_code == 422, (body, r.text)
        assert code in {e["code"] for e in r.json()["errors"]} | {r.json()["code"]}, (body, r.text)
        assert pointer in [e["pointer"] for e in r.json()["errors"]], (body, r.text)
    url = f"{P}/{pid}/targets/{tid}/updates"
    assert_problem(api.post("township", url, json={"actual": "1", "as_of": "2026-06-16"}), 422, "date.out_of_range")
    assert_problem(
        api.post("township", url, json={"actual": "1", "as_of": "2025-12-31"}), 422, "project.date_before_start"
    )
    assert_problem(
        api.patch("township", f"{P}/{pid}/targets/{tid}", json={"baseline": "10"}),
        422,
        "project_target.no_change",
        "/baseline",
    )
    stale = api.patch("township", f"{P}/{pid}/targets/{tid}", json={"target": "11"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412, stale.text
    # another township sees no such project
    assert api.get("township2", f"{P}/{pid}/targets").status_code == 404
    assert api.post("township2", url, json={"actual": "1", "as_of": "2026-06-01"}).status_code == 404
    assert state() == before


def test_derived_target_counts_the_linked_done_measures(api: Api, database_url: str, db: Any, state: Any) -> None:
    pid = project(database_url, category="infrastructure", name="危房改造")
    households = [household(api) for _ in range(3)]
    derived = api.post(
        "township",
        f"{P}/{pid}/targets",
        json={"metric": "危房改造户数", "unit": "household", "target": "3", "derived_from": "housing"},
    ).json()
    people = api.post(
        "township",
        f"{P}/{pid}/targets",
        json={"metric": "受益人数", "unit": "person", "target": "6", "derived_from": "housing"},
    ).json()
    assert derived["actual"] == "0" and derived["derived_from"] == "housing"
    measures = []
    for index, hh in enumerate(households):
        body = {
            "household_id": hh["id"],
            "type": "housing" if index < 2 else "water",
            "content": "危房改造",
            "year": 2026,
            "planned_on": "2026-09-30",
            "project_id": pid,
        }
        r = api.post("township", M, json=body)
        assert r.status_code == 201, r.text
        assert r.json()["project_id"] == pid
        measures.append(r.json())
    # the households became beneficiaries, nothing done yet
    assert api.get("township", f"{P}/{pid}/beneficiaries").json()["households"] == 3
    assert {t["actual"] for t in api.get("township", f"{P}/{pid}/targets").json()["items"]} == {"0"}
    done = api.post(
        "township",
        f"{M}/{measures[0]['id']}/transitions",
        json={"to": "done", "done_on": "2026-06-10"},
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200, done.text
    assert done.json()["project_id"] == pid
    water_done = api.post(
        "township",
        f"{M}/{measures[2]['id']}/transitions",
        json={"to": "done", "done_on": "2026-06-10"},
        headers={"If-Match": '"1"'},
    )
    assert water_done.status_code == 200, water_done.text
    figures = {t["id"]: t for t in api.get("township", f"{P}/{pid}/targets").json()["items"]}
    assert figures[derived["id"]]["actual"] == "1"  # the water measure is not housing
    assert figures[people["id"]]["actual"] == str(households[0]["member_count"])
    _, progress, _ = row(db, pid)
    assert progress is not None and float(progress) > 0
    # never reported by hand; reading counts without writing
    before = state()
    assert api.get("township", f"{P}/{pid}/targets").json()["items"][0]["actual"] == "1"
    refused = api.post(
        "township", f"{P}/{pid}/targets/{derived['id']}/updates", json={"actual": "3", "as_of": "2026-06-15"}
    )
    assert_problem(refused, 409, "project_target.derived")
    assert state() == before
    # the measure list names the project
    page = api.get("township", M, params={"household_id": households[0]["id"]}).json()["items"]
    assert page[0]["project_id"] == pid


def test_measures_name_only_projects_of_their_area_and_village(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url)
    other = factories.insert_project(database_url, region_codes=["220382101201"])  # 双山镇
    here = household(api)
    neighbour = household(api, NEIGHBOUR)
    measure = api.post(
        "township",
        M,
        json={"household_id": here["id"], "type": "water", "content": "改水", "year": 2026, "planned_on": "2026-08-01"},
    ).json()
    before = state()
    body = {
        "household_id": neighbour["id"],
        "type": "water",
        "content": "改水",
        "year": 2026,
        "planned_on": "2026-08-01",
    }
    assert_problem(
        api.post("township", M, json={**body, "project_id": pid}), 422, "measure.project_outside", "/project_id"
    )
    assert_problem(
        api.post("township", M, json={**body, "project_id": other}), 422, "measure.project_unknown", "/project_id"
    )
    assert_problem(
        api.patch("township", f"{M}/{measure['id']}", json={"project_id": other}, headers={"If-Match": '"1"'}),
        422,
        "measure.project_unknown",
        "/project_id",
    )
    assert state() == before
    linked = api.patch("township", f"{M}/{measure['id']}", json={"project_id": pid}, headers={"If-Match": '"1"'})
    assert linked.status_code == 200, linked.text
    assert linked.json()["project_id"] == pid and linked.json()["version"] == 2
    assert [i["household_id"] for i in api.get("township", f"{P}/{pid}/beneficiaries").json()["items"]] == [here["id"]]
    unlinked = api.patch("township", f"{M}/{measure['id']}", json={"project_id": None}, headers={"If-Match": '"2"'})
    assert unlinked.status_code == 200 and unlinked.json()["project_id"] is None
    # by the department system's key too
    put = api.put(
        "township",
        f"{M}/by-external/walk/p-1",
        json={
            "household_id": here["id"],
            "type": "water",
            "content": "改水",
            "year": 2026,
            "planned_on": "2026-08-01",
            "project_id": pid,
        },
    )
    assert put.status_code == 201 and put.json()["project_id"] == pid


def test_milestones_keep_their_dates_in_order(api: Api, database_url: str, db: Any, state: Any) -> None:
    pid = project(database_url, planned_start_on=date(2026, 3, 1), due_on=date(2026, 12, 31))
    r = api.post("township", f"{P}/{pid}/milestones", json={"name": "开工", "due_on": "2026-03-15"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["position"] == 0 and first["done_on"] is None and r.headers["ETag"] == '"1"'
    second = api.post("township", f"{P}/{pid}/milestones", json={"name": "主体完工", "due_on": "2026-09-30"}).json()
    assert second["position"] == 1
    # 开工 was due on 15 March and is not done: the project is overdue
    assert row(db, pid)[0] == "overdue"
    assert row(db, pid)[1] is not None  # progress from milestones: 0 of 2
    before = state()
    for body, code, pointer in [
        ({"name": "x", "due_on": "2026-02-28"}, "project.date_before_start", "/due_on"),
        ({"name": "x", "due_on": "2026-04-01", "done_on": "2026-06-16"}, "date.out_of_range", "/done_on"),
        ({"name": "x", "due_on": "2026-04-01", "done_on": "2026-02-01"}, "project.date_before_start", "/done_on"),
        ({"name": "x", "due_on": "2026-13-01"}, "date_from_datetime_parsing", "/due_on"),
    ]:
        bad = api.post("township", f"{P}/{pid}/milestones", json=body)
        assert bad.status_code == 422, (body, bad.text)
        assert pointer in [e["pointer"] for e in bad.json()["errors"]], (body, bad.text)
        if not code.startswith("date_from"):
            assert bad.json()["code"] == code
    url = f"{P}/{pid}/milestones/{first['id']}"
    assert api.patch("township", url, json={"done_on": "2026-03-20"}).status_code == 428
    assert api.patch("township", url, json={"done_on": "2026-03-20"}, headers={"If-Match": '"9"'}).status_code == 412
    assert_problem(
        api.patch("township", url, json={"due_on": "2026-01-01"}, headers={"If-Match": '"1"'}),
        422,
        "project.date_before_start",
        "/due_on",
    )
    assert api.patch("township2", url, json={"done_on": "2026-03-20"}, headers={"If-Match": '"1"'}).status_code == 404
    assert state() == before
    done = api.patch("township", url, json={"done_on": "2026-03-20"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.json()["done_on"] == "2026-03-20" and done.headers["ETag"] == '"2"'
    health, progress, _ = row(db, pid)
    assert health == "on_track" and float(progress) == 0.5
    listed = api.get("township", f"{P}/{pid}/milestones").json()["items"]
    assert [m["name"] for m in listed] == ["开工", "主体完工"]
    assert actions(db, pid) == ["project_milestone.created", "project_milestone.created", "project_milestone.updated"]
    assert [a for _, a in feed(db, "project_milestone")] == ["created", "created", "updated"]


def test_beneficiaries(api: Api, database_url: str, db: Any, state: Any) -> None:
    pid = project(database_url)
    first, second = household(api), household(api)
    neighbour = household(api, NEIGHBOUR)
    outsider = household(api, "220382101201", user="township2")
    measure = api.post(
        "township",
        M,
        json={
            "household_id": first["id"],
            "type": "industry",
            "content": "养牛",
            "year": 2026,
            "planned_on": "2026-08-01",
        },
    ).json()
    before = state()
    outside = api.post("township", f"{P}/{pid}/beneficiaries", json={"household_ids": [first["id"], neighbour["id"]]})
    assert_problem(outside, 422, "project.beneficiary_outside", "/household_ids/1")
    assert (
        api.post(
            "township", f"{P}/{pid}/beneficiaries", json={"household_ids": [first["id"], outsider["id"]]}
        ).status_code
        == 404
    )
    assert_problem(
        api.post(
            "township",
            f"{P}/{pid}/beneficiaries",
            json={"household_ids": [second["id"]], "measure_ids": [measure["id"]]},
        ),
        422,
        "project.measure_not_beneficiary",
        "/measure_ids/0",
    )
    assert (
        api.post("township2", f"{P}/{pid}/beneficiaries", json={"household_ids": [outsider["id"]]}).status_code == 404
    )
    assert_problem(
        api.post("township", f"{P}/{pid}/beneficiaries", json={"household_ids": []}), 422, "validation_failed"
    )
    assert state() == before

    r = api.post(
        "township",
        f"{P}/{pid}/beneficiaries",
        json={"household_ids": [first["id"], second["id"]], "measure_ids": [measure["id"]]},
    )
    assert r.status_code == 200, r.text
    got = r.json()
    people = first["member_count"] + second["member_count"]
    assert (got["households"], got["people"], got["poor_households"], got["poor_people"]) == (2, people, 2, people)
    by_id = {i["household_id"]: i for i in got["items"]}
    assert by_id[first["id"]]["measure_ids"] == [measure["id"]] and by_id[second["id"]]["measure_ids"] == []
    assert by_id[first["id"]]["head_name"] == "王建国" and by_id[first["id"]]["village_code"] == VILLAGE
    assert by_id[first["id"]]["household_number"] == first["household_number"]
    assert api.get("township", f"{P}/{pid}/beneficiaries").json() == got
    assert api.get("township", f"{M}/{measure['id']}").json()["project_id"] == pid
    # linking again changes nothing
    again = state()
    assert api.post("township", f"{P}/{pid}/beneficiaries", json={"household_ids": [first["id"]]}).status_code == 200
    assert state() == again
    # on the household's trail and in the feed
    trail = [e["action"] for e in api.get("township", f"{HH}/{first['id']}/audit-events").json()["items"]]
    assert "project_beneficiary.linked" in trail and "measure.updated" in trail
    assert [a for _, a in feed(db, "project_beneficiary")] == ["linked", "linked"]

    assert api.delete("township2", f"{P}/{pid}/beneficiaries/{first['id']}").status_code == 404
    assert api.delete("township", f"{P}/{pid}/beneficiaries/{neighbour['id']}").status_code == 404
    gone = api.delete("township", f"{P}/{pid}/beneficiaries/{first['id']}")
    assert gone.status_code == 204, gone.text
    after = api.get("township", f"{P}/{pid}/beneficiaries").json()
    assert after["households"] == 1 and after["items"][0]["household_id"] == second["id"]
    assert api.get("township", f"{M}/{measure['id']}").json()["project_id"] is None
    trail = [e["action"] for e in api.get("township", f"{HH}/{first['id']}/audit-events").json()["items"]]
    assert "project_beneficiary.unlinked" in trail


def test_completed_projects_stay_as_they_were(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url, stage="completed", completed_on=date(2026, 6, 1))
    hh = household(api)
    before = state()
    assert_problem(
        api.post("township", f"{P}/{pid}/targets", json={"metric": "x", "unit": "km", "target": "1"}),
        409,
        "project.closed",
    )
    assert_problem(
        api.post("township", f"{P}/{pid}/milestones", json={"name": "x", "due_on": "2026-03-01"}), 409, "project.closed"
    )
    assert_problem(
        api.post("township", f"{P}/{pid}/beneficiaries", json={"household_ids": [hh["id"]]}), 409, "project.closed"
    )
    assert state() == before
    assert api.get("auditor", f"{P}/{pid}/targets").status_code == 200  # read, not written
    assert api.post("auditor", f"{P}/{pid}/milestones", json={"name": "x", "due_on": "2026-03-01"}).status_code == 403


def test_the_daily_job_recomputes_health_as_dates_pass(
    api: Api, database_url: str, settings: Settings, db: Any
) -> None:
    from fupin.adjustments import clock
    from tests.test_jobs import drain, with_workers

    pid = project(database_url, due_on=date(2026, 6, 30))
    closed = project(database_url, stage="removed", due_on=date(2026, 6, 1))
    api.post("township", f"{P}/{pid}/milestones", json={"name": "完工", "due_on": "2026-06-20"})
    assert row(db, pid)[0] == "at_risk"  # 15 of 180 days left, nothing done

    async def look(w: Any) -> int:
        return int(await w.run_schedules(force=True))

    clock.configure(settings.model_copy(update={"adjustment_today": date(2026, 7, 2)}))
    try:
        assert with_workers(database_url, look) == 1
        assert with_workers(database_url, look) == 0  # once a day
        drain(database_url)
        assert row(db, pid)[0] == "overdue"
        assert row(db, closed)[0] == "on_track"
        jobs = db("SELECT state, done FROM jobs WHERE kind = 'projects.health'")
        assert jobs == [("succeeded", 1)]
        clock.configure(settings.model_copy(update={"adjustment_today": date(2026, 7, 3)}))
        assert with_workers(database_url, look) == 1  # the next day, the next job
    finally:
        clock.configure(settings)


def test_a_batch_of_measures_names_projects_item_by_item(api: Api, database_url: str, db: Any) -> None:
    pid = project(database_url)
    other = factories.insert_project(database_url, region_codes=["220382101201"])  # 双山镇: not the caller's
    first, second = household(api), household(api)
    target = api.post(
        "township",
        f"{P}/{pid}/targets",
        json={"metric": "饮水户数", "unit": "household", "target": "2", "derived_from": "water"},
    ).json()

    def item(hh: dict[str, Any], key: str, project_id: str) -> dict[str, Any]:
        return {
            "household_id": hh["id"],
            "type": "water",
            "content": "改水",
            "year": 2026,
            "planned_on": "2026-05-01",
            "status": "done",
            "done_on": "2026-05-20",
            "project_id": project_id,
            "source_system": "water-bureau",
            "external_id": key,
        }

    items = [item(first, "w-1", pid), item(second, "w-2", pid), item(second, "w-3", other)]
    r = api.post("township", f"{M}/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 201, 422]
    assert results[2]["problem"]["errors"][0]["pointer"] == "/project_id"
    (counted,) = api.get("township", f"{P}/{pid}/targets").json()["items"]
    assert counted["id"] == target["id"] and counted["actual"] == "2" and counted["progress"] == "1"
    assert api.get("township", f"{P}/{pid}/beneficiaries").json()["households"] == 2
    health, progress, _ = row(db, pid)
    assert health == "on_track" and float(progress) == 1


def test_an_import_names_the_project_by_its_id(api: Api, database_url: str) -> None:
    from tests.test_imports import run, to_csv, upload

    pid = project(database_url)
    hh = household(api)
    header = ["系统编号", "外部系统", "外部编号", "措施类型", "措施内容", "年度", "计划日期", "项目编号"]
    rows = [header, [hh["id"], "water-bureau", "imp-1", "饮水", "改水", 2026, "2026-08-01", pid]]
    job = run(api, database_url, upload(api, to_csv(rows), entity="measures"))
    assert job["report"]["created"] == 1, job
    (measure,) = api.get("township", M, params={"household_id": hh["id"]}).json()["items"]
    assert measure["project_id"] == pid
    assert api.get("township", f"{P}/{pid}/beneficiaries").json()["households"] == 1


def test_a_department_writes_only_what_hangs_off_projects_of_its_field(
    api: Api, database_url: str, db: Any, state: Any
) -> None:
    """卫健委 (the demo department login, health) adds targets and milestones to health projects, not to a water
    project of its area: 403 `projects.department_field`, and nothing changes."""
    water = project(database_url, category="water")
    health = project(database_url, category="health")
    api.token("department")
    member_of_village = household(api)["id"]
    before = state()
    for path, body in [
        ("targets", {"metric": "受益人数", "unit": "person", "target": "10"}),
        ("milestones", {"name": "开工", "due_on": "2026-03-15"}),
        ("beneficiaries", {"household_ids": [member_of_village]}),
    ]:
        r = api.post("department", f"{P}/{water}/{path}", json=body)
        assert_problem(r, 403, "projects.department_field")
        assert state() == before, path
    assert api.get("department", f"{P}/{water}/targets").status_code == 200  # reading is the area's
    for path, body in [
        ("targets", {"metric": "签约人数", "unit": "person", "target": "10"}),
        ("milestones", {"name": "开工", "due_on": "2026-03-15"}),
    ]:
        r = api.post("department", f"{P}/{health}/{path}", json=body)
        assert r.status_code == 201, r.text


def test_milestones_and_reported_actuals_name_files_of_their_project(
    api: Api, database_url: str, db: Any, state: Any
) -> None:
    """A milestone and a reported actual keep their evidence: files attached to this project, never another's
    (422 at `/evidence_ids/<i>`, nothing changed)."""
    pid, other = project(database_url), project(database_url)

    def upload(owner: str) -> str:
        r = api.post(
            "township",
            "/api/v1/evidence",
            data={"owner_type": "project", "owner_id": owner},
            files={"file": ("验收照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
        )
        assert r.status_code == 201, r.text
        evidence_id: str = r.json()["id"]
        return evidence_id

    mine, theirs = upload(pid), upload(other)
    target = api.post("township", f"{P}/{pid}/targets", json={"metric": "硬化里程", "unit": "km", "target": "5"})
    assert target.status_code == 201, target.text
    before = state()
    bad_milestone = {"name": "主体完工", "due_on": "2026-05-01", "evidence_ids": [mine, theirs]}
    assert_problem(
        api.post("township", f"{P}/{pid}/milestones", json=bad_milestone),
        422,
        "project.evidence_unknown",
        "/evidence_ids/1",
    )
    report = {"actual": "2.5", "as_of": "2026-06-01", "evidence_ids": [theirs]}
    url = f"{P}/{pid}/targets/{target.json()['id']}/updates"
    assert_problem(api.post("township", url, json=report), 422, "project.evidence_unknown", "/evidence_ids/0")
    assert state() == before
    made = api.post("township", f"{P}/{pid}/milestones", json={**bad_milestone, "evidence_ids": [mine]})
    assert made.status_code == 201, made.text
    assert made.json()["evidence_ids"] == [mine]
    plain = api.post("township", f"{P}/{pid}/milestones", json={"name": "开工", "due_on": "2026-02-01"}).json()
    assert plain["evidence_ids"] == []
    murl = f"{P}/{pid}/milestones/{plain['id']}"
    r = api.patch("township", murl, json={"evidence_ids": [theirs]}, headers={"If-Match": '"1"'})
    assert_problem(r, 422, "project.evidence_unknown", "/evidence_ids/0")
    done = api.patch(
        "township", murl, json={"done_on": "2026-02-03", "evidence_ids": [mine]}, headers={"If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    assert done.json()["evidence_ids"] == [mine]
    changes = db(
        "SELECT changes FROM audit_events WHERE action = 'project_milestone.updated' ORDER BY seq DESC LIMIT 1"
    )[0][0]
    assert "evidence_ids" in str(changes)
    assert api.post("township", url, json={**report, "evidence_ids": [mine]}).status_code == 201
