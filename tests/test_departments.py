"""Line departments' fields: a department principal records and changes only measures of its measure types
(403 `measures.department_field`), only in its area (404); health details by its field; the mapping is data an
administrator edits (audited)."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import Api, assert_problem
from tests.test_measures import HH, M, body, create, refused

D = "/api/v1/departments"


def key(api: Api, department: str, *, region: str = "220300000000", pii: bool = False) -> dict[str, str]:
    r = api.post(
        "admin",
        "/api/v1/api-keys",
        json={
            "name": f"{department}-script",
            "roles": ["department"],
            "region_code": region,
            "department": department,
            "pii": pii,
        },
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


def test_department_records_its_own_field_only(api: Api, db_state: Any, measures_state: Any) -> None:
    hid = api.first_household()["id"]
    made = api.post("department", M, json=body(hid, type="health", content="大病救助, 先诊疗后付费"))
    assert made.status_code == 201, made.text
    assert made.json()["department"] == "health"
    api.token("department")
    before = db_state(), measures_state()
    refused(api.post("department", M, json=body(hid, type="education")), 403, "measures.department_field", "/type")
    refused(
        api.post("department", M, json=body(hid, type="health", department="education")),
        403,
        "measures.department_field",
        "/department",
    )
    # another department's measure may not be changed, not even into its own type
    other = create(api, "township", body(hid, type="education"))
    before = db_state(), measures_state()
    for r in (
        api.patch("department", f"{M}/{other['id']}", json={"type": "health"}, headers={"If-Match": '"1"'}),
        api.post(
            "department", f"{M}/{other['id']}/transitions", json={"to": "in_progress"}, headers={"If-Match": '"1"'}
        ),
    ):
        refused(r, 403, "measures.department_field")
    mine = made.json()
    refused(
        api.patch("department", f"{M}/{mine['id']}", json={"type": "education"}, headers={"If-Match": '"1"'}),
        403,
        "measures.department_field",
        "/type",
    )
    assert (db_state(), measures_state()) == before
    # its own measure it changes and completes
    done = api.post(
        "department",
        f"{M}/{mine['id']}/transitions",
        json={"to": "done", "done_on": "2018-08-01"},
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200, done.text


def test_department_outside_its_area_is_404(api: Api, measures_state: Any) -> None:
    outside = key(api, "education", region="220382101000")  # another township
    hid = api.first_household()["id"]
    before = measures_state()
    r = api.client.post(M, headers=outside, json=body(hid, type="education"))
    assert_problem(r, 404, "not_found")
    assert measures_state() == before


def test_disabled_persons_federation_owns_health_for_disabled_members(api: Api, measures_state: Any) -> None:
    members = [
        factories.member("01", male=True, name="张残", health="disabled", disability_grade=2),
        factories.member("02", name="李好", health="healthy"),
    ]
    hh = api.post("township", HH, json=factories.household(members=members)).json()
    disabled = next(m for m in hh["members"] if m["is_head"])
    healthy = next(m for m in hh["members"] if not m["is_head"])
    federation = key(api, "disabled")
    ok = api.client.post(
        M, headers=federation, json=body(hh["id"], type="health", member_id=disabled["id"], content="辅具适配")
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["department"] == "disabled"
    before = measures_state()
    for member in (healthy["id"], None):
        r = api.client.post(M, headers=federation, json=body(hh["id"], type="health", member_id=member))
        refused(r, 403, "measures.department_field", "/type")
    assert measures_state() == before


def test_health_details_follow_the_field(api: Api) -> None:
    members = [
        factories.member("01", male=True, health="serious"),
        factories.member("02", health="disabled", disability_grade=3),
    ]
    hid = api.post("township", HH, json=factories.household(members=members)).json()["id"]
    health = api.get("department", f"{HH}/{hid}").json()  # 卫健委, without the personal-data permission
    assert health["pii_masked"] is True and "*" in health["members"][0]["id_number"]
    assert sorted(m["health"] for m in health["members"]) == ["disabled", "serious"]
    assert {m["disability_grade"] for m in health["members"]} == {None, 3}
    listed = api.get("department", f"{HH}/{hid}/members").json()["items"]
    assert sorted(m["health"] for m in listed) == ["disabled", "serious"]
    education = api.client.get(f"{HH}/{hid}", headers=key(api, "education", pii=True)).json()
    assert education["pii_masked"] is False and "*" not in education["members"][0]["id_number"]
    assert {m["health"] for m in education["members"]} == {None}  # personal data, but not the health details
    assert {m["disability_grade"] for m in education["members"]} == {None}
    # nor in the household's trail: a member's health change is withheld there too
    head = api.get("township", f"{HH}/{hid}").json()["members"][0]
    r = api.patch(
        "township",
        f"{HH}/{hid}/members/{head['id']}",
        json={"health": "chronic"},
        headers={"If-Match": f'"{head["version"]}"'},
    )
    assert r.status_code == 200, r.text
    trail = api.client.get(f"{HH}/{hid}/audit-events", headers=key(api, "education", pii=True)).json()["items"]
    text = str([e["changes"] for e in trail])
    assert "serious" not in text and "chronic" not in text
    assert "*" not in str(trail[0]["changes"].get("phone", ""))  # other personal data: shown, it has pii
    health_trail = api.client.get(f"{HH}/{hid}/audit-events", headers=key(api, "health", pii=True)).json()["items"]
    assert "serious" in str([e["changes"] for e in health_trail])


def test_the_mapping_is_data_an_administrator_edits(api: Api, db_state: Any, measures_state: Any) -> None:
    listed = api.get("department", D).json()["items"]
    mapping = {d["code"]: d for d in listed}
    assert mapping["hrss"]["measure_types"] == ["employment", "ecological"]
    assert mapping["agriculture"]["measure_types"] == ["industry", "pv", "asset_income"]
    assert mapping["disabled"]["disabled_member_types"] == ["health"] and mapping["disabled"]["measure_types"] == []
    assert mapping["medical_insurance"]["name"] == "医保局"
    hid = api.first_household()["id"]
    api.token("township")
    before = db_state(), measures_state()
    assert_problem(
        api.put("township", f"{D}/health", json={"measure_types": ["health", "education"]}), 403, "forbidden"
    )
    assert_problem(api.put("admin", f"{D}/police", json={"measure_types": ["health"]}), 404, "not_found")
    refused(api.put("admin", f"{D}/health", json={"measure_types": ["magic"]}), 422, "code.unknown", "/measure_types/0")
    refused(
        api.put("admin", f"{D}/health", json={"measure_types": ["health", "health"]}),
        422,
        "department.duplicate_type",
        "/measure_types",
    )
    refused(api.put("admin", f"{D}/health", json={}), 422, "required")
    assert_problem(
        api.put("admin", f"{D}/health", json={"name": "卫健委"}, headers={"If-Match": '"9"'}),
        412,
        "precondition_failed",
    )
    assert (db_state(), measures_state()) == before
    r = api.put(
        "city_office", f"{D}/health", json={"measure_types": ["health", "education"]}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["measure_types"] == ["health", "education"] and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    )
    assert api.post("department", M, json=body(hid, type="education")).status_code == 201
    events = api.get("auditor", "/api/v1/audit-events", params={"action": "department.updated"}).json()["items"]
    assert events and events[0]["changes"]["measure_types"] == [["health"], ["health", "education"]]


def test_a_department_is_a_code_of_the_department_table(api: Api, db_state: Any) -> None:
    api.token("admin")
    before = db_state()
    body = {"name": "x", "roles": ["department"], "region_code": "220300000000", "department": "police"}
    refused(api.post("admin", "/api/v1/api-keys", json=body), 422, "code.unknown", "/department")
    user = {"username": "dept-x", "password": "long-enough-1", "display_name": "x", **body}
    del user["name"]
    refused(api.post("admin", "/api/v1/users", json=user), 422, "code.unknown", "/department")
    assert db_state() == before


def test_a_department_login_or_key_must_name_its_department(api: Api) -> None:
    body = {"username": "dept_none", "password": "fupin-demo", "display_name": "无部门", "roles": ["department"]}
    body["region_code"] = "220382000000"
    assert_problem(api.post("admin", "/api/v1/users", json=body), 422, "user.department_required", "/department")
    key = {"name": "无部门密钥", "roles": ["department"], "region_code": "220382000000"}
    assert_problem(api.post("admin", "/api/v1/api-keys", json=key), 422, "user.department_required", "/department")
    assert "dept_none" not in {u["username"] for u in api.get("admin", "/api/v1/users").json()["items"]}


def test_a_health_measure_in_the_trail_is_withheld_outside_the_health_field(api: Api) -> None:
    members = [factories.member("01", male=True, health="serious")]
    hid = api.post("township", HH, json=factories.household(members=members)).json()["id"]
    measure = {"household_id": hid, "type": "health", "content": "慢病签约服务: 高血压", "year": 2018}
    measure.update(planned_on="2018-10-31", amount="0.00")
    r = api.post("township", "/api/v1/measures", json=measure)
    assert r.status_code == 201, r.text
    education = api.client.get(f"{HH}/{hid}/audit-events", headers=key(api, "education", pii=True)).json()
    assert "高血压" not in str(education["items"]) and any(e["entity_type"] == "measure" for e in education["items"])
    health = api.client.get(f"{HH}/{hid}/audit-events", headers=key(api, "health", pii=True)).json()
    assert "高血压" in str(health["items"])
