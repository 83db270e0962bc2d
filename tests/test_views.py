"""The failure views (帮扶短板): real households, measures, cadres, visits and residency days through the API, each
view's rows and figures checked exactly, its file, the caller's scope and bad parameters."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from fupin.seed.bulk import sync_engine
from tests import factories
from tests.cadre_support import assign, new_cadre, visit
from tests.conftest import Api, assert_problem

V = "/api/v1/views"
HH = "/api/v1/households"
TODAY = date.today()
YEAR = TODAY.year


def ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


REGISTERED = ["not_exited", "exited_with_policy", "returned"]


@pytest.fixture
def village(api: Api) -> str:
    """The village of the demo township with the fewest seeded households (the template seeds no measures,
    cadres or visits: every other row of it is made by the test)."""
    counts = {}
    for region in api.get("township", "/api/v1/regions", params={"parent": "220382102000"}).json()["items"]:
        if region["level"] == 5 and region["code"] != factories.DEMO_VILLAGE:
            page = api.get("township", HH, params={"region": region["code"], "limit": 1, "include_total": True})
            counts[region["code"]] = page.json()["total"]
    return str(min(counts, key=lambda code: (counts[code], code)))


def seeded(api: Api, village: str) -> list[str]:
    """The registered households of the village before the test (not 注销, not 已脱贫(不再享受政策)), newest first."""
    r = api.get("township", HH, params={"region": village, "limit": 200, "status": REGISTERED, "include_total": True})
    assert r.status_code == 200 and r.json()["total"] == len(r.json()["items"]), r.text
    items = sorted(r.json()["items"], key=lambda i: i["household_number"], reverse=True)
    return [i["id"] for i in items]  # newest first: numbers grow with creation inside a village


def households(api: Api, village: str, n: int) -> list[dict[str, Any]]:
    made = []
    for _ in range(n):
        r = api.post("township", HH, json=factories.household(village))
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


def measure(api: Api, household_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "household_id": household_id,
        "type": "industry",
        "content": "发放肉牛2头",
        "year": YEAR,
        "amount": "100.50",
        "planned_on": ago(-30),
    }
    body.update(overrides)
    r = api.post("township", "/api/v1/measures", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def move(api: Api, measure_id: str, **body: Any) -> None:
    url = f"/api/v1/measures/{measure_id}"
    etag = api.get("township", url).headers["ETag"]
    r = api.post("township", f"{url}/transitions", json=body, headers={"If-Match": etag})
    assert r.status_code == 200, r.text


def cancel(api: Api, measure_id: str) -> None:
    move(api, measure_id, to="cancelled", reason="重复录入")


def remove(api: Api, household_id: str) -> None:
    etag = api.get("county_office", f"{HH}/{household_id}").headers["ETag"]
    r = api.post(
        "county_office",
        f"{HH}/{household_id}/status-transitions",
        json={"to_status": "removed", "reason": "识别不精准, 经核查注销"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text


def rows(api: Api, name: str, user: str = "township", **params: Any) -> list[dict[str, Any]]:
    """Every row of a view, page by page (limit 2, so the keyset cursor is walked)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = api.get(user, f"{V}/{name}", params=query)
        assert r.status_code == 200, r.text
        out.extend(r.json()["items"])
        cursor = r.json()["next_cursor"]
        if not cursor:
            return out


def total(api: Api, name: str, user: str = "township", **params: Any) -> int:
    r = api.get(user, f"{V}/{name}", params={**params, "include_total": True})
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def xlsx_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_households_without_measures(api: Api, village: str) -> None:
    old = seeded(api, village)
    a, b, c, d, e = households(api, village, 5)
    measure(api, a["id"])
    cancel(api, measure(api, b["id"])["id"])  # a cancelled measure is none
    measure(api, c["id"], year=YEAR - 1, planned_on=ago(400))
    remove(api, e["id"])  # 注销: off the register, off the view
    listed = rows(api, "households-without-measures", region=village)
    assert [r["id"] for r in listed] == [d["id"], c["id"], b["id"], *old]  # newest first
    assert listed[0] == {
        "id": d["id"],
        "household_number": d["household_number"],
        "village_code": village,
        "village_name": d["village_name"],
        "head_name": "王建国",
        "member_count": 2,
        "status": "not_exited",
    }
    assert total(api, "households-without-measures", region=village) == 3 + len(old)
    last_year = rows(api, "households-without-measures", region=village, year=YEAR - 1)
    assert [r["id"] for r in last_year] == [d["id"], b["id"], a["id"], *old]
    page = api.get("township", f"{V}/households-without-measures", params={"region": village}).json()
    assert page["year"] == YEAR and page["total"] is None


