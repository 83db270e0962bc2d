"""A project's funds through the API: allocations, disbursements and corrections (冲正), the overdraft rule, the
project's figures and the idle rule, the views per county and per source; bad input that changes nothing, other
areas, the audit trail and the change feed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, app_settings, assert_problem

TODAY = date(2026, 6, 15)
P = "/api/v1/projects"
VILLAGE = "220382102201"  # 东方红村, 卧虎镇
OTHER_TOWNSHIP_VILLAGE = "220382101201"  # 双山镇
OTHER_COUNTY_VILLAGE = "220322100201"
WRITER = "county_office"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    def query(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    yield query
    engine.dispose()


@pytest.fixture
def state(db: Any, api: Api) -> Any:
    for user in (WRITER, "township", "township2", "department", "auditor", "city_office", "village"):
        api.token(user)

    def fingerprint() -> tuple[Any, ...]:
        return (
            db("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM fund_allocations"),
            db("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM fund_disbursements"),
            db("SELECT id, version FROM projects ORDER BY id"),
            db("SELECT COUNT(*) FROM audit_events"),
            db("SELECT COUNT(*) FROM change_feed"),
        )

    return fingerprint


def project(database_url: str, **kw: Any) -> str:
    return factories.insert_project(database_url, **{"region_codes": [VILLAGE], **kw})


def allocate(api: Api, pid: str, user: str = WRITER, **kw: Any) -> Any:
    body = {
        "source": "central",
        "amount": "100000.00",
        "document_no": "双财农〔2026〕12号",
        "allocated_on": "2026-03-01",
        **kw,
    }
    return api.post(user, f"{P}/{pid}/allocations", json=body)


def pay(api: Api, pid: str, user: str = WRITER, **kw: Any) -> Any:
    body = {
        "source": "central",
        "amount": "30000.00",
        "paid_on": "2026-05-10",
        "payee": "双辽市建筑公司",
        "purpose": "进度款",
        "voucher_no": f"PZ-{uuid.uuid4().hex[:8]}",
        "stage": "进度款",
        **kw,
    }
    return api.post(user, f"{P}/{pid}/disbursements", json=body)


def ok(r: Any, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    out: dict[str, Any] = r.json()
    return out


def invalid(r: Any, pointer: str, code: str | None = None, status: int = 422) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    pointers = {e["pointer"]: e["code"] for e in problem.get("errors", [])}
    assert pointer in pointers, problem
    if code is not None:
        assert code in (pointers[pointer], problem["code"]), problem


def test_allocations_and_disbursements_with_figures(api: Api, database_url: str, db: Any) -> None:
    pid = project(database_url)
    r = allocate(api, pid, published_on="2026-03-10")
    first = ok(r)
    assert r.headers["Location"] == f"{P}/{pid}/allocations/{first['id']}"
    assert first == {
        "id": first["id"],
        "project_id": pid,
        "source": "central",
        "amount": "100000.00",
        "document_no": "双财农〔2026〕12号",
        "allocated_on": "2026-03-01",
        "published_on": "2026-03-10",
        "disbursed": "0.00",
        "available": "100000.00",
        "created_at": first["created_at"],
        "actor_name": first["actor_name"],
    }
    assert first["actor_name"]
    ok(allocate(api, pid, source="integrated", amount=50000.5, allocated_on="2026-04-01"))
    paid = ok(pay(api, pid, amount="80000.00", voucher_no="PZ-001"))
    assert paid["amount"] == "80000.00" and paid["net"] == "80000.00" and paid["corrected_by"] == []
    assert paid["corrects_id"] is None and paid["project_id"] == pid and paid["stage"] == "进度款"
    # the overdraft names the figures
    before = api.get("auditor", f"{P}/{pid}/funds").json()
    r = pay(api, pid, amount="30000.00")
    problem = assert_problem(r, 409, "funds.overdraft")
    assert problem["detail"].startswith(
        "超出该资金来源的下达额度: 已下达 100000.00 元, 已支付 80000.00 元, 本次 30000.00 元, 可支付 20000.00 元"
    )
    assert {k: problem[k] for k in ("source", "allocated", "disbursed", "requested", "available")} == {
        "source": "central",
        "allocated": "100000.00",
        "disbursed": "80000.00",
        "requested": "30000.00",
        "available": "20000.00",
    }
    assert api.get("auditor", f"{P}/{pid}/funds").json() == before
    # exactly the remainder is payable
    ok(pay(api, pid, amount="20000.00", paid_on="2026-06-15"))
    assert_problem(pay(api, pid, amount="0.01"), 409, "funds.overdraft")
    # a correction frees its amount again
    fix = ok(pay(api, pid, amount="-5000.00", corrects_id=paid["id"], purpose="冲正多付"))
    assert fix["corrects_id"] == paid["id"] and fix["amount"] == "-5000.00"
    listed = ok(api.get("township", f"{P}/{pid}/disbursements"), 200)["items"]
    assert [d["amount"] for d in listed] == ["20000.00", "-5000.00", "80000.00"]
    original = next(d for d in listed if d["id"] == paid["id"])
    assert original["corrected_by"] == [fix["id"]] and original["net"] == "75000.00"
    ok(pay(api, pid, amount="5000.00"))
    funds = ok(api.get("auditor", f"{P}/{pid}/funds"), 200)
    assert funds == {
        "allocated": "150000.50",
        "disbursed": "100000.00",
        "available": "50000.50",
        "rate": "0.6667",
        "idle": "0.00",
        "by_source": [
            {
                "source": "central",
                "allocated": "100000.00",
                "disbursed": "100000.00",
                "available": "0.00",
                "rate": "1.0000",
                "idle": "0.00",
            },
            {
                "source": "integrated",
                "allocated": "50000.50",
                "disbursed": "0.00",
                "available": "50000.50",
                "rate": "0.0000",
                "idle": "0.00",
            },
        ],
    }
    allocations = ok(api.get("township", f"{P}/{pid}/allocations"), 200)["items"]
    assert [(a["source"], a["disbursed"], a["available"]) for a in allocations] == [
        ("central", "100000.00", "0.00"),
        ("integrated", "0.00", "50000.50"),
    ]
    # the project's trail and the change feed
    trail = db("SELECT action, entity_type, changes FROM audit_events WHERE subject_id = :s ORDER BY seq", s=pid)
    assert [t[0] for t in trail] == ["fund_allocation.created"] * 2 + ["fund_disbursement.created"] * 4
    feed = db("SELECT entity_type, action FROM change_feed WHERE entity_type LIKE 'fund_%' ORDER BY seq")
    assert [(e, a) for e, a in feed] == [("fund_allocation", "created")] * 2 + [("fund_disbursement", "created")] * 4
    correction = db("SELECT changes FROM audit_events WHERE entity_id = :e", e=fix["id"])[0][0]
    assert (paid["id"] in str(correction)) and "corrects_id" in str(correction)


def test_no_allocation_no_rate_and_no_edit_routes(api: Api, database_url: str) -> None:
    pid = project(database_url)
    funds = ok(api.get("township", f"{P}/{pid}/funds"), 200)
    assert funds == {
        "allocated": "0.00",
        "disbursed": "0.00",
        "available": "0.00",
        "rate": None,
        "idle": "0.00",
        "by_source": [],
    }
    assert_problem(pay(api, pid), 409, "funds.overdraft")
    paid_id = str(uuid.uuid4())
    assert api.patch(WRITER, f"{P}/{pid}/disbursements/{paid_id}", json={}).status_code in (404, 405)
    assert api.client.delete(f"{P}/{pid}/disbursements/{paid_id}", headers=api.headers(WRITER)).status_code in (
        404,
        405,
    )


def test_idle_rule_oldest_allocations_first(api: Api, database_url: str) -> None:
    """12 months before 2026-06-15 is 2025-06-15: an allocation made before it is old enough to be idle."""
    pid = project(database_url, planned_start_on=date(2025, 1, 1))
    ok(allocate(api, pid, amount="1000.00", allocated_on="2025-03-01"))  # old
    ok(allocate(api, pid, amount="2000.00", allocated_on="2025-06-15"))  # exactly 12 months: not idle
    ok(allocate(api, pid, amount="500.00", allocated_on="2025-06-14", source="city"))  # old, another source
    ok(pay(api, pid, amount="600.00"))
    funds = ok(api.get("township", f"{P}/{pid}/funds"), 200)
    by = {s["source"]: s for s in funds["by_source"]}
    assert by["central"]["idle"] == "400.00" and by["city"]["idle"] == "500.00" and funds["idle"] == "900.00"
    ok(pay(api, pid, amount="700.00"))  # fills the oldest allocation, then the next
    funds = ok(api.get("township", f"{P}/{pid}/funds"), 200)
    assert funds["idle"] == "500.00"
    allocations = ok(api.get("township", f"{P}/{pid}/allocations"), 200)["items"]
    assert [(a["allocated_on"], a["disbursed"], a["available"]) for a in allocations] == [
        ("2025-03-01", "1000.00", "0.00"),
        ("2025-06-14", "0.00", "500.00"),
        ("2025-06-15", "300.00", "1700.00"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("amount", "-1.00", "/amount"),
        ("amount", "0", "/amount"),
        ("amount", "0.00", "/amount"),
        ("amount", "12.345", "/amount"),
        ("amount", 1.005, "/amount"),
        ("amount", "abc", "/amount"),
        ("amount", "1e20", "/amount"),
        ("source", "moon", "/source"),
        ("allocated_on", "2026-06-16", "/allocated_on"),
        ("published_on", "2026-06-16", "/published_on"),
        ("published_on", "2026-02-01", "/published_on"),
        ("allocated_on", 20260301, "/allocated_on"),
        ("document_no", "", "/document_no"),
    ],
)
def test_bad_allocations_change_nothing(
    api: Api, database_url: str, state: Any, field: str, value: Any, pointer: str
) -> None:
    pid = project(database_url)
    before = state()
    invalid(allocate(api, pid, **{field: value}), pointer)
    assert state() == before


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("amount", "0", "/amount"),
        ("amount", "0.00", "/amount"),
        ("amount", "100.001", "/amount"),
        ("amount", "x", "/amount"),
        ("amount", None, "/amount"),
        ("source", "moon", "/source"),
        ("paid_on", "2026-06-16", "/paid_on"),
        ("payee", "", "/payee"),
        ("voucher_no", "", "/voucher_no"),
        ("payee_household_id", "00000000-0000-4000-8000-000000000000", "/payee_household_id"),
        ("evidence_ids", ["00000000-0000-4000-8000-000000000000"], "/evidence_ids/0"),
        ("corrects_id", "00000000-0000-4000-8000-000000000000", "/corrects_id"),
    ],
)
def test_bad_disbursements_change_nothing(
    api: Api, database_url: str, state: Any, field: str, value: Any, pointer: str
) -> None:
    pid = project(database_url)
    ok(allocate(api, pid))
    before = state()
    invalid(pay(api, pid, **{field: value}), pointer)
    assert state() == before


def test_correction_rules(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url)
    other = project(database_url)
    ok(allocate(api, pid))
    ok(allocate(api, pid, source="city", amount="5000.00"))
    ok(allocate(api, other))
    paid = ok(pay(api, pid, amount="1000.00", paid_on="2026-05-10"))
    theirs = ok(pay(api, other, amount="1000.00"))
    fix = ok(pay(api, pid, amount="-400.00", corrects_id=paid["id"]))
    before = state()
    invalid(pay(api, pid, amount="-1.00"), "/corrects_id", "funds.correction_target_required")
    invalid(pay(api, pid, amount="-1.00", corrects_id=theirs["id"]), "/corrects_id", "funds.correction_target_unknown")
    invalid(pay(api, pid, amount="-1.00", corrects_id=fix["id"]), "/corrects_id", "funds.correction_of_correction")
    invalid(pay(api, pid, amount="-1.00", corrects_id=paid["id"], source="city"), "/source", "funds.correction_source")
    invalid(pay(api, pid, amount="-600.01", corrects_id=paid["id"]), "/amount", "funds.correction_exceeds")
    invalid(pay(api, pid, amount="10.00", corrects_id=paid["id"]), "/corrects_id", "funds.correction_not_negative")
    invalid(
        pay(api, pid, amount="-1.00", corrects_id=paid["id"], paid_on="2026-05-09"),
        "/paid_on",
        "funds.correction_before_payment",
    )
    assert state() == before
    ok(pay(api, pid, amount="-600.00", corrects_id=paid["id"]))
    invalid(pay(api, pid, amount="-0.01", corrects_id=paid["id"]), "/amount", "funds.correction_exceeds")


def test_who_may_write(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url)
    far = project(database_url, region_codes=[OTHER_COUNTY_VILLAGE])
    ok(allocate(api, pid))
    before = state()
    # another county's project is not found; a township (no funds:write) and a line department are refused
    assert_problem(allocate(api, far), 404, "not_found")
    assert_problem(pay(api, far), 404, "not_found")
    assert api.get(WRITER, f"{P}/{far}/funds").status_code == 404
    assert api.get("township2", f"{P}/{pid}/disbursements").status_code == 404
    for user in ("township", "department", "auditor", "village"):
        assert allocate(api, pid, user=user).status_code == 403
        assert pay(api, pid, user=user).status_code == 403
    assert state() == before
    # the city office may write
    ok(pay(api, pid, user="city_office", amount="1.00"))


def test_removed_project_refuses_funds_completed_accepts_them(api: Api, database_url: str, state: Any) -> None:
    removed = project(database_url, stage="removed", removed_on=date(2026, 5, 1))
    completed = project(database_url, stage="completed", completed_on=date(2026, 5, 1))
    before = state()
    assert_problem(allocate(api, removed), 409, "funds.project_removed")
    assert_problem(pay(api, removed), 409, "funds.project_removed")
    assert state() == before
    ok(allocate(api, completed))
    ok(pay(api, completed, paid_on="2026-06-01"))


def test_payment_to_a_household_joins_its_trail(api: Api, database_url: str, db: Any) -> None:
    pid = project(database_url)
    hh = ok(api.post("township", "/api/v1/households", json=factories.household(VILLAGE)))
    far = ok(api.post("city_office", "/api/v1/households", json=factories.household(OTHER_COUNTY_VILLAGE)))
    ok(allocate(api, pid))
    invalid(pay(api, pid, payee_household_id=far["id"]), "/payee_household_id", "funds.payee_unknown")
    paid = ok(pay(api, pid, payee_household_id=hh["id"], payee=hh["head_name"]))
    assert paid["payee_household_id"] == hh["id"]
    actions = [r[0] for r in db("SELECT action FROM audit_events WHERE subject_id = :s", s=hh["id"])]
    assert "fund_disbursement.created" in actions
    trail = api.get("township", f"/api/v1/households/{hh['id']}/audit-events").json()["items"]
    assert any(e["action"] == "fund_disbursement.created" for e in trail)


def test_evidence_of_a_payment(api: Api, database_url: str) -> None:
    pid = project(database_url)
    other = project(database_url)

    def upload(owner: str) -> str:
        r = api.post(
            WRITER,
            "/api/v1/evidence",
            data={"owner_type": "project", "owner_id": owner},
            files={"file": ("凭证.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
        )
        assert r.status_code == 201, r.text
        evidence_id: str = r.json()["id"]
        return evidence_id

    mine, theirs = upload(pid), upload(other)
    ok(allocate(api, pid))
    invalid(pay(api, pid, evidence_ids=[mine, theirs]), "/evidence_ids/1", "project.evidence_unknown")
    paid = ok(pay(api, pid, evidence_ids=[mine]))
    assert paid["evidence_ids"] == [mine]


def _seed_views(api: Api, database_url: str) -> dict[str, str]:
    a = project(database_url, planned_start_on=date(2025, 1, 1), year=2025)
    b = project(database_url, region_codes=[OTHER_TOWNSHIP_VILLAGE], category="road")
    c = project(database_url, region_codes=[OTHER_COUNTY_VILLAGE])
    ok(allocate(api, a, amount="1000.00", allocated_on="2025-03-01"))
    ok(allocate(api, a, amount="300.00", source="city"))
    ok(pay(api, a, amount="200.00"))
    ok(allocate(api, b, amount="500.00"))
    ok(pay(api, b, amount="500.00"))
    ok(allocate(api, c, amount="700.00", user="city_office"))
    return {"a": a, "b": b, "c": c}


def test_views_by_county_and_source(api: Api, database_url: str) -> None:
    _seed_views(api, database_url)
    view = ok(api.get("city_office", "/api/v1/fund-views/by-county"), 200)
    by = {i["county_code"]: i for i in view["items"]}
    assert by["220382000000"] == {
        "county_code": "220382000000",
        "county_name": by["220382000000"]["county_name"],
        "projects": 2,
        "allocated": "1800.00",
        "disbursed": "700.00",
        "available": "1100.00",
        "rate": "0.3889",
        "idle": "800.00",
    }
    assert by["220382000000"]["county_name"] == "双辽市"
    assert by["220322000000"]["allocated"] == "700.00" and by["220322000000"]["rate"] == "0.0000"
    assert view["total"] == {
        "projects": 3,
        "allocated": "2500.00",
        "disbursed": "700.00",
        "available": "1800.00",
        "rate": "0.2800",
        "idle": "800.00",
    }
    # a township sees the projects of its area only
    mine = ok(api.get("township", "/api/v1/fund-views/by-county"), 200)
    assert [(i["county_code"], i["projects"], i["allocated"]) for i in mine["items"]] == [
        ("220382000000", 1, "1300.00")
    ]
    filtered = ok(api.get("city_office", "/api/v1/fund-views/by-county", params={"category": "road"}), 200)
    assert filtered["total"]["allocated"] == "500.00" and filtered["total"]["rate"] == "1.0000"
    by_year = ok(api.get("city_office", "/api/v1/fund-views/by-county", params={"year": 2025}), 200)
    assert by_year["total"]["projects"] == 1 and by_year["total"]["idle"] == "800.00"
    sources = ok(api.get("auditor", "/api/v1/fund-views/by-source"), 200)["items"]
    assert sources == [
        {
            "source": "central",
            "projects": 3,
            "allocated": "2200.00",
            "disbursed": "700.00",
            "available": "1500.00",
            "rate": "0.3182",
            "idle": "800.00",
        },
        {
            "source": "city",
            "projects": 1,
            "allocated": "300.00",
            "disbursed": "0.00",
            "available": "300.00",
            "rate": "0.0000",
            "idle": "0.00",
        },
    ]
    narrowed = ok(api.get("city_office", "/api/v1/fund-views/by-source", params={"region_code": "220382102"}), 200)[
        "items"
    ]
    assert [(s["source"], s["projects"], s["allocated"]) for s in narrowed] == [
        ("central", 1, "1000.00"),
        ("city", 1, "300.00"),
    ]
    assert api.get("township", "/api/v1/fund-views/by-source", params={"region_code": "220382101"}).status_code == 404
    assert api.get("township", "/api/v1/fund-views/by-county", params={"category": "moon"}).status_code == 422


def test_concurrent_payments_cannot_overdraw(api: Api, database_url: str, db: Any) -> None:
    """On PostgreSQL two payments of one source at once: the second waits for the first's row lock on the project
    and then sees its sum, so exactly one of 60000 + 60000 against 100000 is recorded."""
    import asyncio

    from sqlalchemy.engine import make_url

    from fupin.authz.deps import principal_from_claims
    from fupin.core.db import make_engine, make_sessionmaker
    from fupin.core.errors import ProblemError
    from fupin.projects import funds
    from fupin.projects.fund_schemas import DisbursementIn
    from fupin.projects.repository import writable_project

    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises writers on one lock)")
    pid = project(database_url)
    ok(allocate(api, pid))
    principal = principal_from_claims(
        {"uid": 1, "sub": str(uuid.uuid4()), "name": "并发报账", "roles": ["county_office"], "region": "220382000000"}
    )
    outcomes: list[str] = []

    def payment(n: int) -> DisbursementIn:
        return DisbursementIn.model_validate(
            {
                "source": "central",
                "amount": "60000.00",
                "paid_on": "2026-05-10",
                "payee": "施工单位",
                "purpose": "进度款",
                "voucher_no": f"PZ-C{n}",
            }
        )

    async def run() -> None:
        engine = make_engine(database_url, pool_size=4)
        sessions = make_sessionmaker(engine, area_guard=True)

        async def first() -> None:
            async with sessions() as session, session.begin():
                await writable_project(session, principal, uuid.UUID(pid))  # holds the lock a while
                await asyncio.sleep(0.5)
                await funds.create_disbursement(session, principal, project_id=uuid.UUID(pid), data=payment(1))
            outcomes.append("first")

        async def second() -> None:
            await asyncio.sleep(0.1)
            try:
                async with sessions() as session, session.begin():
                    await funds.create_disbursement(session, principal, project_id=uuid.UUID(pid), data=payment(2))
                outcomes.append("second")
            except ProblemError as exc:
                outcomes.append(exc.code)

        await asyncio.gather(first(), second())
        await engine.dispose()

    asyncio.run(run())
    assert sorted(outcomes) == ["first", "funds.overdraft"]
    assert db("SELECT COUNT(*), SUM(amount) FROM fund_disbursements")[0][0] == 1


def test_contract_declares_the_overdraft_figures(api: Api, database_url: str) -> None:
    spec = api.client.app.openapi()  # type: ignore[attr-defined]
    create = spec["paths"]["/api/v1/projects/{project_id}/disbursements"]["post"]
    schema = create["responses"]["409"]["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/OverdraftProblem"}
    members = spec["components"]["schemas"]["OverdraftProblem"]["properties"]
    assert {"source", "allocated", "disbursed", "requested", "available", "code"} <= set(members)
    assert "patch" not in spec["paths"].get("/api/v1/projects/{project_id}/disbursements/{disbursement_id}", {})
    pid = project(database_url)
    r = pay(api, pid, amount="0.00")
    assert r.status_code == 422 and {e["code"] for e in r.json()["errors"]} == {"funds.amount_zero"}
