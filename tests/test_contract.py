"""The published contract: equal to the committed file, complete for contract-driven clients."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from fupin.config import PROJECT_ROOT, Settings
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
