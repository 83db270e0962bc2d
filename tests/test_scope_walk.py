"""Walk every operation of the app's contract as a caller from another township: nothing of the first township
may be read or changed. A path parameter the walk does not know makes this test fail, so new routes join it."""

from __future__ import annotations

from typing import Any

from tests import factories
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
    "auth-refresh": {"refresh_token": "x" * 40},
    "auth-logout": {"refresh_token": "x" * 40},
}
# routes that address no record of an area: they must answer without leaking the first township's data
UNSCOPED_OK = {
    "codes-list",
    "codes-get",
    "poverty-lines-list",
    "me-get",
    "auth-token",
    "auth-refresh",
    "auth-logout",
}
# routes whose permission the other-township caller lacks altogether
FORBIDDEN = {
    "audit-events-list",
    "changes-list",
    "users-list",
    "users-create",
    "api-keys-list",
    "api-keys-create",
    "api-keys-revoke",
    "poverty-lines-put",
}


def writes_in_trail(api: Api, user: str, hid: str) -> list[dict[str, Any]]:
    trail = api.get(user, f"/api/v1/households/{hid}/audit-events").json()["items"]
    return [e for e in trail if e["action"] != "household.personal_data_read"]


def test_out_of_scope_caller_can_neither_read_nor_change(api: Api) -> None:
    owner, intruder = "township", "township2"
    created = api.post(owner, "/api/v1/households", json=factories.household()).json()
    hid = created["id"]
    head = next(m for m in created["members"] if m["is_head"])
    spouse = next(m for m in created["members"] if not m["is_head"])
    assert api.put(owner, f"/api/v1/households/{hid}/incomes/2020", json={"wage_income": "5000"}).status_code == 201
    before = api.get(owner, f"/api/v1/households/{hid}").json()
    trail_before = writes_in_trail(api, owner, hid)
    key = api.post(
        "admin", "/api/v1/api-keys", json={"name": "k", "roles": ["village"], "region_code": "220382102201"}
    ).json()
    secrets = [hid, created["household_number"], head["id_number"], spouse["id_number"], "东方红村", "卧虎镇"]
    values = {
        "household_id": hid,
        "member_id": spouse["id"],
        "year": "2020",
        "code": "220382102201",
        "scope": "national",
        "key_id": key["id"],
        "table": "attribute",
    }
    BODIES["households-change-head"] = {"member_id": spouse["id"]}

    walked = set()
    spec = api.client.app.openapi()  # type: ignore[attr-defined]
    all_ops = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert len(all_ops) >= 30
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            op = operation["operationId"]
            url = path
            for name, value in values.items():
                url = url.replace("{" + name + "}", value)
            assert "{" not in url, f"the walk does not know a path parameter of {path}"
            body = BODIES.get(op)
            body = body() if callable(body) else body
            kwargs: dict[str, Any] = {"headers": {"If-Match": '"1"'}}
            if op == "auth-token":
                r = api.client.post(url, data={"username": intruder, "password": "fupin-demo"})
            else:
                if op == "members-remove":
                    kwargs["params"] = {"reason": "death"}
                if body is not None:
                    kwargs["json"] = body
                r = api.client.request(
                    method.upper(), url, headers={**api.headers(intruder), **kwargs.pop("headers")}, **kwargs
                )
            walked.add(op)
            scoped_path = any("{" + p + "}" in path for p in ("household_id", "member_id", "code"))
            if op in FORBIDDEN:
                assert r.status_code in (403, 404), (op, r.status_code, r.text)
            elif scoped_path:
                assert r.status_code == 404, (op, r.status_code, r.text)
            elif op == "households-create":
                assert r.status_code == 422 and r.json()["code"] == "region.unknown_village", (op, r.text)
            else:
                assert r.status_code < 400 or op in UNSCOPED_OK, (op, r.status_code, r.text)
            text = r.text
            if r.headers.get("content-type", "").startswith("application/problem+json"):
                text = str({k: v for k, v in r.json().items() if k != "instance"})  # the caller's own URL
            for secret in secrets:
                assert secret not in text, f"{method} {url} leaked {secret}"
    # every operation of the contract was walked
    assert walked == all_ops
    assert api.get(owner, f"/api/v1/households/{hid}").json() == before
    assert writes_in_trail(api, owner, hid) == trail_before


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
