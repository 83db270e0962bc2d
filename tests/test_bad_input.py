"""Bad and hostile input: a clear problem+json 4xx with a stable code, and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import factories
from tests.conftest import Api, assert_problem

HH = "/api/v1/households"


def test_malformed_json(api: Api, unchanged: None) -> None:
    r = api.post(
        "township",
        HH,
        content=b'{"village_code": "220382102201", ',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(r, 400, "malformed_json")


def test_wrong_types(api: Api, unchanged: None) -> None:
    r = api.post("township", HH, json=factories.household(members="not a list", main_cause=1))
    body = assert_problem(r, 422, "validation_failed", "/members")
    assert "/main_cause" in [e["pointer"] for e in body["errors"]]


def test_unknown_fields_rejected(api: Api, unchanged: None) -> None:
    r = api.post("township", HH, json=factories.household(colour="red"))
    body = assert_problem(r, 422, "validation_failed", "/colour")
    assert body["errors"][0]["code"] == "unknown_field"
    member = factories.member("01", male=True, nickname="小王")
    r = api.post("township", HH, json=factories.household(members=[member]))
    assert_problem(r, 422, "validation_failed", "/members/0/nickname")


def test_unknown_code_values(api: Api, unchanged: None) -> None:
    r = api.post("township", HH, json=factories.household(main_cause="42", attribute="rich"))
    body = assert_problem(r, 422, "validation_failed", "/main_cause")
    assert {e["code"] for e in body["errors"]} == {"code.unknown"}


@pytest.mark.parametrize(
    "number,code",
    [
        ("22038219750615123", "id_number.length"),
        ("22038219750615A234", "id_number.format"),
        ("220382197502301234", "id_number.birth_date"),
    ],
)
def test_invalid_id_numbers(api: Api, unchanged: None, number: str, code: str) -> None:
    r = api.post("township", HH, json=factories.household(members=[factories.member("01", id_number=number)]))
    body = assert_problem(r, 422, "validation_failed", "/members/0/id_number")
    assert body["errors"][0]["code"] == code


def test_duplicate_id_number_within_request(api: Api, unchanged: None) -> None:
    number = factories.id_number()
    members = [factories.member("01", id_number=number), factories.member("02", id_number=number)]
    r = api.post("township", HH, json=factories.household(members=members))
    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["code"] == "household.duplicate_member"


def test_duplicate_id_number_in_another_household(api: Api, db_state: Any) -> None:
    api.token("township")
    existing = api.first_household("township")
    detail = api.get("township", f"{HH}/{existing['id']}").json()
    before = db_state()
    members = [
        factories.member("01", male=True),
        factories.member("02", id_number=detail["members"][0]["id_number"]),
    ]
    r = api.post("township", HH, json=factories.household(members=members))
    assert_problem(r, 409, "household.duplicate_member", "/members/1/id_number")
    assert db_state() == before


def test_village_that_does_not_exist_or_is_out_of_scope(api: Api, unchanged: None) -> None:
    r = api.post("township", HH, json=factories.household(village="220382102299"))
    missing = assert_problem(r, 422, "region.unknown_village", "/village_code")
    r = api.post("township", HH, json=factories.household(village=factories.OTHER_TOWNSHIP_VILLAGE))
    outside = assert_problem(r, 422, "region.unknown_village", "/village_code")
    # the two cases read alike, so the answer does not reveal whether a village exists elsewhere
    assert missing["errors"][0]["code"] == outside["errors"][0]["code"]
    r = api.post("township", HH, json=factories.household(village="220382102000"))  # a township, not a village
    assert_problem(r, 422, "region.unknown_village", "/village_code")
    r = api.post("township", HH, json=factories.household(village="22038210"))
    assert_problem(r, 422, "validation_failed", "/village_code")


def test_household_needs_exactly_one_head(api: Api, unchanged: None) -> None:
    r = api.post("township", HH, json=factories.household(members=[factories.member("02"), factories.member("03")]))
    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["code"] == "household.head_required"
    r = api.post("township", HH, json=factories.household(members=[]))
    assert_problem(r, 422, "validation_failed", "/members")


def test_remove_head_without_replacement(api: Api, db_state: Any) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    head = next(m for m in h["members"] if m["is_head"])
    before = db_state()
    r = api.delete(
        "township",
        f"{HH}/{h['id']}/members/{head['id']}",
        params={"reason": "married_out"},
        headers={"If-Match": f'"{head["version"]}"'},
    )
    assert_problem(r, 422, "household.head_required", "/new_head_member_id")
    r = api.delete(
        "township",
        f"{HH}/{h['id']}/members/{head['id']}",
        params={"reason": "vanished"},
        headers={"If-Match": f'"{head["version"]}"'},
    )
    body = assert_problem(r, 422, "validation_failed", "/query/reason")
    assert body["errors"][0]["code"] == "code.unknown"
    assert db_state() == before


def test_negative_incomes(api: Api, db_state: Any) -> None:
    api.token("township")
    h = api.first_household("township")
    before = db_state()
    r = api.put("township", f"{HH}/{h['id']}/incomes/2018", json={"production_costs": "-5", "wage_income": "abc"})
    body = assert_problem(r, 422, "validation_failed", "/production_costs")
    assert "/wage_income" in [e["pointer"] for e in body["errors"]]
    r = api.put("township", f"{HH}/{h['id']}/incomes/1999", json={"wage_income": "5"})
    assert_problem(r, 422, "validation_failed", "/path/year")
    r = api.get("township", f"{HH}/{h['id']}/incomes/99999999999999999999999")
    assert_problem(r, 422, "validation_failed", "/path/year")
    r = api.put("township", f"{HH}/{h['id']}/incomes/2009", json={"wage_income": "5"})
    assert_problem(r, 422, "year.out_of_range", "/year")
    assert db_state() == before


def test_page_limit_above_cap(api: Api) -> None:
    r = api.get("township", HH, params={"limit": 201})
    assert_problem(r, 422, "validation_failed", "/query/limit")
    r = api.get("township", HH, params={"limit": 0})
    assert_problem(r, 422, "validation_failed", "/query/limit")
    r = api.get("township", HH, params={"sort": "name; DROP TABLE households"})
    assert_problem(r, 422, "validation_failed", "/query/sort")


def test_forged_and_mismatched_cursors(api: Api) -> None:
    page = api.get("township", HH, params={"limit": 2}).json()
    cursor = page["next_cursor"]
    token, _, signature = cursor.partition(".")
    for bad in ["garbage", cursor + "x", "e30." + signature, token + ".0000", "%%%.%%%", "." * 50]:
        assert_problem(api.get("township", HH, params={"cursor": bad}), 400, "invalid_cursor")
    # a cursor made for one sort order is not accepted for another
    assert_problem(api.get("township", HH, params={"cursor": cursor, "sort": "updated_at"}), 400, "invalid_cursor")


def test_oversize_body(api: Api, unchanged: None) -> None:
    huge = factories.household(address="x" * 2_000_000)
    r = api.post("township", HH, content=json.dumps(huge).encode(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "payload_too_large")


def test_oversize_streamed_body_without_length(api: Api, unchanged: None) -> None:
    def chunks() -> Any:
        for _ in range(200):
            yield b" " * 10_000

    r = api.post("township", HH, content=chunks(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "payload_too_large")


def test_bad_uuid_and_unknown_route(api: Api) -> None:
    assert_problem(api.get("township", f"{HH}/not-a-uuid"), 422, "validation_failed", "/path/household_id")
    assert_problem(api.get("township", "/api/v1/nothing-here"), 404, "not_found")
    assert_problem(api.client.delete(HH), 405, "method_not_allowed")


def test_bad_if_match(api: Api, unchanged: None) -> None:
    h = api.first_household("township")
    r = api.patch("township", f"{HH}/{h['id']}", json={"address": "x"}, headers={"If-Match": "yesterday"})
    assert_problem(r, 422, "validation_failed", "/header/If-Match")


def test_no_credentials(api: Api) -> None:
    r = api.client.get(HH)
    assert_problem(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = api.client.get(HH, headers={"Authorization": "Bearer not.a.jwt"})
    assert_problem(r, 401, "unauthorized")
    r = api.client.get(HH, headers={"Authorization": "Bearer fp_forgedkeyforgedkeyforgedkey"})
    assert_problem(r, 401, "unauthorized")


def test_hostile_text_and_numbers(api: Api, unchanged: None) -> None:
    for name in ["王\x00明", "\u200b", "a\x1bb"]:
        r = api.post("township", HH, json=factories.household(members=[factories.member("01", name=name)]))
        body = assert_problem(r, 422, "validation_failed", "/members/0/name")
        assert body["errors"][0]["code"] in ("text.control_character", "text.blank")
    r = api.get("township", HH, params={"q": "王\x00"})
    assert_problem(r, 422, "validation_failed", "/query/q")
    r = api.get("auditor", "/api/v1/audit-events", params={"after": 10**30})
    assert_problem(r, 422, "validation_failed", "/query/after")
    r = api.get("township", HH, params={"status": "nope"})
    assert_problem(r, 422, "validation_failed", "/query/status/0")
    # a number, or a text of digits (pydantic would read seconds since 1970), is no date
    for day in (0, "0", "86400", "20240131"):
        r = api.post("township", HH, json=factories.household(first_identified_on=day))
        body = assert_problem(r, 422, "validation_failed", "/first_identified_on")
        assert body["errors"][0]["code"] == "date.format", day
    r = api.get("township", "/api/v1/measures/export", params={"planned_to": "0"})
    assert_problem(r, 422, "validation_failed", "/query/planned_to")
    r = api.post("township", HH, json=factories.household(relocated=False, relocation_year=2018))
    assert_problem(r, 422, "validation_failed", "/relocation_year")
    r = api.post("township", HH, json=factories.household(planned_exit_year=2012))
    assert_problem(r, 422, "validation_failed", "/planned_exit_year")
    h = api.first_household("township")
    for bad in ['"\xb2"'.encode("latin-1"), "²".encode(), b"", b"  ", b"W/", b'"1" "2"']:
        r = api.patch("township", f"{HH}/{h['id']}", json={"address": "x"}, headers={"If-Match": bad})
        assert r.status_code in (400, 422, 428), (bad, r.status_code)


def test_empty_if_match_does_not_bypass_the_version_check(api: Api) -> None:
    h = api.first_household("township")
    url = f"{HH}/{h['id']}/incomes/2020"
    current = api.get("township", url)
    assert current.status_code == 200
    r = api.put("township", url, json={"wage_income": "1"}, headers={"If-Match": ""})
    assert_problem(r, 428, "precondition_required")
    r = api.put("city_office", "/api/v1/poverty-lines/2019/national", json={"amount": "1"})
    assert_problem(r, 428, "precondition_required")
    r = api.post("township", f"{HH}/{h['id']}/status-transitions", json={"to_status": "returned", "reason": "返贫了"})
    assert_problem(r, 428, "precondition_required")
