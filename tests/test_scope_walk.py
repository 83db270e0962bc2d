"""Walk every operation of the app's contract as a caller from another township: nothing of the first township
may be read or changed. A path parameter the walk does not know makes this test fail, so new routes join it."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests import factories, finding_support, project_support
from tests.conftest import Api

# operation id → request body used by the walk (valid, so only the scope can stop it)
BODIES: dict[str, Any] = {
    "households-create": lambda: factories.household(),  # a village of the first township
    "households-update": {"address": "越权修改"},
    "members-add": lambda: factories.member(reason="newborn"),
    "members-update": {"name": "越权修改"},
    "households-change-head": None,  # filled with the spouse's id below
    "incomes-put": {"wage_income": "99999"},
    "assessments-put": {
        "food_clothing": True,
        "compulsory_education": True,
        "basic_medical": True,
        "safe_housing": True,
        "safe_drinking_water": True,
    },
    "households-exit-evaluation": {"year": 2020},
    "households-transition": {"to_status": "removed", "reason": "越权注销"},
    "poverty-lines-put": {"amount": "1"},
    "users-create": {
        "username": "intruder",
        "password": "long-enough-1",
        "display_name": "x",
        "roles": ["village"],
        "region_code": "220382102201",
    },
    "api-keys-create": {"name": "x", "roles": ["village"], "region_code": "220382102201"},
    "adjustment-windows-create": {"year": 2031, "opens_on": "2031-12-20", "closes_on": "2032-01-31"},
    "adjustment-windows-update": {"note": "越权修改"},
    "pending-changes-cancel": {"reason": "越权取消"},
    "auth-refresh": {"refresh_token": "x" * 40},
    "auth-logout": {"refresh_token": "x" * 40},
    "webhooks-create": {"url": "https://example.org/hook", "events": ["*"]},
    "webhooks-update": {"description": "越权修改"},
    # an export job of the first township: refused as the list refuses its region (404), nothing queued
    "exports-create": {"entity": "households", "format": "csv", "filters": {"region": "220382102000"}},
    "measures-update": {"content": "越权修改"},
    "measures-transition": {"to": "cancelled", "reason": "越权取消"},
    "departments-update": {"measure_types": ["health", "education"]},
    "cadres-create": lambda: {**factories.cadre(), "region_code": FIRST_TOWNSHIP},  # the first township's area
    "cadres-update": {"post": "越权修改"},
    "users-update": {"display_name": "越权修改"},
    "cadres-assignments-create": None,  # filled with a household of the first township below
    "visits-create": None,  # filled with the first township's cadre and household below
    "residency-days-record": None,  # filled with the first township's first secretary below
    "projects-create": lambda: {**project_support.body(), "region_codes": ["220382102201"]},
    "projects-update": {"name": "越权修改"},
    "findings-create": lambda: finding_support.body(region_code="220382102201"),
    "findings-update": {"batch": "越权修改"},
    "findings-transition": {"to": "rectifying"},
    "findings-tasks-create": {"what": "越权", "who": "张三", "due_on": "2024-06-01"},
    "findings-tasks-update": {"done_on": "2024-06-01"},
    "findings-pauses-create": {"reason": "越权暂停", "starts_on": "2024-06-01", "waits_on": "县财政局"},
    "findings-pauses-end": {"ends_on": "2024-06-02"},
    "projects-transition": {"to": "reviewed"},
    "projects-targets-create": {"metric": "越权", "unit": "km", "target": "1"},
    "projects-targets-update": {"target": "99"},
    "projects-targets-report": {"actual": "99", "as_of": "2024-06-01"},
    "projects-milestones-create": {"name": "越权", "due_on": "2024-06-01"},
    "projects-milestones-update": {"done_on": "2024-06-01"},
    "projects-beneficiaries-link": None,  # filled with the first township's household below
    "projects-notices-create": {"kind": "completion"},
    "projects-notices-update": {"location": "越权修改"},
    "projects-allocations-create": {
        "source": "central",
        "amount": "100.00",
        "document_no": "越权",
        "allocated_on": "2024-03-01",
    },
    "projects-disbursements-create": {
        "source": "central",
        "amount": "1.00",
        "paid_on": "2024-03-02",
        "payee": "越权",
        "purpose": "越权",
        "voucher_no": "PZ-WALK-2",
    },
}
# How each operation of the contract meets a caller from another area. Every operation must be listed: a new
# route that is not fails the walk, so it cannot ship without its out-of-area read, write and list being checked.
RECORD = "record"  # addresses a record of the first township by path: 404 (403 where the permission is lacking)
LIST = "list"  # lists area data: answers, shows nothing of the first township; a region filter there is a 404
CREATE = "create"  # creates in the first township's village: refused as an unknown village
OWN = "own"  # the caller's own session or public reference data: must not leak anything of the first township
PRIVILEGED = "privileged"  # needs a permission neither intruder holds: 403
OPERATIONS: dict[str, str] = {
    "auth-token": OWN,
    "auth-refresh": OWN,
    "auth-logout": OWN,
    "me-get": OWN,
    "about-get": OWN,
    "codes-list": OWN,
    "codes-get": OWN,
    "poverty-lines-list": OWN,
    "poverty-lines-put": PRIVILEGED,
    "users-list": PRIVILEGED,
    "users-create": PRIVILEGED,
    "api-keys-list": PRIVILEGED,
    "api-keys-create": PRIVILEGED,
    "api-keys-revoke": PRIVILEGED,
    "regions-list": LIST,
    "regions-get": RECORD,
    "households-list": LIST,
    "households-create": CREATE,
    "households-get": RECORD,
    "households-update": RECORD,
    "households-transition": RECORD,
    "households-status-history": RECORD,
    "households-audit-events": RECORD,
    "members-list": RECORD,
    "members-add": RECORD,
    "members-update": RECORD,
    "members-remove": RECORD,
    "households-change-head": RECORD,
    "incomes-list": RECORD,
    "incomes-get": RECORD,
    "incomes-put": RECORD,
    "assessments-list": RECORD,
    "assessments-get": RECORD,
    "assessments-put": RECORD,
    "households-exit-evaluation": RECORD,
    "audit-events-list": LIST,
    "changes-list": LIST,
    "stats-summary": LIST,
    "stats-rebuild": PRIVILEGED,
    "jobs-list": LIST,
    "jobs-get": RECORD,
    "jobs-cancel": RECORD,
    "reconcile": RECORD,  # a region of the first township: 404 (403 without the changes reader permission)
    "webhooks-list": PRIVILEGED,
    "webhooks-create": PRIVILEGED,
    "webhooks-get": RECORD,
    "webhooks-update": RECORD,
    "webhooks-delete": RECORD,
    "webhooks-rotate-secret": RECORD,
    "webhooks-deliveries": RECORD,
    "webhooks-test": RECORD,
    "adjustment-windows-list": LIST,
    "adjustment-windows-create": PRIVILEGED,
    "adjustment-windows-update": PRIVILEGED,
    "adjustment-windows-apply": PRIVILEGED,
    "pending-changes-list": LIST,
    "pending-changes-get": RECORD,
    "pending-changes-cancel": RECORD,
    # an import is the caller's own job; its rows outside the caller's area are row errors (tests/test_imports.py)
    "imports-create": OWN,
    "imports-template": OWN,
    "jobs-report-xlsx": RECORD,
    "households-export": LIST,
    "exports-create": RECORD,  # its region filter addresses the first township
    "jobs-file": RECORD,
    "measures-list": LIST,
    "measures-create": RECORD,  # for a household of the first township: 404
    "measures-get": RECORD,
    "measures-update": RECORD,
    "measures-transition": RECORD,
    "households-measures": RECORD,
    "measures-upsert": RECORD,  # the first township's household, and its measure's key
    # answers 200 with a result per item: an item of the first township is a 404 there (tests/test_measures_scripted)
    "measures-batch": OWN,
    "measures-export": LIST,
    # a finding of the first township with a task and a file: 404 by the finding
    "findings-list": LIST,  # the first township's findings are not shown; `region_code` there: 404
    "findings-create": CREATE,  # for the first township's village: 403 (neither intruder raises findings)
    "findings-get": RECORD,
    "findings-update": RECORD,
    "findings-transition": RECORD,
    "findings-steps": RECORD,
    "findings-audit-events": RECORD,
    "findings-tasks-list": RECORD,
    "findings-tasks-create": RECORD,
    "findings-tasks-update": RECORD,
    "findings-tasks-delete": RECORD,
    "findings-reminders": LIST,  # the first township's units are not counted; `region_code` there: 404
    "findings-pauses-list": RECORD,
    "findings-pauses-create": RECORD,
    "findings-pauses-end": RECORD,
    "projects-list": LIST,
    "projects-export": LIST,
    "projects-overview": LIST,
    "projects-create": CREATE,  # regions of the first township: 422 project.region_outside (403 for the reader)
    "projects-get": RECORD,
    "projects-update": RECORD,
    "projects-transition": RECORD,
    "projects-steps": RECORD,
    "projects-audit-events": RECORD,
    "departments-list": OWN,
    "departments-update": PRIVILEGED,
    "users-update": PRIVILEGED,
    "cadres-list": LIST,
    "cadres-create": CREATE,  # its region_code is the first township: refused as an unknown region
    "cadres-get": RECORD,
    "cadres-update": RECORD,
    "cadres-turnover": LIST,
    "cadres-assignments-list": RECORD,
    "cadres-assignments-create": RECORD,
    "cadres-residency": RECORD,
    "households-cadres": RECORD,
    "visits-list": LIST,
    "visits-create": RECORD,  # its cadre and household are of the first township: 404
    "households-visits": RECORD,
    "residency-days-list": LIST,
    "residency-days-record": RECORD,
    "evidence-upload": RECORD,  # attached to a visit of the first township: 404
    "evidence-list": RECORD,
    "evidence-download": RECORD,
    "views-households-without-measures": LIST,
    "views-households-without-measures-export": LIST,
    "views-households-not-visited": LIST,
    "views-households-not-visited-export": LIST,
    "views-households-never-visited-by-first-secretary": LIST,
    "views-households-never-visited-by-first-secretary-export": LIST,
    "views-residency-shortfall": LIST,
    "views-residency-shortfall-export": LIST,
    "views-measures-overdue": LIST,
    "views-measures-overdue-export": LIST,
    "views-measure-coverage": LIST,
    "views-measure-coverage-export": LIST,
    "views-department-workload": LIST,
    "views-department-workload-export": LIST,
    # a project of the first township's village, and what hangs off it: 404 by the project
    "projects-targets-list": RECORD,
    "projects-targets-create": RECORD,
    "projects-targets-update": RECORD,
    "projects-targets-report": RECORD,
    "projects-targets-updates": RECORD,
    "projects-milestones-list": RECORD,
    "projects-milestones-create": RECORD,
    "projects-milestones-update": RECORD,
    "projects-beneficiaries-list": RECORD,
    "projects-beneficiaries-link": RECORD,
    "projects-beneficiaries-unlink": RECORD,
    "projects-notices-list": RECORD,
    "projects-notices-create": RECORD,
    "projects-notices-update": RECORD,
    "projects-notices-document": RECORD,
    "project-notices-overdue": LIST,  # the first township's overdue notices are not shown
    "projects-allocations-list": RECORD,
    "projects-allocations-create": RECORD,
    "projects-allocations-get": RECORD,
    "projects-disbursements-get": RECORD,
    "projects-disbursements-list": RECORD,
    "projects-disbursements-create": RECORD,
    "projects-funds": RECORD,
    # the projects of the caller's area only; `region_code` of the first township: 404
    "fund-views-by-county": LIST,
    "fund-views-by-source": LIST,
    "fund-anomalies-list": LIST,
    "fund-anomalies-export": LIST,
    # the assessment: periods, indicators and metrics are the city's reference data; scores are area data
    "assessment-metrics": OWN,
    "assessment-indicators-get": OWN,
    "assessment-indicators-put": PRIVILEGED,
    "assessment-periods-list": OWN,
    "assessment-periods-get": OWN,
    "assessment-periods-create": PRIVILEGED,
    "assessment-periods-compute": PRIVILEGED,
    "assessment-periods-freeze": PRIVILEGED,
    "assessment-rankings": LIST,  # the caller's own units only
    "assessment-rankings-export": LIST,
    "assessment-scores-get": RECORD,  # the first township's score: 404
    "assessment-score-records": RECORD,
}
# query parameters that narrow a list to a region: pointed at the first township they must answer 404
REGION_FILTERS = ("region", "parent", "region_code")
FIRST_TOWNSHIP = "220382102000"


def writes_in_trail(api: Api, user: str, hid: str) -> list[dict[str, Any]]:
    trail = api.get(user, f"/api/v1/households/{hid}/audit-events").json()["items"]
    return [e for e in trail if e["action"] != "household.personal_data_read"]


def _assessed_period(api: Api) -> str:
    """This year's assessment, computed for the city: the first township has a score and records behind it."""
    import time

    period = str(date.today().year)
    assert api.post("city_office", "/api/v1/assessments", json={"period": period}).status_code == 201
    job = api.post("city_office", f"/api/v1/assessments/{period}/compute")
    assert job.status_code == 202, job.text
    until = time.monotonic() + 120  # the app's own worker runs it
    while api.get("city_office", f"/api/v1/jobs/{job.json()['id']}").json()["state"] in ("queued", "running"):
        assert time.monotonic() < until, "the assessment job did not finish"
        time.sleep(0.2)
    score = api.get("township", f"/api/v1/assessments/{period}/scores/{FIRST_TOWNSHIP}")
    assert score.status_code == 200, score.text
    return period


