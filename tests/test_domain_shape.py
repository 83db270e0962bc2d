"""The shared mechanisms every domain stands on: area scopes, the scope guard, the personal-data registry,
region codes in every GB/T 2260 form, and the corrections to how input is checked (both databases)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fupin.authz.scope import AreaScope, UnscopedQuery, issue_scope, unscoped
from fupin.core import pii
from fupin.core.db import make_engine, make_sessionmaker
from fupin.households import repository as household_repo
from fupin.households.models import Household, Member
from tests import factories
from tests.conftest import Api, assert_problem

HH = "/api/v1/households"
BACKEND = Path(__file__).resolve().parents[1] / "backend" / "fupin"


# ---------------------------------------------------------------- scoping decided in one place


def test_area_scopes_are_issued_by_authentication_only() -> None:
    with pytest.raises(TypeError):
        AreaScope("220382102000")
    callers = [
        str(path.relative_to(BACKEND))
        for path in BACKEND.rglob("*.py")
        if re.search(r"\bissue_scope\(", path.read_text()) and path.name != "scope.py"
    ]
    assert callers == ["authz/deps.py"]


def test_no_handler_checks_permissions_by_hand() -> None:
    """Permissions are declared on the route (authz.deps aliases), never called inside a handler or service."""
    offenders = [
        str(path.relative_to(BACKEND))
        for path in BACKEND.rglob("*.py")
        if re.search(r"\.require\(Permission|\.has\(Permission|Permission\.\w+ in principal", path.read_text())
    ]
    assert offenders == []


def test_request_sessions_refuse_reads_that_skip_the_scope(database_url: str) -> None:
    async def run() -> None:
        engine = make_engine(database_url)
        maker = make_sessionmaker(engine, area_guard=True)
        scope = issue_scope("220382102000")
        async with maker() as session:
            with pytest.raises(UnscopedQuery):
                await session.execute(select(Household).limit(1))
            with pytest.raises(UnscopedQuery):
                await session.get(Household, 1)
            rows = (await session.execute(scope.select(Household).limit(5))).scalars().all()
            assert rows and all(h.village_code.startswith("220382102") for h in rows)
            everywhere = select(Household.village_code).execution_options(**unscoped("test: across areas"))
            assert len({c[:9] for c in (await session.execute(everywhere)).scalars().all()}) > 1
            # child tables are reached from a scoped household, not guarded themselves
            household = rows[0]
            members = await household_repo.members_of(session, household)
            assert members and all(m.household_id == household.id for m in members)
        async with make_sessionmaker(engine)() as session:  # command-line sessions are not guarded
            assert (await session.execute(select(Member.id).limit(1))).first() is not None
        await engine.dispose()

    asyncio.run(run())


def test_narrowing_a_scope() -> None:
    township = issue_scope("220382102000")
    assert township.narrowed_to(None) is township
    assert township.narrowed_to("220382000000") is township  # a wider region narrows to the scope
    assert township.narrowed_to("220382102201").region_code == "220382102201"
    with pytest.raises(Exception) as excinfo:
        township.narrowed_to("220382101000")
    assert getattr(excinfo.value, "status", None) == 404
    assert issue_scope(None).narrowed_to("220382101000").region_code == "220382101000"


# ---------------------------------------------------------------- personal data in one registry


def test_one_masking_rule_for_every_document() -> None:
    assert pii.masked("id_number", "220382195410190017") == "220382********0017"
    assert pii.masked("id_number", "P891CA123") == "P8******"
    assert pii.masked("id_number", "E12345678901234") == "E1******"
    assert pii.masked("phone", "13904341234") == "139****1234"
    assert pii.masked("bank_account", "6217000011112222") == "************2222"
    assert pii.masked("health", "disabled") is None
    assert pii.mask_changes({"members": [{"id_number": "220382195410190017", "health": "ill"}]}) == {
        "members": [{"id_number": "220382********0017", "health": "***"}]
    }


def test_list_and_detail_mask_a_passport_alike(api: Api) -> None:
    passport = "P891CA123"
    head = factories.member("01", male=True, id_type="other", id_number=passport, gender="1", birth_date="1980-02-03")
    created = api.post("township", HH, json=factories.household(members=[head, factories.member("02")]))
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    masked_detail = api.get("department", f"{HH}/{hid}").json()
    detail_number = next(m["id_number"] for m in masked_detail["members"] if m["is_head"])
    listed = api.get("township", HH, params={"q": passport, "limit": 5}).json()["items"]
    assert [i["head_id_number"] for i in listed] == [detail_number] == ["P8******"]
    assert masked_detail["pii_masked"] is True and masked_detail["phone"] == "139****1234"
    full = api.get("township", f"{HH}/{hid}").json()
    assert next(m["id_number"] for m in full["members"] if m["is_head"]) == passport


def test_sql_mask_matches_python_mask(api: Api) -> None:
    items = api.get("township", HH, params={"limit": 50}).json()["items"]
    for item in items:
        detail = api.get("township", f"{HH}/{item['id']}").json()
        head = next(m for m in detail["members"] if m["is_head"])
        assert item["head_id_number"] == pii.masked("id_number", head["id_number"])


# ---------------------------------------------------------------- region codes as GB/T 2260 writes them


def test_region_codes_in_six_nine_and_twelve_digits(api: Api) -> None:
    city = api.get("city_office", "/api/v1/regions", params={"parent": "220300"})
    assert city.status_code == 200, city.text
    assert city.json()["items"] and all(len(r["code"]) == 12 for r in city.json()["items"])
    assert city.json() == api.get("city_office", "/api/v1/regions", params={"parent": "220300000000"}).json()
    county = api.get("county_office", "/api/v1/regions/220382")
    assert county.status_code == 200 and county.json()["code"] == "220382000000"
    township = api.get("township", "/api/v1/regions/220382102")
    assert township.status_code == 200 and township.json()["code"] == "220382102000"
    nine = api.get("county_office", HH, params={"region": "220382102", "limit": 200}).json()["items"]
    twelve = api.get("county_office", HH, params={"region": "220382102000", "limit": 200}).json()["items"]
    assert nine == twelve and nine
    stats = api.get("county_office", "/api/v1/stats/summary", params={"region": "220382102"})
    assert stats.status_code == 200 and stats.json()["region_code"] == "220382102000"
    assert api.get("township2", "/api/v1/regions/220382102").status_code == 404
    for bad in ("2203", "22038210", "2203821022011"):
        assert_problem(api.get("county_office", "/api/v1/regions", params={"parent": bad}), 422, "validation_failed")
    key = api.post("admin", "/api/v1/api-keys", json={"name": "n", "roles": ["integration"], "region_code": "220382"})
    assert key.status_code == 201 and key.json()["region_code"] == "220382000000"


# ---------------------------------------------------------------- input corrections


def _household_with_head(**head: Any) -> dict[str, Any]:
    return factories.household(members=[factories.member("01", male=True, **head), factories.member("02")])


@pytest.mark.parametrize("when", ["2999-01-01", "0001-01-01", "1899-12-31"])
def test_birth_dates_out_of_range(api: Api, unchanged: None, when: str) -> None:
    body = _household_with_head(id_type="other", id_number="E1234567", gender="1", birth_date=when)
    r = api.post("township", HH, json=body)
    assert_problem(r, 422, "validation_failed", "/members/0/birth_date")


def test_document_number_longer_than_the_column(api: Api, unchanged: None) -> None:
    body = _household_with_head(id_type="other", id_number="X" * 19, gender="1", birth_date="1980-01-01")
    assert_problem(api.post("township", HH, json=body), 422, "validation_failed", "/members/0/id_number")


@pytest.mark.parametrize("when", ["2999-01-01", "0001-01-01"])
def test_member_change_dates_out_of_range(api: Api, when: str) -> None:
    hh = api.post("township", HH, json=factories.household()).json()
    hid = hh["id"]
    r = api.post("township", f"{HH}/{hid}/members", json=factories.member(reason="newborn", changed_on=when))
    assert_problem(r, 422, "validation_failed", "/changed_on")
    spouse = next(m for m in hh["members"] if not m["is_head"])
    r = api.delete(
        "township",
        f"{HH}/{hid}/members/{spouse['id']}",
        params={"reason": "death", "removed_on": when},
        headers={"If-Match": f'"{spouse["version"]}"'},
    )
    assert_problem(r, 422, "date.out_of_range", "/query/removed_on")
    assessment = {k: True for k in ("food_clothing", "compulsory_education", "basic_medical", "safe_housing")}
    r = api.put(
        "township",
        f"{HH}/{hid}/assessments/2020",
        json={**assessment, "safe_drinking_water": True, "assessed_on": when},
    )
    assert_problem(r, 422, "validation_failed", "/assessed_on")
    assert api.get("township", f"{HH}/{hid}/assessments").json()["items"] == []


def test_negative_zero_is_stored_as_zero(api: Api) -> None:
    hid = api.post("township", HH, json=factories.household()).json()["id"]
    r = api.put(
        "township",
        f"{HH}/{hid}/incomes/2020",
        json={"wage_income": "-0.00", "production_costs": "-0", "transfer_details": {"dibao": "-0.00"}},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["wage_income"] == "0.00" and body["production_costs"] == "0.00"
    assert body["transfer_details"] == {"dibao": "0.00"} and body["net_income"] == "0.00"
    assert '"-0' not in api.get("township", f"{HH}/{hid}/incomes/2020").text


@pytest.mark.parametrize("field", ["wage_income", "production_income", "property_income", "production_costs"])
def test_income_that_would_overflow_the_column(api: Api, field: str) -> None:
    hid = api.post("township", HH, json=factories.household()).json()["id"]
    for value in ("999999999999.99", "250000000000", "100000000"):
        r = api.put("township", f"{HH}/{hid}/incomes/2020", json={field: value})
        assert_problem(r, 422, "validation_failed", f"/{field}")
    r = api.put(
        "township",
        f"{HH}/{hid}/incomes/2020",
        json={"wage_income": "99999999.99", "production_income": "99999999.99", "property_income": "99999999.99"},
    )
    assert r.status_code == 201 and r.json()["total_income"] == "299999999.97"


def test_a_race_the_database_catches_answers_like_the_service(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two creates with the same person at once: the later one passes the service check before the first commits,
    and the unique index stops it. Simulated by letting the check miss; the answer must be the same problem."""
    person = factories.member("01", male=True)
    assert (
        api.post("township", HH, json=factories.household(members=[person, factories.member("02")])).status_code == 201
    )

    async def nobody(*_args: Any, **_kwargs: Any) -> list[Any]:
        return []

    monkeypatch.setattr(household_repo, "active_holders", nobody)
    r = api.post("township", HH, json=factories.household(members=[dict(person), factories.member("02")]))
    body = assert_problem(r, 409, "household.duplicate_member")
    assert body["errors"][0]["code"] == "household.duplicate_member"
    assert len(api.get("township", HH, params={"q": person["id_number"]}).json()["items"]) == 1


def test_cross_field_rules_point_at_the_field_that_must_change(api: Api, unchanged: None) -> None:
    twice = factories.member("02")
    body = factories.household(members=[factories.member("01", male=True), twice, dict(twice)])
    assert_problem(api.post("township", HH, json=body), 422, "validation_failed", "/members/2/id_number")
    no_head = factories.household(members=[factories.member("02"), factories.member("03")])
    assert_problem(api.post("township", HH, json=no_head), 422, "validation_failed", "/members")
    half_key = factories.household(source_system="province")
    assert_problem(api.post("township", HH, json=half_key), 422, "validation_failed", "/external_id")
    causes = factories.household(main_cause="01", secondary_causes=["01"])
    assert_problem(api.post("township", HH, json=causes), 422, "validation_failed", "/secondary_causes")