def test_households_not_visited(api: Api, village: str) -> None:
    old = seeded(api, village)
    a, b, c, d = households(api, village, 4)
    paired = new_cadre(api, name="张帮扶")
    other = new_cadre(api, name="李帮扶")
    assign(api, paired["id"], household_id=b["id"], starts_on=ago(200))
    assign(api, other["id"], household_id=c["id"], starts_on=ago(300))
    assign(api, paired["id"], household_id=c["id"], starts_on=ago(20))  # C's pairing moved to 张帮扶
    team = new_cadre(api, "work_team", name="王队员")  # holds every household of the village, pairs none
    assign(api, team["id"], village_code=village, starts_on=ago(200))
    visit(api, team["id"], a["id"], visited_on=ago(10))
    visit(api, paired["id"], b["id"], visited_on=ago(100))
    visit(api, paired["id"], b["id"], visited_on=ago(150))
    visit(api, team["id"], d["id"], visited_on=ago(89))  # the 90th day back is inside the window
    listed = rows(api, "households-not-visited", region=village)
    assert [(r["id"], r["last_visited_on"], r["paired_cadre_id"], r["paired_cadre_name"]) for r in listed] == [
        (c["id"], None, paired["id"], "张帮扶"),
        (b["id"], ago(100), paired["id"], "张帮扶"),
        *((hid, None, None, None) for hid in old),  # never visited, never paired
    ]
    assert total(api, "households-not-visited", region=village) == 2 + len(old)
    page = api.get("township", f"{V}/households-not-visited", params={"region": village, "days": 90}).json()
    assert page["days"] == 90 and page["since"] == ago(89)
    # a shorter window: D (89 days ago) is overdue as well
    shorter = rows(api, "households-not-visited", region=village, days=30)
    assert [r["id"] for r in shorter] == [d["id"], c["id"], b["id"], *old]
    assert shorter[0]["paired_cadre_id"] is None and shorter[0]["last_visited_on"] == ago(89)


def test_households_never_visited_by_first_secretary(api: Api, village: str) -> None:
    old = seeded(api, village)
    a, b, c = households(api, village, 3)
    # no first secretary yet: every household is listed, with none named
    listed = rows(api, "households-never-visited-by-first-secretary", region=village)
    assert [(r["id"], r["first_secretary_id"]) for r in listed] == [
        (hid, None) for hid in (c["id"], b["id"], a["id"], *old)
    ]
    former = new_cadre(api, "first_secretary", name="王旧书记")
    secretary = new_cadre(api, "first_secretary", name="赵书记")
    paired = new_cadre(api, name="张帮扶")
    assign(api, former["id"], village_code=village, starts_on=ago(400))
    visit(api, former["id"], c["id"], visited_on=ago(350))  # by the former secretary: does not count
    assign(api, secretary["id"], village_code=village, starts_on=ago(100))
    assign(api, paired["id"], household_id=b["id"], starts_on=ago(100))
    visit(api, secretary["id"], a["id"], visited_on=ago(5))
    visit(api, paired["id"], b["id"], visited_on=ago(5))  # not the secretary
    listed = rows(api, "households-never-visited-by-first-secretary", region=village)
    assert [(r["id"], r["first_secretary_id"], r["first_secretary_name"]) for r in listed] == [
        (c["id"], secretary["id"], "赵书记"),
        (b["id"], secretary["id"], "赵书记"),
        *((hid, secretary["id"], "赵书记") for hid in old),
    ]
    assert total(api, "households-never-visited-by-first-secretary", region=village) == 2 + len(old)