def _intruders(api: Api) -> dict[str, dict[str, str]]:
    """A writer of another township, and a reader of it with every read permission (audit trail, change feed,
    personal data) through an API key."""
    reader = api.post(
        "admin",
        "/api/v1/api-keys",
        json={"name": "reader", "roles": ["auditor"], "region_code": "220382101000", "pii": True},
    )
    assert reader.status_code == 201, reader.text
    return {
        "township2": api.headers("township2"),
        "reader": {"Authorization": f"Bearer {reader.json()['key']}"},
    }


def _project_of_the_first_township(api: Api, database_url: str, hid: str, measure_id: str) -> dict[str, str]:
    """A project of the first township's village with a target, its update, a milestone and the household as a
    beneficiary (its measure linked)."""
    owner = "township"
    project_id = factories.insert_project(
        database_url, region_codes=["220382102201"], planned_start_on=date(2024, 1, 1), name="东方红村项目"
    )
    base = f"/api/v1/projects/{project_id}"
    target = api.post(owner, f"{base}/targets", json={"metric": "道路", "unit": "km", "target": "10"})
    assert target.status_code == 201, target.text
    report = {"actual": "4", "as_of": "2024-05-01"}
    assert api.post(owner, f"{base}/targets/{target.json()['id']}/updates", json=report).status_code == 201
    milestone = api.post(owner, f"{base}/milestones", json={"name": "开工", "due_on": "2024-03-01"})
    assert milestone.status_code == 201, milestone.text
    link = {"household_ids": [hid], "measure_ids": [measure_id]}
    assert api.post(owner, f"{base}/beneficiaries", json=link).status_code == 200
    notice = api.post(owner, f"{base}/notices", json={"kind": "entry", "published_on": "2024-01-02"})
    assert notice.status_code == 201, notice.text
    # funds: a payment before the project entered the library, so it is an anomaly of the first township
    allocation = {
        "source": "central",
        "amount": "500.00",
        "document_no": "双财农〔2024〕1号",
        "allocated_on": "2024-02-01",
    }
    allocated = api.post("county_office", f"{base}/allocations", json=allocation)
    assert allocated.status_code == 201, allocated.text
    payment = {
        "source": "central",
        "amount": "200.00",
        "paid_on": "2024-03-01",
        "payee": "东方红村合作社",
        "purpose": "进度款",
        "voucher_no": "PZ-WALK-1",
    }
    paid = api.post("county_office", f"{base}/disbursements", json=payment)
    assert paid.status_code == 201, paid.text
    return {
        "project_id": project_id,
        "target_id": target.json()["id"],
        "milestone_id": milestone.json()["id"],
        "notice_id": notice.json()["id"],
        "allocation_id": allocated.json()["id"],
        "disbursement_id": paid.json()["id"],
    }


