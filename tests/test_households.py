"""Households and members through the published API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests import factories
from tests.conftest import Api

HH = "/api/v1/households"


def create(api: Api, user: str = "township", **overrides: Any) -> dict[str, Any]:
    r = api.post(user, HH, json=factories.household(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def current_version(api: Api, hid: str, user: str = "township") -> dict[str, str]:
    return {"If-Match": api.get(user, f"{HH}/{hid}").headers["ETag"]}


def transition(api: Api, hid: str, body: dict[str, Any], user: str = "township") -> Any:
    return api.post(user, f"{HH}/{hid}/status-transitions", json=body, headers=current_version(api, hid, user))


def test_create_household_with_members(api: Api) -> None:
    body = factories.household()
    r = api.post("township", HH, json=body)
    assert r.status_code == 201, r.text
    h = r.json()
    assert r.headers["Location"] == f"{HH}/{h['id']}"
    assert r.headers["ETag"] == f'"{h["version"]}"'
    assert h["household_number"].startswith(body["village_code"]) and len(h["household_number"]) == 16
    assert h["status"] == "not_exited"
    assert h["member_count"] == 2
    assert h["head_name"] == "王建国"
    assert h["village_name"] == "东方红村" and h["township_name"] == "卧虎镇" and h["county_name"] == "双辽市"
    head = next(m for m in h["members"] if m["is_head"])
    assert head["id"] == h["head_member_id"]
    # gender and birth date were derived from the ID number
    assert head["gender"] == "1"
    number = body["members"][0]["id_number"]
    assert head["birth_date"] == f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    # the read returns what was written
    again = api.get("township", f"{HH}/{h['id']}").json()
    assert again["members"] == h["members"]


def test_household_numbers_are_sequential_per_village(api: Api) -> None:
    a = create(api)
    b = create(api)
    assert int(b["household_number"][12:]) == int(a["household_number"][12:]) + 1
    assert a["household_number"][:12] == b["household_number"][:12]


def test_id_number_normalised_and_checked(api: Api) -> None:
    number = factories.id_number()
    fullwidth = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    r = api.post(
        "township",
        HH,
        json=factories.household(members=[factories.member("01", id_number=fullwidth, male=True)]),
    )
    # male flag of the factory does not matter here: gender is derived from the number
    assert r.status_code == 201, r.text
    assert r.json()["members"][0]["id_number"] == number


def test_gender_and_birth_date_must_agree_with_id_number(api: Api) -> None:
    number = factories.id_number(male=True)
    bad_gender = factories.household(members=[factories.member("01", id_number=number, gender="2")])
    r = api.post("township", HH, json=bad_gender)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "pointer": "/members/0/gender",
        "code": "id_number.gender_mismatch",
        "message": r.json()["errors"][0]["message"],
    }
    bad_birth = factories.household(members=[factories.member("01", id_number=number, birth_date="1901-01-01")])
    r = api.post("township", HH, json=bad_birth)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "id_number.birth_date_mismatch"
    assert r.json()["errors"][0]["pointer"] == "/members/0/birth_date"


def test_invalid_id_number_points_at_the_member(api: Api) -> None:
    number = factories.id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    r = api.post(
        "township",
        HH,
        json=factories.household(members=[factories.member("01", male=True), factories.member("02", id_number=wrong)]),
    )
    assert r.status_code == 422
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "validation_failed"
    assert problem["errors"][0]["pointer"] == "/members/1/id_number"
    assert problem["errors"][0]["code"] == "id_number.checksum"


def test_person_in_one_active_household_only(api: Api) -> None:
    first = create(api)
    taken = first["members"][1]["id_number"]
    r = api.post(
        "township",
        HH,
        json=factories.household(members=[factories.member("01", male=True), factories.member("02", id_number=taken)]),
    )
    assert r.status_code == 409
    err = r.json()["errors"][0]
    assert err["pointer"] == "/members/1/id_number" and err["code"] == "household.duplicate_member"
    assert first["household_number"] in err["message"]  # the caller may see that household
    # a caller in another township learns only that the person is registered elsewhere
    r = api.post(
        "township2",
        HH,
        json=factories.household(
            village=factories.OTHER_TOWNSHIP_VILLAGE,
            members=[factories.member("01", male=True), factories.member("02", id_number=taken)],
        ),
    )
    assert r.status_code == 409
    assert first["household_number"] not in r.text and first["id"] not in r.text


def test_update_needs_if_match_and_detects_stale_versions(api: Api) -> None:
    h = create(api)
    url = f"{HH}/{h['id']}"
    r = api.patch("township", url, json={"address": "5组1号"})
    assert r.status_code == 428
    r = api.patch("township", url, json={"address": "5组1号"}, headers={"If-Match": f'"{h["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["address"] == "5组1号" and r.json()["version"] == h["version"] + 1
    assert r.headers["ETag"] == f'"{h["version"] + 1}"'
    stale = api.patch("township", url, json={"address": "6组2号"}, headers={"If-Match": f'"{h["version"]}"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert api.get("township", url).json()["address"] == "5组1号"


def test_update_rejects_null_for_required_fields_and_status_changes(api: Api) -> None:
    h = create(api)
    url = f"{HH}/{h['id']}"
    r = api.patch("township", url, json={"attribute": None}, headers={"If-Match": f'"{h["version"]}"'})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/attribute"
    r = api.patch("township", url, json={"status": "exited_with_policy"}, headers={"If-Match": f'"{h["version"]}"'})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_field"


def test_add_member_with_reason_and_remove_keeps_history(api: Api) -> None:
    h = create(api)
    url = f"{HH}/{h['id']}/members"
    baby = factories.member(
        "03",
        male=True,
        name="王小宝",
        reason="newborn",
        health="healthy",
        education="preschool",
        labour="none",
    )
    r = api.post("township", url, json=baby)
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["added_reason"] == "newborn"
    detail = api.get("township", f"{HH}/{h['id']}").json()
    assert detail["member_count"] == 3
    r = api.delete(
        "township",
        f"{url}/{member['id']}",
        params={"reason": "death"},
        headers={"If-Match": f'"{member["version"]}"'},
    )
    assert r.status_code == 204, r.text
    active = api.get("township", url).json()["items"]
    everyone = api.get("township", url, params={"include_removed": True}).json()["items"]
    assert member["id"] not in [m["id"] for m in active]
    removed = next(m for m in everyone if m["id"] == member["id"])
    assert removed["active"] is False and removed["removed_reason"] == "death"
    assert api.get("township", f"{HH}/{h['id']}").json()["member_count"] == 2


def test_removing_the_head_needs_a_replacement(api: Api) -> None:
    h = create(api)
    head = next(m for m in h["members"] if m["is_head"])
    spouse = next(m for m in h["members"] if not m["is_head"])
    url = f"{HH}/{h['id']}/members/{head['id']}"
    r = api.delete("township", url, params={"reason": "death"}, headers={"If-Match": f'"{head["version"]}"'})
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "pointer": "/new_head_member_id",
        "code": "household.head_required",
        "message": r.json()["errors"][0]["message"],
    }
    after = api.get("township", f"{HH}/{h['id']}").json()
    assert after["member_count"] == 2 and after["head_member_id"] == head["id"]
    r = api.delete(
        "township",
        url,
        params={"reason": "death", "new_head_member_id": spouse["id"]},
        headers={"If-Match": f'"{head["version"]}"'},
    )
    assert r.status_code == 204, r.text
    after = api.get("township", f"{HH}/{h['id']}").json()
    assert after["head_member_id"] == spouse["id"] and after["head_name"] == spouse["name"]
    assert next(m for m in after["members"] if m["id"] == spouse["id"])["relation"] == "01"


def test_change_head(api: Api) -> None:
    h = create(api)
    spouse = next(m for m in h["members"] if not m["is_head"])
    body = {"member_id": spouse["id"], "previous_head_relation": "02"}
    stale = api.post("township", f"{HH}/{h['id']}/head", json=body, headers={"If-Match": '"999"'})
    assert stale.status_code == 412
    r = api.post("township", f"{HH}/{h['id']}/head", json=body, headers=current_version(api, h["id"]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["head_member_id"] == spouse["id"]
    relations = {m["id"]: m["relation"] for m in out["members"]}
    assert relations[spouse["id"]] == "01"
    assert sorted(relations.values()) == ["01", "02"]


def test_incomes_compute_per_capita_on_the_server(api: Api) -> None:
    h = create(api)
    url = f"{HH}/{h['id']}/incomes/2019"
    body = {
        "wage_income": "6000.50",
        "production_income": "2500",
        "property_income": "300",
        "transfer_details": {"dibao": "1200", "pension": "900.25"},
        "production_costs": "1500",
    }
    r = api.put("township", url, json=body)
    assert r.status_code == 201, r.text
    inc = r.json()
    assert Decimal(inc["transfer_income"]) == Decimal("2100.25")
    assert Decimal(inc["total_income"]) == Decimal("10900.75")
    assert Decimal(inc["net_income"]) == Decimal("9400.75")
    assert Decimal(inc["per_capita_net_income"]) == Decimal("4700.38")  # 9400.75 / 2, half up
    assert Decimal(inc["poverty_line"]) == Decimal("3747")
    assert inc["above_line"] is True
    # replacing needs the version
    assert api.put("township", url, json=body).status_code == 428
    r = api.put("township", url, json={**body, "production_costs": "9000"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200
    assert Decimal(r.json()["per_capita_net_income"]) == Decimal("950.38")
    assert r.json()["above_line"] is False
    listed = api.get("township", f"{HH}/{h['id']}/incomes").json()["items"]
    assert [i["year"] for i in listed] == [2019]
    assert listed[0]["poverty_line"] == "3747.00" and listed[0]["per_capita_net_income"] == "950.38"


def test_negative_income_and_transfer_mismatch_rejected(api: Api) -> None:
    h = create(api)
    url = f"{HH}/{h['id']}/incomes/2019"
    r = api.put("township", url, json={"wage_income": "-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/wage_income"
    r = api.put("township", url, json={"transfer_income": "100", "transfer_details": {"dibao": "50"}})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "income.transfer_mismatch"
    assert api.get("township", url).status_code == 404


def test_exit_evaluation_and_transition(api: Api) -> None:
    h = create(api)
    hid = h["id"]
    ev = api.post("township", f"{HH}/{hid}/exit-evaluation", json={"year": 2020})
    assert ev.status_code == 200
    assert ev.json()["passed"] is False
    assert {i["key"] for i in ev.json()["items"]} == {
        "income",
        "food_clothing",
        "compulsory_education",
        "basic_medical",
        "safe_housing",
        "safe_drinking_water",
    }
    # the evaluation changed nothing
    assert api.get("township", f"{HH}/{hid}").json()["version"] == h["version"]
    r = transition(api, hid, {"to_status": "exited_with_policy", "reason": "达到脱贫标准", "year": 2020})
    assert r.status_code == 422 and r.json()["code"] == "household.exit_criteria_not_met"
    api.put("township", f"{HH}/{hid}/incomes/2020", json={"wage_income": "9000"})
    ok = {
        "food_clothing": True,
        "compulsory_education": True,
        "basic_medical": True,
        "safe_housing": True,
        "safe_drinking_water": True,
        "evidence": {"safe_housing": "C级危房已改造"},
    }
    assert api.put("township", f"{HH}/{hid}/assessments/2020", json=ok).status_code == 201
    ev = api.post("township", f"{HH}/{hid}/exit-evaluation", json={"year": 2020}).json()
    assert ev["passed"] is True
    income_item = next(i for i in ev["items"] if i["key"] == "income")
    assert income_item["figures"]["per_capita_net_income"] == "4500.00"
    assert income_item["figures"]["poverty_line"] == "4000.00"
    r = transition(api, hid, {"to_status": "exited_with_policy", "reason": "村评议、乡审核、县审定", "year": 2020})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "exited_with_policy" and r.json()["exit_year"] == 2020
    history = api.get("township", f"{HH}/{hid}/status-history").json()["items"]
    assert [s["to_status"] for s in history] == ["not_exited", "exited_with_policy"]
    assert history[-1]["evaluation"]["passed"] is True
    # not every transition is allowed
    r = transition(api, hid, {"to_status": "not_exited", "reason": "回退"})
    assert r.status_code == 409 and r.json()["code"] == "household.transition_not_allowed"


def test_removal_needs_county_office(api: Api) -> None:
    h = create(api)
    r = transition(api, h["id"], {"to_status": "removed", "reason": "识别不精准"})
    assert r.status_code == 403
    r = transition(api, h["id"], {"to_status": "removed", "reason": "识别不精准, 经核查注销"}, user="county_office")
    assert r.status_code == 200 and r.json()["status"] == "removed"
    # removed households accept no more member changes
    r = api.post("county_office", f"{HH}/{h['id']}/members", json=factories.member(reason="newborn"))
    assert r.status_code == 409


def test_poverty_lines_editable_by_city_office_only(api: Api) -> None:
    lines = api.get("township", "/api/v1/poverty-lines").json()["items"]
    assert {(line["year"], line["amount"]) for line in lines} >= {(2014, "2800.00"), (2020, "4000.00")}
    r = api.put("township", "/api/v1/poverty-lines/2021/national", json={"amount": "4200"})
    assert r.status_code == 403
    r = api.put("city_office", "/api/v1/poverty-lines/2021/province", json={"amount": "4300", "note": "省定标准"})
    assert r.status_code == 201
    r = api.put(
        "city_office",
        "/api/v1/poverty-lines/2021/province",
        json={"amount": "4350"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["amount"] == "4350.00"


def test_list_filters(api: Api) -> None:
    h = create(api, main_cause="03", attribute="tekun", first_identified_on="2015-03-01")
    name = h["members"][1]["name"]
    items = api.get("township", HH, params={"q": h["members"][1]["id_number"]}).json()["items"]
    assert [i["id"] for i in items] == [h["id"]]
    items = api.get(
        "township",
        HH,
        params={"main_cause": "03", "attribute": "tekun", "identified_year": 2015, "limit": 200},
    ).json()["items"]
    assert h["id"] in [i["id"] for i in items]
    assert all(i["main_cause"] == "03" and i["attribute"] == "tekun" for i in items)
    by_name = api.get("township", HH, params={"q": name, "limit": 200}).json()["items"]
    assert h["id"] in [i["id"] for i in by_name]
    status = api.get("township", HH, params={"status": ["exited_with_policy", "returned"], "limit": 200}).json()
    assert status["items"] and all(i["status"] in ("exited_with_policy", "returned") for i in status["items"])
    village = api.get("township", HH, params={"region": factories.DEMO_VILLAGE, "limit": 200}).json()["items"]
    assert village and all(i["village_code"] == factories.DEMO_VILLAGE for i in village)
    labour = api.get("township", HH, params={"member_labour": "lost", "include_total": True}).json()
    assert labour["total"] is not None and labour["total"] > 0
    # exit year filter
    exited = api.get("township", HH, params={"exit_year": 2019, "limit": 200}).json()["items"]
    assert all(i["exit_year"] == 2019 for i in exited)


def test_keyset_pages_cover_everything_once(api: Api) -> None:
    for sort in ("household_number", "-household_number", "updated_at", "-updated_at"):
        seen: list[str] = []
        cursor = None
        total = None
        while True:
            params: dict[str, Any] = {"limit": 7, "sort": sort, "include_total": True}
            if cursor:
                params["cursor"] = cursor
            page = api.get("county_office", HH, params=params).json()
            total = page["total"]
            seen += [i["household_number"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == total
        if sort == "household_number":
            assert seen == sorted(seen)
        if sort == "-household_number":
            assert seen == sorted(seen, reverse=True)


def test_codes_tables(api: Api) -> None:
    tables = api.get("township", "/api/v1/codes").json()["tables"]
    assert {"code": "01", "zh": "因病", "en": "Illness"} in tables["poverty_cause"]
    assert len(tables["ethnicity"]) == 56
    one = api.get("township", "/api/v1/codes/household_status").json()
    assert one["items"][0] == {"code": "not_exited", "zh": "未脱贫", "en": "Not exited"}
    assert api.get("township", "/api/v1/codes/nope").status_code == 404