def test_residency_shortfall(api: Api, village: str) -> None:
    year = YEAR - 1  # a past year: 200 days are due
    secretary = new_cadre(api, "first_secretary", name="赵书记")
    member = new_cadre(api, "work_team", name="钱队员")
    full = new_cadre(api, "work_team", name="孙队员")
    for cadre in (secretary, member, full):
        assign(api, cadre["id"], village_code=village, starts_on=f"{year - 1}-03-01")

    def record(cadre: dict[str, Any], start: date, n: int, kind: str) -> None:
        for i in range(n):
            day = (start + timedelta(days=i)).isoformat()
            r = api.post("township", "/api/v1/residency-days", json={"cadre_id": cadre["id"], "day": day, "kind": kind})
            assert r.status_code in (200, 201), r.text

    jan = date(year, 1, 1)
    record(secretary, jan, 150, "present")
    record(secretary, jan + timedelta(days=150), 30, "duty")
    record(secretary, jan + timedelta(days=180), 10, "leave")
    record(secretary, date(year + 1, 1, 2), 3, "present")  # another year
    record(full, jan, 200, "present")
    listed = rows(api, "residency-shortfall", region=village, year=year)
    by_name = {r["cadre_name"]: r for r in listed}
    assert set(by_name) == {"赵书记", "钱队员"}
    assert by_name["赵书记"] == {
        "cadre_id": secretary["id"],
        "cadre_name": "赵书记",
        "kind": "first_secretary",
        "work_unit": secretary["work_unit"],
        "village_code": village,
        "village_name": by_name["赵书记"]["village_name"],
        "starts_on": f"{year - 1}-03-01",
        "ends_on": None,
        "present": 150,
        "leave": 10,
        "duty": 30,
        "counted": 180,
        "expected": 200,
        "shortfall": 20,
    }
    assert (by_name["钱队员"]["counted"], by_name["钱队员"]["shortfall"]) == (0, 200)
    page = api.get("township", f"{V}/residency-shortfall", params={"region": village, "year": year}).json()
    assert page["expected"] == 200 and page["year"] == year
    secretaries = rows(api, "residency-shortfall", region=village, year=year, kind="first_secretary")
    assert [r["cadre_name"] for r in secretaries] == ["赵书记"]
    # this year: 200 pro rata to today
    start = date(YEAR, 1, 1)
    due = 200 * ((TODAY - start).days + 1) // ((date(YEAR + 1, 1, 1) - start).days)
    now = api.get("township", f"{V}/residency-shortfall", params={"region": village}).json()
    assert now["expected"] == due and now["year"] == YEAR
    if due > 3:  # 赵书记's three days of this year, the others none
        assert {r["cadre_name"]: r["counted"] for r in now["items"]} == {"赵书记": 3, "钱队员": 0, "孙队员": 0}


def test_measures_overdue(api: Api, village: str) -> None:
    a, b = households(api, village, 2)
    first = measure(api, a["id"], planned_on=ago(10), department="agriculture")
    second = measure(api, b["id"], planned_on=ago(5), type="education", department="education", amount=None)
    move(api, second["id"], to="in_progress")
    done = measure(api, a["id"], planned_on=ago(3))
    move(api, done["id"], to="done", done_on=ago(1))
    cancel(api, measure(api, a["id"], planned_on=ago(2))["id"])
    measure(api, b["id"], planned_on=TODAY.isoformat())  # due today: not overdue yet
    listed = rows(api, "measures-overdue", region=village)
    assert [(r["id"], r["status"], r["days_overdue"]) for r in listed] == [
        (first["id"], "planned", 10),
        (second["id"], "in_progress", 5),
    ]
    assert listed[0] == {
        "id": first["id"],
        "household_id": a["id"],
        "household_number": a["household_number"],
        "head_name": "王建国",
        "village_code": village,
        "type": "industry",
        "content": "发放肉牛2头",
        "year": YEAR,
        "department": "agriculture",
        "amount": "100.50",
        "planned_on": ago(10),
        "status": "planned",
        "days_overdue": 10,
    }
    one = api.get("township", f"{V}/measures-overdue", params={"region": village, "limit": 1}).json()
    assert [i["id"] for i in one["items"]] == [first["id"]] and one["next_cursor"]
    assert [r["id"] for r in rows(api, "measures-overdue", region=village, type="education")] == [second["id"]]
    assert [r["id"] for r in rows(api, "measures-overdue", region=village, department="agriculture")] == [first["id"]]
    assert total(api, "measures-overdue", region=village) == 2
    # a health measure's content is a health detail: withheld from a caller without them, in the list and the file
    health = measure(api, b["id"], type="health", content="大病住院报销", planned_on=ago(20))
    seen = rows(api, "measures-overdue", region=village, type="health")
    assert [(r["id"], r["content"]) for r in seen] == [(health["id"], "大病住院报销")]
    masked = rows(api, "measures-overdue", user="inspector", region=village, type="health")
    assert [(r["id"], r["content"], r["days_overdue"]) for r in masked] == [(health["id"], None, 20)]
    file = api.get("inspector", f"{V}/measures-overdue/export", params={"region": village, "type": "health"})
    assert file.status_code == 200 and "大病住院报销" not in str(xlsx_rows(file.content))
    assert "大病住院报销" in str(xlsx_rows(api.get("township", f"{V}/measures-overdue/export").content))