def _finding_of_the_first_township(api: Api, hid: str) -> dict[str, str]:
    """A finding of the first township linked to its household, with a task and a file, being rectified."""
    links = [{"type": "household", "id": hid}]
    finding = finding_support.raise_finding(api, "inspector", description="卧虎镇问题甲: 识别不精准", links=links)
    base = f"/api/v1/findings/{finding['id']}"
    task = api.post("township", f"{base}/tasks", json={"what": "重新核算", "who": "包村干部", "due_on": "2024-05-01"})
    assert task.status_code == 201, task.text
    finding_support.upload(api, "township", finding["id"])
    assert finding_support.move(api, "township", finding["id"], to="rectifying").status_code == 200
    pause = api.post(
        "inspector",
        f"{base}/pauses",
        json={"reason": "等待县财政局答复", "starts_on": "2024-05-01", "waits_on": "县财政局"},
    )
    assert pause.status_code == 201, pause.text
    return {"finding_id": finding["id"], "task_id": task.json()["id"], "pause_id": pause.json()["id"]}


def _finding_state(api: Api, finding_id: str) -> list[Any]:
    base = f"/api/v1/findings/{finding_id}"
    return [
        api.get("township", base).json(),
        api.get("township", f"{base}/tasks").json(),
        api.get("township", f"{base}/steps").json(),
        api.get("township", f"{base}/pauses").json(),
        api.get("township", "/api/v1/evidence", params={"owner_type": "finding", "owner_id": finding_id}).json(),
    ]


