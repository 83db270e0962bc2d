"""The shared read path (core.readpath): reads outside any transaction, the caller's scope applied by the path
itself, and bodies that validate against the response models the contract declares."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, bindparam, select
from sqlalchemy.engine import make_url

from fupin.audit.schemas import AuditPage, ChangePage
from fupin.authz.scope import issue_scope
from fupin.core.readpath import ReadPath, ReadQuery
from fupin.households.models import Household
from fupin.households.schemas import HouseholdPage
from tests.conftest import Api

FIXTURES = Path(__file__).parent / "fixtures"
MODELS: dict[str, type[BaseModel]] = {"households": HouseholdPage, "changes": ChangePage, "audit": AuditPage}

VILLAGES = ReadQuery(
    "test-households-by-status",
    lambda: select(Household.village_code, Household.updated_at, Household.public_id).where(
        Household.status == bindparam("status", type_=String())
    ),
    lambda: Household.village_code,
)


def test_every_list_body_validates_against_its_declared_model(database_url: str) -> None:
    backend = make_url(database_url).get_backend_name()
    bodies: dict[str, str] = json.loads((FIXTURES / f"list_bodies.{backend}.json").read_text(encoding="utf-8"))
    spec = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    declared = {
        "households": spec["paths"]["/api/v1/households"]["get"]["responses"]["200"],
        "changes": spec["paths"]["/api/v1/changes"]["get"]["responses"]["200"],
        "audit": spec["paths"]["/api/v1/audit-events"]["get"]["responses"]["200"],
    }
    for kind, response in declared.items():
        assert response["content"]["application/json"]["schema"]["$ref"].endswith("/" + MODELS[kind].__name__)
    for case, body in bodies.items():
        model = MODELS[case.split(" ", 1)[0]]
        page = model.model_validate_json(body)
        # the declared model reproduces the bytes the read path wrote
        assert page.model_dump_json() == body, case


def test_reads_run_outside_transactions_and_within_the_scope(database_url: str) -> None:
    async def run() -> None:
        read = ReadPath(database_url, pool_size=2)
        await read.open()
        try:
            township = await read.fetch(VILLAGES, issue_scope("220382102000"), {"status": "exited_with_policy"})
            everything = await read.fetch(VILLAGES, issue_scope(None), {"status": "exited_with_policy"})
            assert township and all(r["village_code"].startswith("220382102") for r in township)
            assert len({r["village_code"][:9] for r in everything}) > 1 and len(everything) > len(township)
            assert all(r["updated_at"].tzinfo is not None for r in everything)  # through the column's own type
            # the statement is compiled once per shape and scope kind
            one, other = issue_scope("220382101000"), issue_scope("220382102201")
            assert read.compiled(VILLAGES, one) is read.compiled(VILLAGES, other)  # the scope is a bind parameter
            assert read.compiled(VILLAGES, one) is not read.compiled(VILLAGES, issue_scope(None))
            if read.is_sqlite:
                assert read._sqlite is not None
                conn = await read._sqlite.get()
                assert not conn.in_transaction
                read._sqlite.put_nowait(conn)
            else:
                async with read._pg_pool.connection() as conn:
                    assert conn.autocommit
                    await conn.execute("SELECT 1")
                    assert conn.info.transaction_status.name == "IDLE"  # no BEGIN was sent
        finally:
            await read.close()

    asyncio.run(run())


def test_lists_open_no_session(api: Api, monkeypatch: Any) -> None:
    """The household list, the change feed and the audit list (and authentication by token) touch no ORM
    session: breaking the sessionmaker leaves them answering."""
    for user in ("township", "integration", "auditor"):
        api.token(user)

    def no_sessions(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a list opened a session")

    monkeypatch.setattr(api.client.app.state, "sessionmaker", no_sessions)  # type: ignore[attr-defined]
    assert api.get("township", "/api/v1/households", params={"limit": 5}).status_code == 200
    assert api.get("integration", "/api/v1/changes", params={"limit": 5}).status_code == 200
    assert api.get("auditor", "/api/v1/audit-events", params={"limit": 5}).status_code == 200


def test_an_empty_cursor_is_the_first_page(api: Api) -> None:
    first = api.get("township", "/api/v1/households", params={"limit": 5})
    empty = api.get("township", "/api/v1/households", params={"limit": 5, "cursor": ""})
    assert empty.status_code == 200 and empty.content == first.content