def test_measure_coverage_and_department_workload(api: Api, village: str) -> None:
    old = seeded(api, village)
    a, b, c, d = households(api, village, 4)
    measure(api, a["id"], type="industry", department="agriculture", amount="100.50")
    measure(api, a["id"], type="education", department="education", amount="20.00")
    cancel(api, measure(api, b["id"], type="industry", department="agriculture", amount="50.00")["id"])
    measure(api, c["id"], year=YEAR - 1, planned_on=ago(400), department="agriculture")
    measure(api, d["id"], type="industry", department=None, amount=None)
    r = api.get("township", f"{V}/measure-coverage", params={"region": village})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["year"] == YEAR and page["total"] == 1
    (row,) = page["items"]
    zero = {t: 0 for t in row["by_type"]}
    assert len(zero) == 14
    assert row == {
        "village_code": village,
        "village_name": a["village_name"],
        "households": 4 + len(old),
        "households_with_measures": 2,
        "coverage_rate": str((Decimal(2) / Decimal(4 + len(old))).quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "by_type": {**zero, "industry": 2, "education": 1},
    }
    wide = api.get("township", f"{V}/measure-coverage", params={"limit": 1000}).json()
    assert village in [i["village_code"] for i in wide["items"]] and wide["total"] == len(wide["items"])
    work = api.get("township", f"{V}/department-workload", params={"region": village}).json()
    assert work == {
        "year": YEAR,
        "items": [
            {
                "department": "agriculture",
                "planned": 1,
                "in_progress": 0,
                "done": 0,
                "cancelled": 1,
                "total": 2,
                "amount": "100.50",
                "households": 1,
            },
            {
                "department": "education",
                "planned": 1,
                "in_progress": 0,
                "done": 0,
                "cancelled": 0,
                "total": 1,
                "amount": "20.00",
                "households": 1,
            },
            {
                "department": None,
                "planned": 1,
                "in_progress": 0,
                "done": 0,
                "cancelled": 0,
                "total": 1,
                "amount": "0.00",
                "households": 1,
            },
        ],
    }
    last = api.get("township", f"{V}/department-workload", params={"region": village, "year": YEAR - 1}).json()
    assert [(i["department"], i["planned"], i["amount"]) for i in last["items"]] == [("agriculture", 1, "100.50")]


def test_exports_are_the_views_rows(api: Api, village: str, database_url: str) -> None:
    old = seeded(api, village)
    a, b = households(api, village, 2)
    measure(api, a["id"], planned_on=ago(10))
    r = api.get("township", f"{V}/households-without-measures/export", params={"region": village})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["X-Fupin-Export-Rows"] == str(1 + len(old))
    assert "attachment" in r.headers["Content-Disposition"]
    sheet = xlsx_rows(r.content)
    assert sheet[0] == ["户编号", "村代码", "村", "户主姓名", "人口数", "贫困户状态"]
    assert sheet[-1] == [b["household_number"], village, b["village_name"], "王建国", 2, "未脱贫"]  # oldest first
    assert len(sheet) == 2 + len(old)
    r = api.get("township", f"{V}/measures-overdue/export", params={"region": village, "format": "csv"})
    assert r.status_code == 200, r.text
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][-1] == "逾期天数" and len(table) == 2
    assert table[1][1] == a["household_number"] and table[1][4] == "产业" and table[1][-1] == "10"
    gb = api.get(
        "township",
        f"{V}/department-workload/export",
        params={"region": village, "format": "csv", "encoding": "gb18030"},
    )
    assert gb.status_code == 200 and gb.headers["content-type"] == "text/csv; charset=gb18030"
    assert gb.content.decode("gb18030").splitlines()[1].startswith("(未指定),1,0,0,0,1,100.50,1")
    for name in (
        "households-not-visited",
        "households-never-visited-by-first-secretary",
        "residency-shortfall",
        "measure-coverage",
    ):
        r = api.get("township", f"{V}/{name}/export", params={"region": village})
        assert r.status_code == 200, (name, r.text)
        assert len(xlsx_rows(r.content)) == int(r.headers["X-Fupin-Export-Rows"]) + 1
    # each file is audited
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        changes = conn.execute(text("SELECT changes FROM audit_events WHERE action = 'export.created' ORDER BY seq"))
        entities = [(c if isinstance(c, dict) else json.loads(c))["entity"] for c in changes.scalars()]
    engine.dispose()
    assert entities == [
        "views.households-without-measures",
        "views.measures-overdue",
        "views.department-workload",
        "views.households-not-visited",
        "views.households-never-visited-by-first-secretary",
        "views.residency-shortfall",
        "views.measure-coverage",
    ]


