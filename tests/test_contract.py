"""The published contract: equal to the committed file, complete for contract-driven clients."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from fupin.config import PROJECT_ROOT, Settings
from fupin.core.schemas import TEXT_PATTERN
from fupin.main import create_app
from tests.conftest import Api


def test_served_contract_equals_committed_file(api: Api) -> None:
    served = api.client.get("/api/v1/openapi.json").json()
    committed = json.loads(Path(PROJECT_ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    assert served == committed, "run `make openapi` and commit openapi/openapi.json"


def test_every_operation_is_complete(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    ids = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            ids.append(op["operationId"])
            responses = op["responses"]
            for status in ("400", "401", "422", "429"):
                assert status in responses, f"{method} {path} does not declare {status}"
                assert "application/problem+json" in responses[status]["content"], (method, path, status)
            if "{household_id}" in path:
                assert "404" in responses, (method, path)
            # a household's own resources are changed with If-Match (a project's link to a household is not one)
            if method in ("patch", "delete") and "{household_id}" in path and path.startswith("/api/v1/households"):
                assert {"412", "428"} <= set(responses), (method, path)
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    create = spec["paths"]["/api/v1/households"]["post"]["responses"]["201"]
    assert {link["operationId"] for link in create["links"].values()} >= {
        "households-get",
        "households-update",
    }
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "errors"} <= set(problem["properties"])
    enum = spec["components"]["schemas"]["HouseholdCreate"]["properties"]["main_cause"]
    assert "01" in json.dumps(enum)


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "fupin_http_requests_total" in api.client.get("/metrics").text


def test_spa_fallback_and_method_not_allowed(tmp_path: Path, settings: Settings) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>四平市扶贫</title>", encoding="utf-8")
    (dist / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    app = create_app(settings.model_copy(update={"spa_dist": dist}))
    with TestClient(app) as client:
        for path in ("/", "/households/123", "/regions?parent=1"):
            r = client.get(path)
            assert r.status_code == 200 and "四平市扶贫" in r.text, path
        assert client.get("/assets/app.js").text == "console.log(1)"
        assert "outside" not in client.get("/../secret.txt").text
        assert "outside" not in client.get("/assets/..%2F..%2Fsecret.txt").text
        r = client.get("/api/v1/nothing")
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        r = client.get("/api/v1/auth/refresh")
        assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
        assert client.post("/households/123").status_code in (404, 405)


def test_about_tells_whether_this_is_the_demo(api: Api, settings: Settings) -> None:
    assert api.client.get("/api/v1/about").json()["demo"] is True
    with TestClient(create_app(settings.model_copy(update={"demo": False}))) as client:
        assert client.get("/api/v1/about").json() == {"name": "Fupin 扶贫", "version": "0.1.0", "demo": False}


def test_every_path_advertises_exactly_its_documented_methods(api: Api) -> None:
    """A method a path does not serve is a 405 whose Allow lists the path's methods as the contract has them (a
    concrete path such as /households/export is not /households/{household_id})."""
    spec = api.client.get("/api/v1/openapi.json").json()
    wrong = []
    for template, item in spec["paths"].items():
        documented = sorted(m.upper() for m in item if m in ("get", "post", "put", "patch", "delete"))
        path = re.sub(r"\{[^}]+\}", "p1", template)
        r = api.client.request("TRACE", path, headers=api.headers("admin"))
        if r.status_code != 405 or r.headers.get("allow") != ", ".join(documented):
            wrong.append((template, r.status_code, r.headers.get("allow"), documented))
        if "{" not in template:  # nor a method a template of the same shape serves (PATCH /households/export)
            for method in {"GET", "POST", "PATCH", "PUT", "DELETE"} - set(documented):
                r = api.client.request(method, path, headers=api.headers("admin"), json={})
                if r.status_code != 405 or r.headers.get("allow") != ", ".join(documented):
                    wrong.append((f"{method} {template}", r.status_code, r.headers.get("allow"), documented))
    assert wrong == []


def test_parameters_are_never_null(api: Api) -> None:
    """A parameter is sent or not: its schema never offers null (which clients would send as the text "null")."""
    spec = api.client.get("/api/v1/openapi.json").json()
    nullable = [
        (path, method, p["name"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        for p in op.get("parameters", [])
        if "null" in json.dumps(p["schema"])
    ]
    assert nullable == []

    # an update that cannot go without If-Match says so; one that may (create-or-replace, webhooks) does not
    def if_match(path: str, method: str) -> dict[str, object]:
        return next(p for p in spec["paths"][path][method]["parameters"] if p["name"] == "If-Match")

    assert if_match("/api/v1/households/{household_id}", "patch")["required"] is True
    assert if_match("/api/v1/households/{household_id}/incomes/{year}", "put")["required"] is False
    assert "x-fupin-required" not in json.dumps(spec)


def test_free_text_fields_declare_the_control_character_rule(api: Api) -> None:
    """What the server refuses as text (control characters) is in the contract, so a client generated from it
    never sends what it will be refused for; codes, dates and patterned fields keep their own declarations."""
    schemas = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    address = schemas["HouseholdCreate"]["properties"]["address"]["anyOf"][0]
    assert address["pattern"] == TEXT_PATTERN and re.fullmatch(address["pattern"], "卧虎镇\n东方红村 3 组")
    assert not re.fullmatch(address["pattern"], "a\x1bb")
    assert "pattern" not in schemas["HouseholdCreate"]["properties"]["first_identified_on"]
    # a decimal's text ("1234.50") within the number's bounds, not free text: "" or "abc" is no amount
    wage = schemas["IncomeIn"]["properties"]["wage_income"]["anyOf"]
    text = next(v for v in wage if v["type"] == "string")["pattern"]
    assert re.fullmatch(text, "1234.50") and re.fullmatch(text, "99999999.99")
    assert not any(re.fullmatch(text, bad) for bad in ("", "abc", "-1", "123456789", "1.234"))
    assert schemas["RefreshIn"]["properties"]["refresh_token"]["pattern"] == "^[A-Za-z0-9_-]+$"
    r = api.client.post("/api/v1/auth/refresh", json={"refresh_token": "abc\x01defghijk"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "string_pattern_mismatch"
