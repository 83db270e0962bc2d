"""A household moved to another village takes its measures, pairings, visits and evidence with it: the old area
no longer reads or writes them, the new one does, and the old area's feed gets tombstones."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.cadre_support import assign, days_ago, new_cadre, upload, visit
from tests.conftest import Api, assert_problem
from tests.test_measures import body as measure_body

HH = "/api/v1/households"


def test_a_moved_household_takes_its_records_with_it(api: Api) -> None:
    household = api.post("township", HH, json=factories.household()).json()
    hid = household["id"]
    measure = api.post("township", "/api/v1/measures", json=measure_body(hid)).json()
    cadre = new_cadre(api)
    assign(api, cadre["id"], household_id=hid)
    seen = visit(api, cadre["id"], hid, visited_on=days_ago(1))
    photo = upload(api, "township", owner_id=seen["id"])
    assert photo.status_code == 201, photo.text
    start = api.get("county_office", "/api/v1/changes", params={"after": 0, "limit": 1}).json()
    after = start["next_after"] if start["items"] else "0"
    while True:
        page = api.get("county_office", "/api/v1/changes", params={"after": after, "limit": 1000}).json()
        if not page["items"]:
            break
        after = page["next_after"]
    etag = api.get("county_office", f"{HH}/{hid}").headers["ETag"]
    r = api.patch(
        "county_office",
        f"{HH}/{hid}",
        json={"village_code": factories.OTHER_TOWNSHIP_VILLAGE},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    # the old township neither reads nor changes them
    assert_problem(api.get("township", f"/api/v1/measures/{measure['id']}"), 404, "not_found")
    url = f"/api/v1/measures/{measure['id']}"
    changed = api.patch("township", url, json={"content": "改"}, headers={"If-Match": '"9"'})
    assert changed.status_code == 404, changed.text
    assert api.get("township", "/api/v1/visits", params={"cadre_id": cadre["id"]}).json()["items"] == []
    assert_problem(api.get("township", f"/api/v1/evidence/{photo.json()['id']}"), 404, "not_found")
    # the new one does
    assert api.get("township2", f"/api/v1/measures/{measure['id']}").json()["household_id"] == hid
    assert [m["id"] for m in api.get("township2", f"{HH}/{hid}/measures").json()["items"]] == [measure["id"]]
    assert [v["id"] for v in api.get("township2", f"{HH}/{hid}/visits").json()["items"]] == [seen["id"]]
    assert api.get("township2", f"/api/v1/evidence/{photo.json()['id']}").status_code == 200
    # the feed: each record tombstoned in the old village, present in the new one, on the household's trail
    entries: list[dict[str, Any]] = api.get(
        "county_office", "/api/v1/changes", params={"after": after, "limit": 1000}
    ).json()["items"]
    for entity, record_id in (("measure", measure["id"]), ("visit", seen["id"]), ("evidence", photo.json()["id"])):
        mine = [e for e in entries if e["entity_type"] == entity and e["entity_id"] == record_id]
        assert [(e["action"], e["region_code"], e["tombstone"]) for e in mine] == [
            ("moved_out", factories.DEMO_VILLAGE, True),
            ("updated", factories.OTHER_TOWNSHIP_VILLAGE, False),
        ], mine
        assert all(e["household_id"] == hid for e in mine)