@pytest.fixture
def signed_in(api: Api) -> None:
    """Every login the test uses, signed in before the fingerprint (a login is itself audited)."""
    for user in ("township", "township2", "department"):
        api.token(user)


def test_scope_and_bad_parameters(api: Api, village: str, signed_in: None, unchanged: Any) -> None:
    names = (
        "households-without-measures",
        "households-not-visited",
        "households-never-visited-by-first-secretary",
        "residency-shortfall",
        "measures-overdue",
        "measure-coverage",
        "department-workload",
    )
    for name in names:
        # another township's region: 404, in the list and in the file
        assert_problem(api.get("township2", f"{V}/{name}", params={"region": "220382102000"}), 404, "not_found")
        assert_problem(api.get("township2", f"{V}/{name}/export", params={"region": village}), 404, "not_found")
        assert api.get("township", f"{V}/{name}", params={"region": "220382102"}).status_code == 200
        bad = api.get("township", f"{V}/{name}", params={"region": "22038"})
        assert_problem(bad, 422, "validation_failed", "/query/region")
    assert_problem(
        api.get("township", f"{V}/households-not-visited", params={"days": 0}), 422, "validation_failed", "/query/days"
    )
    assert_problem(
        api.get("township", f"{V}/measure-coverage", params={"year": "x"}), 422, "validation_failed", "/query/year"
    )
    assert_problem(
        api.get("township", f"{V}/measures-overdue", params={"type": "magic"}), 422, "validation_failed", "/query/type"
    )
    assert_problem(api.get("township", f"{V}/measures-overdue", params={"cursor": "forged"}), 400, "invalid_cursor")
    assert_problem(
        api.get("township", f"{V}/residency-shortfall/export", params={"format": "xlsx", "encoding": "gb18030"}),
        422,
        "validation_failed",
        "/query/encoding",
    )
    # the department login reads no visits: 403
    assert api.get("department", f"{V}/households-not-visited").status_code == 403


def test_another_township_sees_none_of_them(api: Api, village: str) -> None:
    a, b = households(api, village, 2)
    measure(api, a["id"], planned_on=ago(10))
    secretary = new_cadre(api, "first_secretary")
    assign(api, secretary["id"], village_code=village, starts_on=ago(50))
    mine = {a["id"], b["id"]}
    for name in (
        "households-without-measures",
        "households-not-visited",
        "households-never-visited-by-first-secretary",
    ):
        listed = {r["id"] for r in rows(api, name, region=village)}
        assert mine - {a["id"]} <= listed if name == "households-without-measures" else mine <= listed
        assert not mine & {r["id"] for r in rows(api, name, user="township2")}
    assert not any(r["household_id"] == a["id"] for r in rows(api, "measures-overdue", user="township2"))
    assert secretary["id"] not in {r["cadre_id"] for r in rows(api, "residency-shortfall", user="township2")}
    coverage = api.get("township2", f"{V}/measure-coverage", params={"limit": 1000}).json()["items"]
    assert all(i["village_code"].startswith("220382101") for i in coverage) and coverage
    work = api.get("township2", f"{V}/department-workload").json()["items"]
    assert sum(i["total"] for i in work) == 0
