"""Shared helpers of the project tests: a valid declaration, a fingerprint of the project tables, direct inserts of
the child rows other modules write (a performance target, a fund allocation)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, text

from fupin.projects.models import FundAllocation, Project, ProjectTarget
from fupin.seed.bulk import sync_engine
from tests.conftest import Api

P = "/api/v1/projects"
TOWNSHIP = "220382102000"  # 卧虎镇 (user "township")
VILLAGE = "220382102201"  # 东方红村 (user "village")
VILLAGE_B = "220382102202"
OTHER_TOWNSHIP_VILLAGE = "220382101201"  # 双山镇 (user "township2")
COUNTY = "220382000000"
OTHER_COUNTY_VILLAGE = "220322100201"
TODAY = date(2024, 5, 20)
projects_table: Table = Project.__table__  # type: ignore[assignment]
targets_table: Table = ProjectTarget.__table__  # type: ignore[assignment]
allocations_table: Table = FundAllocation.__table__  # type: ignore[assignment]


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "code": f"SL-{uuid.uuid4().hex[:8]}",
        "name": "东方红村通村道路硬化",
        "category": "road",
        "level": "county",
        "nature": "new",
        "year": 2024,
        "region_codes": [VILLAGE, VILLAGE_B],
        "responsible_unit": "卧虎镇人民政府",
        "responsible_person": "王建国",
        "planned_start_on": "2024-04-01",
        "due_on": "2024-10-31",
        "benefit_mechanism": "改善出行条件",
        **overrides,
    }


def create(api: Api, user: str = "township", **overrides: Any) -> dict[str, Any]:
    r = api.post(user, P, json=body(**overrides))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def state(database_url: str) -> tuple[Any, ...]:
    """Counts and versions of the project tables and the audit/feed heads."""
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        result = (
            conn.execute(text("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM projects")).one(),
            conn.execute(text("SELECT COUNT(*) FROM project_regions")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM project_steps")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'project'")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM change_feed")).scalar_one(),
            tuple(conn.execute(text("SELECT code, version FROM departments ORDER BY code")).all()),
        )
    engine.dispose()
    return result


def _project_pk(conn: Any, public_id: str) -> int:
    pk = conn.execute(select(projects_table.c.id).where(projects_table.c.public_id == uuid.UUID(public_id)))
    return int(pk.scalar_one())


def add_target(database_url: str, public_id: str) -> None:
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            targets_table.insert().values(
                public_id=uuid.uuid4(),
                project_id=_project_pk(conn, public_id),
                position=0,
                metric="硬化道路",
                unit="km",
                baseline=Decimal(0),
                target=Decimal("3.5"),
                actual=Decimal(0),
                version=1,
            )
        )
    engine.dispose()


def add_allocation(database_url: str, public_id: str, amount: str = "120000.50") -> None:
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            allocations_table.insert().values(
                public_id=uuid.uuid4(),
                project_id=_project_pk(conn, public_id),
                source="central",
                amount=Decimal(amount),
                document_no="双财农〔2024〕12号",
                allocated_on=date(2024, 4, 2),
                actor_name="测试",
            )
        )
    engine.dispose()


def project_count(database_url: str) -> int:
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(projects_table)).scalar_one())
    engine.dispose()
    return n


def assert_field(r: Any, status: int, code: str, pointer: str | None) -> None:
    """A problem with `code`, itself or (a request body validated by its model: `validation_failed`) at `pointer`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    errors = {(e["code"], e["pointer"]) for e in problem.get("errors", [])}
    if problem["code"] == "validation_failed":
        assert (code, pointer) in errors, problem
    else:
        assert problem["code"] == code, problem
        if pointer is not None:
            assert pointer in {p for _, p in errors}, problem