def _project_state(api: Api, project_id: str) -> list[Any]:
    base = f"/api/v1/projects/{project_id}"
    targets = api.get("township", f"{base}/targets").json()["items"]
    updates = [api.get("township", f"{base}/targets/{t['id']}/updates").json() for t in targets]
    return [
        targets,
        updates,
        api.get("township", f"{base}/milestones").json(),
        api.get("township", f"{base}/beneficiaries").json(),
        api.get("township", f"{base}/notices").json(),
        api.get("township", f"{base}/allocations").json(),
        api.get("township", f"{base}/disbursements").json(),
        api.get("township", f"{base}/funds").json(),
    ]


def test_out_of_scope_caller_can_neither_read_nor_change(api: Api, database_url: str) -> None:
    owner = "township"
    created = api.post(owner, "/api/v1/households", json=factories.household()).json()
    hid = created["id"]
    head = next(m for m in created["members"] if m["is_head"])
    spouse = next(m for m in created["members"] if not m["is_head"])
    assert api.put(owner, f"/api/v1/households/{hid}/incomes/2020", json={"wage_income": "5000"}).status_code == 201
    measure_body = {
        "household_id": hid,
        "type": "industry",
        "content": "养牛",
        "year": 2020,
        "planned_on": "2020-10-01",
    }
    measure = api.put(owner, "/api/v1/measures/by-external/walk/m-1", json=measure_body)
    assert measure.status_code == 201, measure.text
    measure_id = measure.json()["id"]
    BODIES["measures-create"] = measure_body
    BODIES["measures-upsert"] = {**measure_body, "content": "越权修改"}
    BODIES["measures-batch"] = {"items": [{**measure_body, "source_system": "walk", "external_id": "m-1"}]}
    # a closed adjustment window of the city, and a locked change of the first township waiting for it
    window = api.post(
        "city_office",
        "/api/v1/adjustment-windows",
        json={"year": 2030, "opens_on": "2030-12-20", "closes_on": "2031-01-31"},
    )
    assert window.status_code == 201, window.text
    version = api.get(owner, f"/api/v1/households/{hid}").headers["ETag"]
    waiting = api.patch(owner, f"/api/v1/households/{hid}", json={"attribute": "dibao"}, headers={"If-Match": version})
    assert waiting.status_code == 202, waiting.text
    pending_id = waiting.json()["pending_change"]["id"]
    before = api.get(owner, f"/api/v1/households/{hid}").json()
    trail_before = writes_in_trail(api, owner, hid)
    key = api.post(
        "admin", "/api/v1/api-keys", json={"name": "k", "roles": ["village"], "region_code": "220382102201"}
    ).json()
    job = api.post("admin", "/api/v1/stats/rebuild", json={"region_code": FIRST_TOWNSHIP})
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    hooker = api.post(
        "admin", "/api/v1/api-keys", json={"name": "h", "roles": ["integration"], "region_code": FIRST_TOWNSHIP}
    ).json()["key"]
    hook = api.client.post(
        "/api/v1/webhooks",
        headers={"Authorization": f"Bearer {hooker}"},
        json={"url": "https://example.org/first", "events": ["*"], "description": "卧虎镇订阅"},
    )
    assert hook.status_code == 201, hook.text
    webhook_id = hook.json()["id"]
    secrets = [
        hid,
        created["household_number"],
        head["id_number"],
        spouse["id_number"],
        "东方红村",
        "卧虎镇",
        job_id,
        webhook_id,
        "example.org/first",
        pending_id,
        measure_id,
    ]
    values = {
        "household_id": hid,
        "member_id": spouse["id"],
        "year": "2020",
        "code": FIRST_TOWNSHIP,
        "scope": "national",
        "key_id": key["id"],
        "table": "attribute",
        "job_id": job_id,
        "webhook_id": webhook_id,
        "window_id": window.json()["id"],
        "change_id": pending_id,
        "measure_id": measure_id,
        "source_system": "walk",
        "external_id": "m-1",
    }
    cadre = api.post(owner, "/api/v1/cadres", json={**factories.cadre(), "name": "结对干部甲"}).json()
    secretary = api.post(
        owner, "/api/v1/cadres", json={**factories.cadre("first_secretary"), "name": "驻村书记乙"}
    ).json()
    assert (
        api.post(
            owner, f"/api/v1/cadres/{cadre['id']}/assignments", json={"household_id": hid, "starts_on": "2024-01-01"}
        ).status_code
        == 201
    )
    visit = api.post(
        owner,
        "/api/v1/visits",
        json={"cadre_id": cadre["id"], "household_id": hid, "visited_on": "2024-02-01", "content": "走访"},
    ).json()
    photo = api.post(
        owner,
        "/api/v1/evidence",
        data={"owner_type": "visit", "owner_id": visit["id"]},
        files={"file": ("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
    ).json()
    assert (
        api.post(
            owner, "/api/v1/residency-days", json={"cadre_id": secretary["id"], "day": "2024-03-01", "kind": "present"}
        ).status_code
        == 201
    )
    township_user = next(u for u in api.get("admin", "/api/v1/users").json()["items"] if u["username"] == owner)
    secrets += [cadre["id"], secretary["id"], "结对干部甲", "驻村书记乙", visit["id"], photo["id"], cadre["id_number"]]
    values.update(cadre_id=cadre["id"], evidence_id=photo["id"], user_id=township_user["id"], visit_id=visit["id"])
    BODIES["cadres-assignments-create"] = {"household_id": hid, "starts_on": "2025-01-01"}
    BODIES["visits-create"] = {
        "cadre_id": cadre["id"],
        "household_id": hid,
        "visited_on": "2024-02-02",
        "content": "越权",
    }
    BODIES["residency-days-record"] = {"cadre_id": secretary["id"], "day": "2024-03-02", "kind": "present"}
    trail_before = writes_in_trail(api, owner, hid)  # with the pairing, the visit and its photo
    project = api.post(owner, "/api/v1/projects", json={**project_support.body(), "name": "卧虎镇项目甲"}).json()
    secrets += [project["id"], "卧虎镇项目甲"]
    values["project_id"] = project["id"]
    BODIES["households-change-head"] = {"member_id": spouse["id"]}
    BODIES["reconcile"] = {"entity": "households", "region_code": FIRST_TOWNSHIP, "items": [{"id": hid}]}
    project_ids = _project_of_the_first_township(api, database_url, hid, measure_id)
    values.update(project_ids)
    secrets += [project_ids["project_id"], project_ids["target_id"], project_ids["milestone_id"], "东方红村项目"]
    secrets.append(project_ids["notice_id"])
    secrets += ["PZ-WALK-1", "东方红村合作社"]
    BODIES["projects-beneficiaries-link"] = {"household_ids": [hid]}
    project_before = _project_state(api, project_ids["project_id"])
    finding_ids = _finding_of_the_first_township(api, hid)
    values.update(finding_ids)
    secrets += [finding_ids["finding_id"], finding_ids["task_id"], finding_ids["pause_id"], "卧虎镇问题甲"]
    finding_before = _finding_state(api, finding_ids["finding_id"])
    period = _assessed_period(api)
    values.update(period=period, region_code=FIRST_TOWNSHIP)
    score_before = api.get(owner, f"/api/v1/assessments/{period}/scores/{FIRST_TOWNSHIP}").json()
    before = api.get(owner, f"/api/v1/households/{hid}").json()
    trail_before = writes_in_trail(api, owner, hid)
    measure = api.get(owner, f"/api/v1/measures/{measure_id}")
    intruders = _intruders(api)

    spec = api.client.app.openapi()  # type: ignore[attr-defined]
    all_ops = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert len(all_ops) >= 30
    assert not all_ops - set(OPERATIONS), (
        f"operations not covered by the scope walk: {sorted(all_ops - set(OPERATIONS))}"
    )
    assert not set(OPERATIONS) - all_ops, f"the walk lists operations that no longer exist: {set(OPERATIONS) - all_ops}"
    walked: set[tuple[str, str]] = set()

    def check_no_leak(label: str, r: Any) -> None:
        text = r.text
        if r.headers.get("content-type", "").startswith("application/problem+json"):
            text = str({k: v for k, v in r.json().items() if k != "instance"})  # the caller's own URL
        for secret in secrets:
            assert secret not in text, f"{label} leaked {secret}"

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            op = operation["operationId"]
            kind = OPERATIONS[op]
            url = path
            for name, value in values.items():
                url = url.replace("{" + name + "}", value)
            assert "{" not in url, f"the walk does not know a path parameter of {path}"
            query_names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            for who, auth in intruders.items():
                body = BODIES.get(op)
                body = body() if callable(body) else body
                kwargs: dict[str, Any] = {}
                if op == "members-remove":
                    kwargs["params"] = {"reason": "death"}
                if op == "evidence-list":
                    kwargs["params"] = {"owner_type": "visit", "owner_id": values["visit_id"]}
                if op == "evidence-upload":
                    kwargs["data"] = {"owner_type": "visit", "owner_id": values["visit_id"]}
                    kwargs["files"] = {"file": ("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")}
                if op == "assessment-score-records":
                    kwargs["params"] = {"indicator": "jzbf_visits"}
                if op in ("cadres-turnover", "cadres-residency"):
                    kwargs["params"] = {"year": 2024}
                if body is not None:
                    kwargs["json"] = body
                if op == "auth-token":
                    r = api.client.post(url, data={"username": "township2", "password": "fupin-demo"})
                else:
                    headers = {**auth, "If-Match": '"1"'}
                    r = api.client.request(method.upper(), url, headers=headers, **kwargs)
                label = f"{who}: {method.upper()} {url}"
                walked.add((op, who))
                if kind == RECORD:
                    assert r.status_code in (403, 404), (label, r.status_code, r.text)
                elif kind == PRIVILEGED:
                    assert r.status_code == 403, (label, r.status_code, r.text)
                elif kind == CREATE:
                    assert r.status_code in (403, 422), (label, r.status_code, r.text)
                    if r.status_code == 422:
                        codes = {r.json()["code"], *(e["code"] for e in r.json()["errors"])}
                        assert codes & {"region.unknown_village", "region.unknown", "project.region_outside"}, (
                            label,
                            r.text,
                        )
                elif kind == LIST:
                    assert r.status_code in (200, 403), (label, r.status_code, r.text)
                    for name in REGION_FILTERS:
                        if name in query_names and r.status_code == 200:
                            extra = kwargs.get("params", {})
                            narrowed = api.client.get(url, headers=auth, params={**extra, name: FIRST_TOWNSHIP})
                            assert narrowed.status_code == 404, (label, name, narrowed.text)
                            check_no_leak(f"{label}?{name}=", narrowed)
                else:
                    assert r.status_code < 500, (label, r.status_code, r.text)
                check_no_leak(label, r)
    # every operation of the contract was walked by both intruders
    assert {op for op, _ in walked} == all_ops
    assert api.get(owner, f"/api/v1/households/{hid}").json() == before
    assert writes_in_trail(api, owner, hid) == trail_before
    assert api.get(owner, f"/api/v1/measures/{measure_id}").json() == measure.json()
    assert _project_state(api, project_ids["project_id"]) == project_before
    assert _finding_state(api, finding_ids["finding_id"]) == finding_before
    assert api.get(owner, f"/api/v1/assessments/{period}/scores/{FIRST_TOWNSHIP}").json() == score_before
    assert api.get(owner, f"/api/v1/pending-changes/{pending_id}").json()["state"] == "pending"
    assert api.get(owner, f"/api/v1/projects/{project['id']}").json() == project
    assert api.get(owner, f"/api/v1/cadres/{cadre['id']}").json()["version"] == 1
    assert len(api.get(owner, f"/api/v1/cadres/{cadre['id']}/assignments").json()["items"]) == 1
    assert len(api.get(owner, f"/api/v1/households/{hid}/visits").json()["items"]) == 1
    listed = api.get(owner, "/api/v1/evidence", params={"owner_type": "visit", "owner_id": visit["id"]}).json()
    assert [e["id"] for e in listed["items"]] == [photo["id"]]


def test_lists_never_show_other_areas(api: Api) -> None:
    for user, prefix in (
        ("township", "220382102"),
        ("township2", "220382101"),
        ("village", "220382102201"),
        ("county_office", "220382"),
    ):
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = api.get(user, "/api/v1/households", params=params).json()
            assert all(i["village_code"].startswith(prefix) for i in page["items"]), user
            cursor = page["next_cursor"]
            if not cursor:
                break
    # a region filter outside the area is a 404; a wider one just narrows to the area
    r = api.get("township2", "/api/v1/households", params={"region": "220382102000"})
    assert r.status_code == 404
    wide = api.get("township2", "/api/v1/households", params={"region": "220382000000", "limit": 200}).json()
    assert wide["items"] and all(i["village_code"].startswith("220382101") for i in wide["items"])
    assert api.get("township2", "/api/v1/regions/220382102000").status_code == 404
    assert api.get("township2", "/api/v1/regions", params={"parent": "220382000000"}).status_code == 404
    assert api.get("township2", "/api/v1/stats/summary", params={"region": "220382102000"}).status_code == 404
    kids = api.get("county_office", "/api/v1/regions", params={"parent": "220382000000"}).json()["items"]
    assert kids and all(k["code"].startswith("220382") and k["level"] == 4 for k in kids)
