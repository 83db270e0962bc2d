"""The published contract: equal to the committed file, complete for contract-driven clients."""

from __future__ import annotations

import json
from pathlib import Path

from fupin.config import PROJECT_ROOT
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
            if method in ("patch", "delete") and "{household_id}" in path:
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
