"""The yardstick of the list benchmark: a minimal Starlette app that runs the household list's SQL on the same
driver (a psycopg pool in autocommit mode) and answers the rows as JSON, with nothing else (no authentication,
no scope, no middleware). `bench/households_list.py` serves it with uvicorn beside the API and loads both alike.

    BENCH_DSN=postgresql://postgres@127.0.0.1:5432/fupin_bench uvicorn bench.minimal_list_app:app --port 8123
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.households_list import HIGH, LOW, SQL
from psycopg_pool import AsyncConnectionPool
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COLUMNS = (
    "id",
    "household_number",
    "village_code",
    "village_name",
    "head_name",
    "head_id_number",
    "member_count",
    "status",
    "attribute",
    "main_cause",
    "first_identified_on",
    "exit_year",
    "updated_at",
    "version",
    "pk",
)
PAGE_SQL = SQL.replace("{cursor}", "")
pool = AsyncConnectionPool(
    os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/fupin_bench"),
    min_size=2,
    max_size=10,
    kwargs={"autocommit": True, "options": "-c TimeZone=UTC"},
    open=False,
)


async def households(request: Request) -> Response:
    async with pool.connection() as conn:
        rows = await (await conn.execute(PAGE_SQL, {"low": LOW, "high": HIGH})).fetchall()
    items = [dict(zip(COLUMNS, row, strict=True)) for row in rows[:50]]
    return Response(to_json({"items": items, "next_cursor": None, "total": None}), media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await pool.open(wait=True)
    yield
    await pool.close()


app = Starlette(routes=[Route("/households", households)], lifespan=lifespan)
