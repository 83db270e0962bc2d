"""Scripted access for line departments: the conditional upsert by (source_system, external_id) and the batch of
up to 1,000 independent items with a result per item, in order."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, assert_problem
from tests.test_departments import key
from tests.test_measures import HH, M, body, household, refused

PUT = f"{M}/by-external"


def test_upsert_creates_replaces_and_leaves_identical_alone(api: Api) -> None:
    hh = household(api)
    data = body(hh["id"], type="health", content="家庭医生签约")
    url = f"{PUT}/wjw-his/HX-0001"
    created = api.put("department", url, json=data)
    assert created.status_code == 201, created.text
    measure = created.json()
    assert measure["source_system"] == "wjw-his" and measure["external_id"] == "HX-0001" and measure["version"] == 1
    assert created.headers["Location"] == f"{M}/{measure['id']}"
    same = api.put("department", url, json=data)
    assert same.status_code == 200 and same.json() == measure  # identical: the same version, nothing recorded
    changed = api.put("department", url, json={**data, "status": "done", "done_on": "2018-07-01", "amount": "0"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["status"] == "done" and changed.json()["amount"] == "0.00"
    assert_problem(api.put("department", url, json=data, headers={"If-Match": '"1"'}), 412, "precondition_failed")
    # done stays done: the department's system cannot reopen it
    refused(
        api.put("department", url, json=data, headers={"If-Match": '"2"'}),
        409,
        "measure.transition_not_allowed",
        "/status",
    )
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    assert [e["action"] for e in trail if e["action"].startswith("measure.")].count("measure.updated") == 1
    feed = api.get("integration", "/api/v1/changes", params={"limit": 200}).json()["items"]
    mine = [c for c in feed if c["entity_type"] == "measure" and c["entity_id"] == measure["id"]]
    assert [c["action"] for c in mine] == ["created", "updated"] and mine[0]["external_id"] == "HX-0001"


def test_upsert_refusals(api: Api, measures_state: Any) -> None:
    hh = household(api)
    other = household(api)
    url = f"{PUT}/wjw-his/HX-0002"
    assert api.put("department", url, json=body(hh["id"], type="health")).status_code == 201
    outside = key(api, "health", region="220382101000")
    before = measures_state()
    refused(
        api.put("department", url, json=body(other["id"], type="health")),
        422,
        "measure.household_fixed",
        "/household_id",
    )
    refused(api.put("department", url, json=body(hh["id"], type="water")), 403, "measures.department_field", "/type")
    refused(
        api.put("department", f"{PUT}/wjw-his/HX-new", json=body(hh["id"], type="health"), headers={"If-Match": '"1"'}),
        412,
        "precondition_failed",
    )
    assert_problem(api.client.put(url, headers=outside, json=body(hh["id"], type="health")), 404, "not_found")
    refused(
        api.put("department", f"{PUT}/wjw his/1", json=body(hh["id"], type="health")), 422, "string_pattern_mismatch"
    )
    assert measures_state() == before
    # a key given at create is the same key space
    refused(
        api.post("township", M, json=body(hh["id"], source_system="wjw-his", external_id="HX-0002")),
        409,
        "measure.duplicate_external",
        "/external_id",
    )
    assert measures_state() == before


def test_batch_items_are_independent_and_answered_in_order(api: Api, measures_state: Any) -> None:
    hh = household(api)
    spouse = next(m for m in hh["members"] if not m["is_head"])["id"]
    stranger = household(api)["members"][0]["id"]

    def item(n: int, **overrides: Any) -> dict[str, Any]:
        return {
            **body(hh["id"], type="health", content=f"慢病签约 {n}"),
            "source_system": "wjw-his",
            "external_id": f"B-{n}",
            **overrides,
        }

    items = [
        item(1),
        item(2, amount="-5"),  # invalid
        item(3, type="education"),  # outside the field
        item(4, member_id=stranger),  # a member of another household
        item(5, member_id=spouse, status="done", done_on="2018-03-01"),
        item(1),  # the first again: identical
    ]
    before = measures_state()
    r = api.post("department", f"{M}/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == list(range(len(items)))
    assert [(x["status"], x["outcome"]) for x in results] == [
        (201, "created"),
        (422, "failed"),
        (403, "failed"),
        (422, "failed"),
        (201, "created"),
        (200, "unchanged"),
    ]
    assert results[1]["problem"]["errors"][0]["pointer"] == "/amount"
    assert results[2]["problem"]["code"] == "measures.department_field"
    assert results[3]["problem"]["code"] == "measure.member_not_in_household"
    assert results[0]["id"] == results[5]["id"] and results[5]["version"] == 1
    count, _ = measures_state()[0]
    assert count == before[0][0] + 2
    listed = api.get("township", f"{HH}/{hh['id']}/measures").json()["items"]
    assert sorted(m["external_id"] for m in listed) == ["B-1", "B-5"]
    second = api.post(
        "department", f"{M}/batch", json={"items": [item(5, member_id=spouse, status="done", done_on="2018-03-02")]}
    )
    assert second.json()["results"][0]["outcome"] == "updated" and second.json()["results"][0]["version"] == 2


def test_batch_limits(api: Api, measures_state: Any) -> None:
    hid = api.first_household()["id"]
    before = measures_state()
    refused(api.post("department", f"{M}/batch", json={"items": []}), 422, "too_short", "/items")
    # an item that is not an object is a malformed batch: nothing of it is taken
    bad = [{**body(hid, type="health"), "source_system": "s", "external_id": "ok"}, "not an object"]
    refused(api.post("department", f"{M}/batch", json={"items": bad}), 422, "dict_type", "/items/1")
    many = [{**body(hid, type="health"), "source_system": "s", "external_id": f"x{i}"} for i in range(1001)]
    r = api.post("department", f"{M}/batch", json={"items": many})
    assert r.status_code in (413, 422), r.text
    assert_problem(api.post("inspector", f"{M}/batch", json={"items": [many[0]]}), 403, "forbidden")
    assert measures_state() == before


def test_export_formats_and_filters(api: Api) -> None:
    import csv
    import io
    import json

    from openpyxl import load_workbook

    hh = household(api)
    made = [
        api.post("township", M, json=body(hh["id"], type=t, content=f"措施 {t}")).json() for t in ("industry", "health")
    ]
    params = {"household_id": hh["id"]}
    r = api.get("township", f"{M}/export", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv") and r.headers["X-Fupin-Export-Rows"] == "2"
    assert r.headers["X-Fupin-Changes-Position"] and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["措施编号", "户编号", "村代码"]
    assert [row[0] for row in rows[1:]] == [m["id"] for m in made]
    assert [row[5] for row in rows[1:]] == ["产业", "健康"] and rows[1][9] == "8000.50"
    gb = api.get("township", f"{M}/export", params={**params, "encoding": "gb18030", "type": "health"})
    assert "健康" in gb.content.decode("gb18030") and gb.headers["X-Fupin-Export-Rows"] == "1"
    nd = api.get("township", f"{M}/export", params={**params, "format": "ndjson"})
    lines = [json.loads(line) for line in nd.text.splitlines()]
    assert lines == [api.get("township", f"{M}/{m['id']}").json() for m in made]
    x = api.get("township", f"{M}/export", params={**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet.title == "帮扶措施" and sheet.max_row == 3
    assert_problem(api.get("township2", f"{M}/export", params={"region": "220382102000"}), 404, "not_found")
    refused(
        api.get("township", f"{M}/export", params={"format": "xlsx", "encoding": "gb18030"}),
        422,
        "export.encoding_csv_only",
    )
    events = api.get("auditor", "/api/v1/audit-events", params={"action": "export.created"}).json()["items"]
    assert any(e["changes"]["entity"] == "measures" for e in events)


def test_batch_item_of_another_area_is_a_404_and_saves_nothing(api: Api, measures_state: Any) -> None:
    hh = household(api)
    mine = {**body(hh["id"]), "source_system": "walk", "external_id": "area-1"}
    assert api.post("township", f"{M}/batch", json={"items": [mine]}).json()["results"][0]["status"] == 201
    before = measures_state()
    theirs = api.post(
        "township2", f"{M}/batch", json={"items": [{**mine, "content": "越权"}, {**mine, "external_id": "area-2"}]}
    )
    assert theirs.status_code == 200
    assert [(x["status"], x["problem"]["code"]) for x in theirs.json()["results"]] == [
        (404, "not_found"),
        (404, "not_found"),
    ]
    assert hh["id"] not in theirs.text
    assert measures_state() == before


def test_a_batch_leaves_an_intact_audit_chain_and_one_trail_entry_per_measure(api: Api, settings: Any) -> None:
    from tests.test_audit_chain import verify

    hh = household(api)
    items = [
        {**body(hh["id"], content=f"批量 {n}"), "source_system": "chain", "external_id": f"c-{n}"} for n in range(5)
    ]
    items.append({**items[0], "content": "批量 0, 改"})  # the same key again, later in the batch: after the others
    r = api.post("township", f"{M}/batch", json={"items": items})
    assert [x["outcome"] for x in r.json()["results"]] == ["created"] * 5 + ["updated"]
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    assert sum(e["action"] == "measure.created" for e in trail) == 5
    assert sum(e["action"] == "measure.updated" for e in trail) == 1
    feed = api.get("integration", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    mine = [c for c in feed if c["entity_type"] == "measure" and c["source_system"] == "chain"]
    assert len(mine) == 6 and all(c["household_id"] == hh["id"] for c in mine)
    assert [c["seq"] for c in mine] == sorted(c["seq"] for c in mine)
    assert verify(settings).ok
