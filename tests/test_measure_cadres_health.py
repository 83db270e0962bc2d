"""A measure's responsible cadre (`cadre_id`) on every way in and out, and health measures (健康) without their
health details for callers that may not see them: list, household measures, detail, export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.cadre_support import households, new_cadre
from tests.conftest import Api
from tests.test_measures import HH, M, body, refused

ZERO = "00000000-0000-0000-0000-000000000000"


def test_cadre_on_create_patch_list_export(api: Api) -> None:
    hh = households(api, 1)[0]
    cadre = new_cadre(api)
    other = new_cadre(api)
    r = api.post("township", M, json=body(hh["id"], cadre_id=cadre["id"]))
    assert r.status_code == 201, r.text
    measure = r.json()
    assert measure["cadre_id"] == cadre["id"]
    assert api.get("township", f"{M}/{measure['id']}").json()["cadre_id"] == cadre["id"]
    listed = api.get("township", M, params={"cadre": cadre["id"]}).json()["items"]
    assert [m["id"] for m in listed] == [measure["id"]]
    assert api.get("township", M, params={"cadre": other["id"]}).json()["items"] == []
    refused(api.get("township", M, params={"cadre": "nope"}), 422, "uuid_parsing", "/query/cadre")
    changed = api.patch("township", f"{M}/{measure['id']}", json={"cadre_id": other["id"]}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["cadre_id"] == other["id"], changed.text
    trail = api.get("township", f"{HH}/{hh['id']}/audit-events").json()["items"]
    assert any(e["action"] == "measure.updated" and "cadre_id" in e["changes"] for e in trail)
    cleared = api.patch("township", f"{M}/{measure['id']}", json={"cadre_id": None}, headers={"If-Match": '"2"'})
    assert cleared.status_code == 200 and cleared.json()["cadre_id"] is None
    api.patch("township", f"{M}/{measure['id']}", json={"cadre_id": cadre["id"]}, headers={"If-Match": '"3"'})
    exported = api.get("township", f"{M}/export", params={"cadre": cadre["id"]})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "责任干部编号" and [row[-1] for row in rows[1:]] == [cadre["id"]]
    nd = api.get("township", f"{M}/export", params={"cadre": cadre["id"], "format": "ndjson"})
    assert [json.loads(line)["cadre_id"] for line in nd.text.splitlines()] == [cadre["id"]]


def test_cadre_on_upsert_and_batch(api: Api) -> None:
    hh = households(api, 1)[0]
    cadre = new_cadre(api)
    url = f"{M}/by-external/wiring-sys/C-1"
    data = body(hh["id"], cadre_id=cadre["id"])
    created = api.put("township", url, json=data)
    assert created.status_code == 201 and created.json()["cadre_id"] == cadre["id"], created.text
    same = api.put("township", url, json=data)
    assert same.status_code == 200 and same.json()["version"] == 1
    moved = api.put("township", url, json={**data, "cadre_id": None})
    assert moved.json()["cadre_id"] is None and moved.json()["version"] == 2
    items = [
        {**body(hh["id"], cadre_id=cadre["id"]), "source_system": "wiring-sys", "external_id": "C-2"},
        {**body(hh["id"], cadre_id=ZERO), "source_system": "wiring-sys", "external_id": "C-3"},
    ]
    results = api.post("township", f"{M}/batch", json={"items": items}).json()["results"]
    assert results[0]["outcome"] == "created"
    assert results[1]["status"] == 422 and results[1]["problem"]["errors"][0]["pointer"] == "/cadre_id"
    assert api.get("township", f"{M}/{results[0]['id']}").json()["cadre_id"] == cadre["id"]


def test_bad_cadres_change_nothing(api: Api, db_state: Any, measures_state: Any) -> None:
    hh = households(api, 1)[0]
    elsewhere = new_cadre(api, region_code="220382102205")  # serves another village of the township
    stranger = new_cadre(api, user="township2", region_code="220382101000")  # another township's
    measure = api.post("township", M, json=body(hh["id"])).json()
    url = f"{M}/{measure['id']}"
    api.token("township")
    before = db_state(), measures_state()
    for cadre_id, code in ((elsewhere["id"], "measure.cadre_outside_area"), (stranger["id"], "measure.cadre_unknown")):
        refused(api.post("township", M, json=body(hh["id"], cadre_id=cadre_id)), 422, code, "/cadre_id")
        refused(api.patch("township", url, json={"cadre_id": cadre_id}, headers={"If-Match": '"1"'}), 422, code)
        refused(
            api.put("township", f"{M}/by-external/wiring-sys/X-9", json=body(hh["id"], cadre_id=cadre_id)), 422, code
        )
        item = {**body(hh["id"], cadre_id=cadre_id), "source_system": "wiring-sys", "external_id": "X-9"}
        result = api.post("township", f"{M}/batch", json={"items": [item]}).json()["results"][0]
        assert result["outcome"] == "failed" and result["problem"]["errors"][0]["code"] == code
    refused(
        api.patch("township", url, json={"cadre_id": 7}, headers={"If-Match": '"1"'}), 422, "uuid_type", "/cadre_id"
    )
    assert (db_state(), measures_state()) == before


def test_health_measures_withheld_from_who_may_not_see_health(api: Api) -> None:
    hh = households(api, 1)[0]
    spouse = api.get("township", f"{HH}/{hh['id']}/members").json()["items"][-1]["id"]
    health = api.post(
        "township", M, json=body(hh["id"], type="health", content="慢病签约服务", member_id=spouse)
    ).json()
    industry = api.post("township", M, json=body(hh["id"], member_id=spouse)).json()
    assert health["content"] == "慢病签约服务" and health["member_id"] == spouse
    for user in ("inspector", "cadre"):
        detail = api.get(user, f"{M}/{health['id']}").json()
        assert detail["content"] is None and detail["member_id"] is None and detail["type"] == "health"
        assert detail["amount"] == health["amount"] and detail["id"] == health["id"]
        shown = api.get(user, f"{M}/{industry['id']}").json()
        assert shown["content"] == industry["content"] and shown["member_id"] == spouse
        listed = {m["id"]: m for m in api.get(user, M, params={"household_id": hh["id"]}).json()["items"]}
        assert listed[health["id"]]["content"] is None and listed[health["id"]]["member_id"] is None
        assert listed[industry["id"]]["content"] == industry["content"]
        own = {m["id"]: m for m in api.get(user, f"{HH}/{hh['id']}/measures").json()["items"]}
        assert own[health["id"]]["content"] is None and own[industry["id"]]["member_id"] == spouse
        nd = api.get(user, f"{M}/export", params={"household_id": hh["id"], "format": "ndjson"})
        records = {r["id"]: r for r in map(json.loads, nd.text.splitlines())}
        assert records[health["id"]]["content"] is None and records[health["id"]]["member_id"] is None
        assert records[industry["id"]]["content"] == industry["content"]
        text = api.get(user, f"{M}/export", params={"household_id": hh["id"]}).content.decode("utf-8-sig")
        rows = {row[0]: row for row in csv.reader(io.StringIO(text))}
        assert rows[health["id"]][6] == "" and rows[health["id"]][4] == "" and rows[health["id"]][5] == "健康"
        assert rows[industry["id"]][6] == industry["content"] and rows[industry["id"]][4] != ""
    # the health department and offices with the personal-data permission see it whole
    assert api.get("department", f"{M}/{health['id']}").json()["content"] == "慢病签约服务"
    assert api.get("county_office", f"{M}/{health['id']}").json()["member_id"] == spouse
