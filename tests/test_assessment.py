"""The assessment (考核): indicator sets as data, a period computed as a job from the other domains' facts, every
score explained down to its figures and records, rankings per level with the bottom three, freezing, scope and
bad input. The figures are checked against SQL written here, on the same database."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from fupin.config import Settings
from fupin.scoring.compute import rank
from fupin.seed.bulk import sync_engine
from tests import project_support
from tests.cadre_support import assign, households, new_cadre, visit
from tests.conftest import Api, app_settings, assert_problem
from tests.finding_support import TOWNSHIP, VILLAGE, raise_finding
from tests.test_jobs import drain

A = "/api/v1/assessments"
SETS = "/api/v1/assessment-indicator-sets"
YEAR = date.today().year
PERIOD = str(YEAR)
OTHER_TOWNSHIP = "220382101000"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    class Db:
        sqlite = database_url.startswith("sqlite")

        def __call__(self, sql: str, **params: Any) -> list[Any]:
            with engine.begin() as conn:
                result = conn.execute(text(sql), params)
                return list(result.all()) if result.returns_rows else [result.rowcount]

    yield Db()
    engine.dispose()


def registered_in(db: Any, prefix: str) -> int:
    rows = db(
        "SELECT COUNT(*) FROM households WHERE village_code LIKE :p AND status NOT IN ('removed', 'exited_no_policy')",
        p=prefix + "%",
    )
    return int(rows[0][0])


def computed(api: Api, database_url: str, period: str = PERIOD, *, freeze: bool = False) -> dict[str, Any]:
    r = api.post("city_office", f"{A}/{period}/{'freeze' if freeze else 'compute'}")
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/v1/jobs/{r.json()['id']}"
    drain(database_url)
    job: dict[str, Any] = api.get("city_office", f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["state"] == "succeeded", job
    return job


def item(score: dict[str, Any], metric: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in score["items"] if i["metric"] == metric)
    return found


def all_records(api: Api, region: str, indicator: str, user: str = "city_office") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"indicator": indicator, "limit": 7}
        if cursor:
            params["cursor"] = cursor
        r = api.get(user, f"{A}/{PERIOD}/scores/{region}/records", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            assert page["total"] == len(out)
            return out


def facts(api: Api, db: Any) -> dict[str, Any]:
    """In the demo village: two households with a measure this year, one visited, an overdue finding, a late
    milestone, a closed finding found again by 回头看."""
    hh = households(api, 3, region=VILLAGE)
    for h in hh[:2]:
        r = api.post(
            "township",
            "/api/v1/measures",
            json={
                "household_id": h["id"],
                "type": "industry",
                "content": "发放肉牛2头",
                "year": YEAR,
                "amount": "800.00",
                "planned_on": f"{YEAR}-11-30",
            },
        )
        assert r.status_code == 201, r.text
    cadre = new_cadre(api)
    assign(api, cadre["id"], household_id=hh[0]["id"])
    visit(api, cadre["id"], hh[0]["id"])
    start = date(YEAR, 1, 1)
    overdue = raise_finding(
        api, region_code=VILLAGE, raised_on=start.isoformat(), deadline=(start + timedelta(days=20)).isoformat()
    )
    db("UPDATE findings SET overdue_days = 30, warning = 'red' WHERE public_id = :p", p=_uuid(db, overdue["id"]))
    old = raise_finding(api, region_code=VILLAGE, raised_on=start.isoformat(), deadline=f"{YEAR}-03-01")
    again = raise_finding(
        api, region_code=VILLAGE, source="re_inspection", raised_on=start.isoformat(), deadline=f"{YEAR}-12-31"
    )
    db(
        "UPDATE findings SET state = 'closed', closed_on = :d, reopened = :t, "
        "reopened_by_id = (SELECT id FROM findings WHERE public_id = :a) WHERE public_id = :p",
        d=date(YEAR, 2, 1),
        t=True,
        a=_uuid(db, again["id"]),
        p=_uuid(db, old["id"]),
    )
    project = project_support.create(api, region_codes=[VILLAGE], year=YEAR)
    db(
        "INSERT INTO project_milestones (public_id, project_id, position, name, due_on, created_at, version) "
        "SELECT :pid, id, 0, '路基完成', :due, :now, 1 FROM projects WHERE public_id = :p",
        pid=_uuid(db, str(uuid.uuid4())),
        due=date(YEAR, 1, 31),
        now=date(YEAR, 1, 1),
        p=_uuid(db, project["id"]),
    )
    return {"households": hh, "overdue": overdue, "reopened": old, "project": project}


def _uuid(db: Any, public_id: str) -> Any:
    """A public id as the database stores it (SQLite: 32 hex digits; PostgreSQL: uuid)."""
    value = uuid.UUID(public_id)
    return value.hex if db.sqlite else value


def test_rank_shares_places_and_flags_the_last_three() -> None:
    from decimal import Decimal

    scores = [("a", Decimal(90)), ("b", Decimal(80)), ("c", Decimal(80)), ("d", Decimal(70)), ("e", Decimal(60))]
    ranks = rank(scores)
    assert {code: r[0] for code, r in ranks.items()} == {"a": 1, "b": 2, "c": 2, "d": 4, "e": 5}
    # fewer than three below: b and c (two below), d, e; a has four below
    assert {code for code, (_, bottom) in ranks.items() if bottom} == {"b", "c", "d", "e"}
    assert {code for code, (_, bottom) in rank(scores[:2]).items() if bottom} == {"a", "b"}


def test_indicator_sets_are_data_with_checked_rules(api: Api) -> None:
    example = api.get("township", f"{SETS}/{YEAR}").json()
    assert example["stored"] is False and example["total_weight"] == "100"
    assert {i["dimension"] for i in example["indicators"]} == {"减贫成效", "精准识别", "精准帮扶", "扶贫资金"}
    indicators = [{k: v for k, v in i.items() if v is not None} for i in example["indicators"]]
    bad = [{**indicators[0], "rule": "ratio", "target": "1"}, *indicators[1:]]  # a count metric scored as a ratio
    r = api.put("city_office", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": bad})
    assert_problem(r, 422, "validation_failed", "/indicators/0/rule")
    twice = [*indicators, indicators[0]]
    r = api.put("city_office", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": twice})
    assert_problem(r, 422, "validation_failed", f"/indicators/{len(indicators)}/code")
    floor = [{**indicators[1], "floor": "1", "target": "0.5"}]
    assert_problem(
        api.put("city_office", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": floor}),
        422,
        "validation_failed",
        "/indicators/0/floor",
    )
    assert api.put("township", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": indicators}).status_code == 403
    created = api.put("city_office", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": indicators[:3]})
    assert created.status_code == 201, created.text
    assert created.json()["stored"] is True and created.json()["total_weight"] == "52"
    again = api.put("city_office", f"{SETS}/{YEAR}", json={"name": "年度考核", "indicators": indicators})
    assert_problem(again, 428, "precondition_required")
    replaced = api.put(
        "city_office",
        f"{SETS}/{YEAR}",
        json={"name": "年度考核", "indicators": indicators},
        headers={"If-Match": '"1"'},
    )
    assert replaced.status_code == 200 and replaced.json()["version"] == 2
    events = api.get("auditor", "/api/v1/audit-events", params={"action": "assessment_indicators.updated"}).json()
    assert len(events["items"]) == 2


def test_a_period_is_computed_explained_ranked_and_frozen(api: Api, database_url: str, db: Any) -> None:
    made = facts(api, db)
    assert_problem(api.post("township", A, json={"period": PERIOD}), 403, "forbidden")
    r = api.post("city_office", A, json={"period": PERIOD})
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "open" and r.json()["starts_on"] == f"{YEAR}-01-01"
    assert_problem(api.post("city_office", A, json={"period": PERIOD}), 409, "assessment.period_exists", "/period")
    job = computed(api, database_url)
    assert job["report"]["townships"] > 2 and job["report"]["villages"] > 10

    # the village's figures are the register's, counted here by hand
    village = api.get("township", f"{A}/{PERIOD}/scores/{VILLAGE}").json()
    households_in_village = registered_in(db, VILLAGE)
    visits = item(village, "visit_coverage")
    assert (visits["numerator"], visits["denominator"]) == (1, households_in_village)
    assert f"1/{households_in_village} 户" in visits["explanation"]
    measures = item(village, "measure_coverage")
    assert (measures["numerator"], measures["denominator"]) == (2, households_in_village)
    assert item(village, "overdue_findings")["count"] == 1
    assert item(village, "overdue_findings")["score"] == "4.00"  # 6 less 2
    assert item(village, "reopened_findings")["count"] == 1
    assert item(village, "milestone_delays")["count"] == 1 and item(village, "milestone_delays")["score"] == "12.00"
    total = sum(float(i["score"]) for i in village["items"])
    assert float(village["score"]) == pytest.approx(total)
    assert sum(float(v) for v in village["dimensions"].values()) == pytest.approx(total)

    # the township adds up its villages
    township = api.get("township", f"{A}/{PERIOD}/scores/{TOWNSHIP}").json()
    assert township["level"] == "township" and township["region_name"]
    visits_t = item(township, "visit_coverage")
    assert (visits_t["numerator"], visits_t["denominator"]) == (1, registered_in(db, TOWNSHIP[:9]))
    assert item(township, "overdue_findings")["count"] == 1

    # the ranking: best first, ranks among the city's townships, the last three flagged
    city = api.get("city_office", f"{A}/{PERIOD}/rankings", params={"level": "township"}).json()
    scores = [float(i["score"]) for i in city["items"]]
    assert scores == sorted(scores, reverse=True) and city["total"] == len(city["items"])
    assert sum(1 for i in city["items"] if i["bottom_three"]) >= 3
    assert all(i["ranked"] == city["total"] for i in city["items"])
    mine = api.get("township", f"{A}/{PERIOD}/rankings", params={"level": "township"}).json()
    assert [i["region_code"] for i in mine["items"]] == [TOWNSHIP]
    assert mine["items"][0]["rank"] == next(i["rank"] for i in city["items"] if i["region_code"] == TOWNSHIP)

    # the ranking as a file: the same rows, region codes kept as text, the dimensions in the set's order
    xlsx = api.get("city_office", f"{A}/{PERIOD}/rankings/export", params={"level": "township"})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert int(xlsx.headers["X-Fupin-Export-Rows"]) == city["total"]
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    indicators = api.get("city_office", f"{A}/{PERIOD}").json()["indicators"]
    dimensions = list(dict.fromkeys(i["dimension"] for i in indicators))  # the set's order
    assert set(dimensions) == set(city["items"][0]["dimensions"])
    assert table[0] == [
        "排名",
        "参评单位数",
        "区划代码",
        "单位名称",
        "上级区划代码",
        "上级单位",
        "总分",
        *dimensions,
        "末三位",
    ]
    assert [(r[0], r[2], r[6]) for r in table[1:]] == [(i["rank"], i["region_code"], i["score"]) for i in city["items"]]
    assert [r[-1] == "是" for r in table[1:]] == [i["bottom_three"] for i in city["items"]]
    first = city["items"][0]
    assert table[1][7 : 7 + len(dimensions)] == [first["dimensions"][d] for d in dimensions]
    csv = api.get(
        "township",
        f"{A}/{PERIOD}/rankings/export",
        params={"level": "township", "format": "csv", "encoding": "gb18030"},
    )
    lines = csv.content.decode("gb18030").splitlines()
    assert lines[0].startswith("排名,参评单位数,区划代码") and len(lines) == 2 and TOWNSHIP in lines[1]
    bad = api.get("city_office", f"{A}/{PERIOD}/rankings/export", params={"format": "xlsx", "encoding": "gb18030"})
    assert (
        assert_problem(bad, 422, "validation_failed", "/query/encoding")["errors"][0]["code"]
        == "export.encoding_csv_only"
    )
    assert_problem(api.get("city_office", f"{A}/2001/rankings/export"), 404, "not_found")
    assert_problem(api.get("department", f"{A}/{PERIOD}/rankings/export"), 403, "forbidden")
    exports = api.get("auditor", "/api/v1/audit-events", params={"entity_type": "export"}).json()["items"]
    assert [e["changes"]["entity"] for e in exports].count("assessment_ranking") == 2

    # drill-down: the households not visited, every one, the visited one not among them
    not_visited = all_records(api, VILLAGE, "jzbf_visits", user="township")
    assert len(not_visited) == households_in_village - 1
    assert made["households"][0]["id"] not in {r["household_id"] for r in not_visited}
    assert all(r["record_type"] == "household" and r["reasons"] == ["考核期内未走访"] for r in not_visited)
    overdue = all_records(api, TOWNSHIP, "jzbf_overdue")
    assert [r["id"] for r in overdue] == [made["overdue"]["id"]] and overdue[0]["reasons"] == ["逾期未销号"]
    reopened = all_records(api, VILLAGE, "jzbf_reopened")
    assert [r["id"] for r in reopened] == [made["reopened"]["id"]]
    late = all_records(api, VILLAGE, "fpzj_milestones")
    assert late[0]["project_id"] == made["project"]["id"] and "路基完成" in late[0]["label"]

    # freeze: what is published stays, whatever changes afterwards
    frozen_job = computed(api, database_url, freeze=True)
    assert frozen_job["report"]["records_kept"] >= households_in_village
    second = made["households"][1]
    cadre = new_cadre(api)
    assign(api, cadre["id"], household_id=second["id"])
    visit(api, cadre["id"], second["id"])
    assert_problem(api.post("city_office", f"{A}/{PERIOD}/compute"), 409, "assessment.frozen")
    assert_problem(api.post("city_office", f"{A}/{PERIOD}/freeze"), 409, "assessment.frozen")
    after = api.get("township", f"{A}/{PERIOD}/scores/{VILLAGE}").json()
    assert item(after, "visit_coverage")["numerator"] == 1 and after["state"] == "frozen"
    kept = all_records(api, VILLAGE, "jzbf_visits", user="township")
    assert len(kept) == households_in_village - 1 and second["id"] in {r["household_id"] for r in kept}
    period = api.get("village", f"{A}/{PERIOD}").json()
    assert period["state"] == "frozen" and period["frozen_by"] and period["indicators"]
    actions = [
        e["action"]
        for e in api.get("auditor", "/api/v1/audit-events", params={"entity_type": "assessment_period"}).json()["items"]
    ]
    assert sorted(actions) == ["assessment_period.computed", "assessment_period.created", "assessment_period.frozen"]


def test_scope_and_bad_input(api: Api, database_url: str, db: Any) -> None:
    assert api.post("city_office", A, json={"period": PERIOD}).status_code == 201
    assert_problem(api.get("township", f"{A}/{PERIOD}/scores/{VILLAGE}"), 404, "not_found")  # not computed yet
    computed(api, database_url)
    # another township's score and records are outside the demo township's area
    assert_problem(api.get("township", f"{A}/{PERIOD}/scores/{OTHER_TOWNSHIP}"), 404, "not_found")
    r = api.get("township", f"{A}/{PERIOD}/scores/{OTHER_TOWNSHIP}/records", params={"indicator": "jzbf_visits"})
    assert_problem(r, 404, "not_found")
    assert_problem(api.get("village", f"{A}/{PERIOD}/scores/{TOWNSHIP}"), 404, "not_found")
    assert api.get("village", f"{A}/{PERIOD}/scores/{VILLAGE}").status_code == 200
    assert api.get("department", f"{A}/{PERIOD}").status_code == 403
    # bad input
    assert_problem(api.post("city_office", A, json={"period": "2026Q5"}), 422, "validation_failed", "/period")
    assert_problem(api.post("city_office", A, json={"period": PERIOD, "extra": 1}), 422, "validation_failed")
    r = api.get("city_office", f"{A}/{PERIOD}/rankings", params={"level": "county"})
    assert_problem(r, 422, "validation_failed", "/query/level")
    r = api.get("city_office", f"{A}/{PERIOD}/scores/{VILLAGE}/records", params={"indicator": "nope"})
    assert_problem(r, 422, "assessment.unknown_indicator", "/query/indicator")
    r = api.get(
        "city_office", f"{A}/{PERIOD}/scores/{VILLAGE}/records", params={"indicator": "jzbf_visits", "cursor": "x.y"}
    )
    assert_problem(r, 400, "invalid_cursor")
    assert_problem(api.post("city_office", f"{A}/2001/compute"), 404, "not_found")
    later = str(YEAR + 1)
    assert api.post("city_office", A, json={"period": later}).status_code == 201
    assert_problem(api.post("city_office", f"{A}/{later}/compute"), 409, "assessment.not_started")
    assert_problem(api.post("township", f"{A}/{PERIOD}/compute"), 403, "forbidden")
    # an administrator of one county may not compute: the ranking is the city's, and nothing is queued
    manager = {"username": "county_assessor", "password": "fupin-demo", "display_name": "县考核管理员"}
    made = api.post("admin", "/api/v1/users", json={**manager, "roles": ["admin"], "region_code": "220382000000"})
    assert made.status_code == 201, made.text
    queued = db("SELECT count(*) FROM jobs")[0][0]
    for action in ("compute", "freeze"):
        assert_problem(api.post("county_assessor", f"{A}/{PERIOD}/{action}"), 403, "assessment.city_only")
    assert db("SELECT count(*) FROM jobs")[0][0] == queued
    # a second computation while one waits is refused; the first then runs
    assert api.post("city_office", f"{A}/{PERIOD}/compute").status_code == 202
    assert_problem(api.post("city_office", f"{A}/{PERIOD}/compute"), 409, "assessment.computing")
    drain(database_url)
    assert api.get("city_office", f"{A}/{PERIOD}").json()["state"] == "computed"


def test_wrong_exit_candidates_from_the_latest_records_since_the_exit(api: Api, database_url: str, db: Any) -> None:
    """Exited households whose latest income since the exit is at or below the line, or whose latest 两不愁三保障
    since the exit has an item not met; an older poor income or a record before the exit does not count."""
    hh = households(api, 5, region=VILLAGE)
    ids = {h["id"]: db("SELECT id FROM households WHERE public_id = :p", p=_uuid(db, h["id"]))[0][0] for h in hh}
    low, poor, met, old_low, before_exit = (ids[h["id"]] for h in hh)
    # this year's and last year's national lines at 4000 (the lines compared are those of the income's year)
    db("DELETE FROM poverty_lines WHERE year IN (:a, :b)", a=YEAR - 1, b=YEAR)
    for year in (YEAR - 1, YEAR):
        db(
            "INSERT INTO poverty_lines (year, scope, amount, version, created_at, updated_at) "
            "VALUES (:y, 'national', 4000, 1, :now, :now)",
            y=year,
            now=date(YEAR, 1, 1),
        )
    line = 4000
    for pk in ids.values():
        db("UPDATE households SET status = 'exited_with_policy', exit_year = :y WHERE id = :id", y=YEAR - 1, id=pk)
        db("DELETE FROM incomes WHERE household_id = :id", id=pk)
        db("DELETE FROM assessments WHERE household_id = :id", id=pk)

    def income(pk: int, year: int, per_capita: float) -> None:
        db(
            "INSERT INTO incomes (household_id, year, wage_income, production_income, property_income, "
            "transfer_income, transfer_details, production_costs, household_size, net_income, per_capita_net_income, "
            "version, created_at, updated_at) VALUES (:h, :y, 0, 0, 0, 0, '{}', 0, 1, :v, :v, 1, :now, :now)",
            now=date(YEAR, 1, 1),
            h=pk,
            y=year,
            v=per_capita,
        )

    def assessment(pk: int, year: int, *, housing: bool) -> None:
        db(
            "INSERT INTO assessments (household_id, year, food_clothing, compulsory_education, basic_medical, "
            "safe_housing, safe_drinking_water, evidence, version, created_at, updated_at) "
            "VALUES (:h, :y, :t, :t, :t, :s, :t, '{}', 1, :now, :now)",
            now=date(YEAR, 1, 1),
            h=pk,
            y=year,
            t=True,
            s=housing,
        )

    income(low, YEAR, float(line) - 1)  # the latest income below the line: flag 1
    income(poor, YEAR, float(line) * 3)
    assessment(poor, YEAR, housing=False)  # the latest 两不愁三保障 not met: flag 2
    income(met, YEAR, float(line) * 3)
    assessment(met, YEAR - 1, housing=False)
    assessment(met, YEAR, housing=True)  # met again since: no candidate
    income(old_low, YEAR - 1, float(line) - 1)
    income(old_low, YEAR, float(line) * 3)  # poor once, not in the latest: no candidate
    db("UPDATE households SET exit_year = :y WHERE id = :id", y=YEAR, id=before_exit)
    income(before_exit, YEAR - 1, float(line) - 1)  # poor before the exit only: no candidate
    assert api.post("city_office", A, json={"period": PERIOD}).status_code == 201
    computed(api, database_url)
    records = all_records(api, VILLAGE, "jpcx_wrong_exit")
    found = {r["household_id"]: r["reasons"] for r in records}
    expected = {hh[0]["id"]: ["收入不高于贫困线"], hh[1]["id"]: ["两不愁三保障未达标"]}
    assert {k: v for k, v in found.items() if k in ids} == expected
    village = api.get("city_office", f"{A}/{PERIOD}/scores/{VILLAGE}").json()
    assert item(village, "wrong_exit_candidates")["count"] == len(records)
