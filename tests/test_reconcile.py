"""Reconciliation (`POST /api/v1/reconcile`) and the household content hash (docs/integration/content-hash.md)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from fupin.core.idnumber import make
from fupin.households.content_hash import canonical_json, content_hash
from tests import factories
from tests.conftest import Api, assert_problem

HH = "/api/v1/households"
URL = "/api/v1/reconcile"
COUNTY = "220382"  # 双辽市, the county_office's area
OTHER_COUNTY_VILLAGE = "220322100201"


def reconcile(api: Api, region: str, items: list[dict[str, Any]], user: str = "county_office") -> dict[str, Any]:
    r = api.post(user, URL, json={"entity": "households", "region_code": region, "items": items})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# ---------------------------------------------------------------- the content hash

FIXED_HOUSEHOLD: dict[str, Any] = {
    "household_number": "220382102201000999",
    "village_code": "220382102201",
    "group_name": "3组",
    "address": "3组18号",
    "phone": "13904341234",
    "bank_account": None,
    "identification_standard": "national",
    "attribute": "general",
    "main_cause": "01",
    "secondary_causes": ["08", "03"],
    "first_identified_on": date(2016, 5, 10),
    "status": "not_exited",
    "status_reason": None,
    "planned_exit_year": 2019,
    "exit_year": None,
    "housing_area": "85.5",
    "housing_safety": "A",
    "safe_drinking_water": True,
    "electricity": True,
    "road_type": None,
    "sanitary_toilet": False,
    "fuel": None,
    "relocated": False,
    "relocation_year": None,
    "relocation_site": None,
    "military_family": False,
    "only_child": False,
    "two_daughters": False,
}
HEAD_ID = make("650102", date(1970, 3, 1), 901)
SPOUSE_ID = make("650102", date(1972, 8, 9), 902)


def _member(id_number: str, **values: Any) -> dict[str, Any]:
    return {
        "name": "王建国",
        "id_type": "resident_id",
        "id_number": id_number,
        "gender": "1",
        "birth_date": date(1970, 3, 1),
        "ethnicity": "01",
        "relation": "01",
        "education": "junior",
        "school_status": "none",
        "health": "healthy",
        "disability_grade": None,
        "labour": "ordinary",
        "work_status": "in_county",
        "months_worked": 6,
        "public_welfare_job": False,
        "medical_insurance": True,
        "serious_illness_insurance": False,
        "pension_insurance": False,
        "dibao": False,
        "tekun": False,
        "active": True,
        **values,
    }


FIXED_MEMBERS = [
    _member(SPOUSE_ID, name="李秀兰", gender="2", birth_date=date(1972, 8, 9), relation="02"),
    _member(HEAD_ID),
    _member(make("650102", date(1995, 1, 1), 903), name="王小", relation="20", active=False),
]
# Derived once from FIXED_HOUSEHOLD / FIXED_MEMBERS by `content_hash` and checked by hand against the canonical
# JSON of docs/integration/content-hash.md (sha256sum of the bytes printed by `canonical_json`). A change of this
# value means every partner's stored hashes change: that needs a new "v".
FIXED_HASH = "13df23fa2e521a59a46f42ffab1b1eec52ce49ad073a30c493c709a81f37e1da"


def test_canonical_form_is_fixed() -> None:
    document = json.loads(canonical_json(FIXED_HOUSEHOLD, FIXED_MEMBERS))
    assert document["v"] == 1
    assert document["household"]["housing_area"] == "85.50"  # two places, always
    assert document["household"]["secondary_causes"] == ["03", "08"]  # sorted
    assert document["household"]["first_identified_on"] == "2016-05-10"
    assert document["household"]["group"] == "3组"
    # active members only, in ID-number order
    assert [m["id_number"] for m in document["members"]] == sorted([HEAD_ID, SPOUSE_ID])
    text = canonical_json(FIXED_HOUSEHOLD, FIXED_MEMBERS).decode()
    assert ", " not in text and ": " not in text and "\\u" not in text  # compact, UTF-8 as is
    assert content_hash(FIXED_HOUSEHOLD, FIXED_MEMBERS) == FIXED_HASH
    # the order members come in and float/Decimal spellings do not matter; any content change does
    assert content_hash({**FIXED_HOUSEHOLD, "housing_area": 85.50}, list(reversed(FIXED_MEMBERS))) == FIXED_HASH
    assert content_hash({**FIXED_HOUSEHOLD, "address": "3组19号"}, FIXED_MEMBERS) != FIXED_HASH


def _fixed_body() -> dict[str, Any]:
    def member_body(m: dict[str, Any]) -> dict[str, Any]:
        body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in m.items() if k != "active"}
        return {k: v for k, v in body.items() if v is not None}

    h = FIXED_HOUSEHOLD
    return {
        "village_code": h["village_code"],
        "group": h["group_name"],
        "address": h["address"],
        "phone": h["phone"],
        "attribute": h["attribute"],
        "identification_standard": h["identification_standard"],
        "main_cause": h["main_cause"],
        "secondary_causes": h["secondary_causes"],
        "first_identified_on": "2016-05-10",
        "planned_exit_year": h["planned_exit_year"],
        "housing_area": h["housing_area"],
        "housing_safety": h["housing_safety"],
        "safe_drinking_water": True,
        "electricity": True,
        "sanitary_toilet": False,
        "external_id": "JL-HASH-1",
        "source_system": "省平台",
        "members": [member_body(m) for m in (FIXED_MEMBERS[1], FIXED_MEMBERS[0])],
    }


def test_the_hash_read_from_the_database_is_the_documented_one(api: Api) -> None:
    """The same household stored on SQLite or PostgreSQL hashes to the value of the fixed data set."""
    r = api.post("township", HH, json=_fixed_body())
    assert r.status_code == 201, r.text
    created = r.json()
    result = reconcile(api, factories.DEMO_VILLAGE, [{"external_id": "JL-HASH-1", "source_system": "省平台"}])
    expected = content_hash({**FIXED_HOUSEHOLD, "household_number": created["household_number"]}, FIXED_MEMBERS)
    ours = reconcile(api, factories.DEMO_VILLAGE, [])
    mine = next(item for item in ours["missing_there"] if item["id"] == created["id"])
    assert mine["hash"] == expected
    assert mine["external_id"] == "JL-HASH-1" and mine["source_system"] == "省平台"
    assert result["missing_here"] == [] and result["differing"] == []
    # sending that hash: nothing differs; sending the household's old content (another address): it differs
    same = reconcile(api, factories.DEMO_VILLAGE, [{"id": created["id"], "hash": expected}])
    assert same["differing"] == [] and created["id"] not in [i["id"] for i in same["missing_there"]]
    older = content_hash({**FIXED_HOUSEHOLD, "household_number": created["household_number"], "address": "旧址"}, [])
    differs = reconcile(api, factories.DEMO_VILLAGE, [{"id": created["id"], "hash": older}])
    assert differs["differing"] == [{**mine, "their_version": None, "their_hash": older}]


# ---------------------------------------------------------------- reconciliation


def test_missing_here_missing_there_and_differing(api: Api) -> None:
    marked = api.post("township", HH, json=factories.household(external_id="JL-77", source_system="省平台")).json()
    assert marked["version"] == 1
    # changed once since: the platform holds version 1, behind ours
    marked = api.patch(
        "township", f"{HH}/{marked['id']}", json={"address": "改后地址"}, headers={"If-Match": '"1"'}
    ).json()
    ours = reconcile(api, factories.DEMO_VILLAGE, [])["missing_there"]
    assert len(ours) > 5 and all(o["id"] for o in ours)
    assert {o["id"] for o in ours} >= {marked["id"]}
    one, two, three, *rest = [o for o in ours if o["id"] != marked["id"]]
    stranger = str(uuid.uuid4())
    items = [
        {"id": one["id"], "version": one["version"]},  # agrees
        {"id": two["id"], "version": two["version"] + 1},  # their version is ahead
        {"id": three["id"], "hash": three["hash"]},  # agrees by hash
        {"external_id": "JL-77", "source_system": "省平台", "version": marked["version"] - 1},
        {"id": stranger, "version": 1},  # we do not have it
        {"external_id": "JL-NOT-HERE"},
        *({"id": o["id"]} for o in rest[1:]),  # presence only
    ]
    result = reconcile(api, factories.DEMO_VILLAGE, items)
    assert result["checked"] == len(items)
    assert [i["id"] for i in result["missing_there"]] == [rest[0]["id"]]
    assert result["missing_there"][0] == rest[0]
    assert [(d["id"], d["version"], d["their_version"]) for d in result["differing"]] == [
        (two["id"], two["version"], two["version"] + 1),
        (marked["id"], marked["version"], marked["version"] - 1),
    ]
    assert result["differing"][0]["hash"] == two["hash"]
    assert result["missing_here"] == [
        {"id": stranger, "external_id": None, "source_system": None, "version": 1, "hash": None},
        {"id": None, "external_id": "JL-NOT-HERE", "source_system": None, "version": None, "hash": None},
    ]


def test_only_the_region_within_the_callers_area(api: Api) -> None:
    village = reconcile(api, factories.DEMO_VILLAGE, [])["missing_there"]
    county = reconcile(api, COUNTY, [])["missing_there"]
    city = reconcile(api, "220300", [], user="city_office")["missing_there"]
    # the county office asking for the whole city gets its own county (narrowed to its area)
    narrowed = reconcile(api, "220300", [])["missing_there"]
    assert {o["id"] for o in village} < {o["id"] for o in county} < {o["id"] for o in city}
    assert narrowed == county
    # a household elsewhere is "missing here" for the county office even though it exists
    elsewhere = next(o for o in city if o["id"] not in {c["id"] for c in county})
    assert reconcile(api, COUNTY, [{"id": elsewhere["id"]}])["missing_here"][0]["id"] == elsewhere["id"]


def _lines(items: list[dict[str, Any]]) -> Iterator[bytes]:
    for n in range(0, len(items), 7):  # several items per chunk, lines split across chunks
        chunk = "".join(json.dumps(item) + "\n" for item in items[n : n + 7]).encode()
        yield chunk[:5]
        yield chunk[5:]


def test_a_whole_county_streams_as_ndjson(api: Api) -> None:
    county = reconcile(api, COUNTY, [])["missing_there"]
    items = [{"id": o["id"], "version": o["version"], "hash": o["hash"]} for o in county]
    items[3]["hash"] = "0" * 64
    changed = county[3]["id"]
    # the Idempotency-Key every POST may carry: a read-only comparison streams past it, nothing is stored
    key = str(uuid.uuid4())
    for _ in range(2):
        r = api.post(
            "county_office",
            URL,
            params={"entity": "households", "region_code": COUNTY},
            content=_lines(items[1:]),
            headers={"Content-Type": "application/x-ndjson", "Idempotency-Key": key},
        )
        assert r.status_code == 200, r.text
        assert "idempotent-replayed" not in r.headers
    result = r.json()
    assert result["checked"] == len(items) - 1
    assert [d["id"] for d in result["differing"]] == [changed]
    assert [m["id"] for m in result["missing_there"]] == [county[0]["id"]]
    assert result["missing_here"] == []


def test_bad_input(api: Api, unchanged: Any) -> None:
    some = str(uuid.uuid4())
    good = {"entity": "households", "region_code": factories.DEMO_VILLAGE}
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({**good, "entity": "members", "items": []}, 422, "validation_failed", "/entity"),
        ({**good, "items": [{"id": some}] * 3 + [{"version": 3}]}, 422, "validation_failed", "/items/3"),
        ({**good, "items": [{"id": some, "hash": "ABC"}]}, 422, "validation_failed", "/items/0/hash"),
        ({**good, "items": [{"id": some, "hash": "g" * 64}]}, 422, "validation_failed", "/items/0/hash"),
        ({**good, "items": [{"id": "not-a-uuid"}]}, 422, "validation_failed", "/items/0/id"),
        ({**good, "items": [{"id": some, "source_system": "x"}]}, 422, "validation_failed", "/items/0/source_system"),
        ({**good, "items": [{"id": some, "colour": "red"}]}, 422, "validation_failed", "/items/0/colour"),
        ({**good, "region_code": "22038"}, 422, "validation_failed", "/region_code"),
        ({**good, "items": [{"id": some}] * 10_001}, 422, "validation_failed", "/items"),
    ]
    for body, status, code, pointer in cases:
        assert_problem(api.post("county_office", URL, json=body), status, code, pointer)
    # a region outside the caller's area
    assert_problem(
        api.post("county_office", URL, json={**good, "region_code": OTHER_COUNTY_VILLAGE, "items": []}),
        404,
        "not_found",
    )
    # without the changes reader permission
    assert api.post("township", URL, json={**good, "items": []}).status_code == 403
    # too large for a JSON body
    huge = {**good, "items": [{"external_id": "x" * 80, "hash": "0" * 64}] * 25_000}
    assert_problem(api.post("county_office", URL, json=huge), 413, "payload_too_large")
    assert_problem(
        api.post("county_office", URL, content=b"{not json", headers={"Content-Type": "application/json"}),
        400,
        "malformed_json",
    )
    # NDJSON: a bad line, missing parameters, an overlong line
    ndjson = {"Content-Type": "application/x-ndjson"}
    lines = f'{{"id":"{some}"}}\n{{"id":"{some}"}}\n{{"id":"{some}","hash":"xyz"}}\n'.encode()
    params = {"entity": "households", "region_code": COUNTY}
    r = api.post("county_office", URL, params=params, content=lines, headers=ndjson)
    assert_problem(r, 422, "validation_failed", "/items/2/hash")
    r = api.post("county_office", URL, params={"entity": "households"}, content=lines, headers=ndjson)
    assert_problem(r, 422, "validation_failed", "/query/region_code")
    long_line = b'{"external_id":"' + b"x" * 5000 + b'"}\n'
    assert_problem(
        api.post("county_office", URL, params=params, content=long_line, headers=ndjson), 413, "payload_too_large"
    )
    assert_problem(
        api.post("county_office", URL, params=params, content=b"{]\n", headers=ndjson), 400, "malformed_json"
    )
    r = api.post(
        "county_office", URL, params={**params, "region_code": OTHER_COUNTY_VILLAGE}, content=lines, headers=ndjson
    )
    assert_problem(r, 404, "not_found")


def test_batches_and_pages_do_not_change_the_answer(api: Api, monkeypatch: Any) -> None:
    from fupin.reconcile import service

    county = reconcile(api, COUNTY, [])["missing_there"]
    items = [{"id": o["id"], "version": o["version"]} for o in county[::2]]
    items += [{"id": str(uuid.uuid4())} for _ in range(30)]
    items[5]["version"] += 3
    whole = reconcile(api, COUNTY, items)
    monkeypatch.setattr(service, "BATCH", 7)  # many batches of items, many keyset pages of the region
    assert reconcile(api, COUNTY, items) == whole
    assert len(whole["missing_there"]) == len(county) - len(county[::2])
    assert len(whole["missing_here"]) == 30 and len(whole["differing"]) == 1


def test_a_cancelled_household_is_not_missed_but_compared_when_sent(api: Api) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    current = api.get("county_office", f"{HH}/{h['id']}").headers["ETag"]
    r = api.post(
        "county_office",
        f"{HH}/{h['id']}/status-transitions",
        json={"to_status": "removed", "reason": "识别不准, 县级审定注销"},
        headers={"If-Match": current},
    )
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    assert h["id"] not in [o["id"] for o in reconcile(api, factories.DEMO_VILLAGE, [])["missing_there"]]
    sent = reconcile(api, factories.DEMO_VILLAGE, [{"id": h["id"], "version": version - 1}])
    assert sent["missing_here"] == [] and [(d["id"], d["version"]) for d in sent["differing"]] == [(h["id"], version)]
