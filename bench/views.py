"""Benchmark: the "no visit in 90 days" failure view (`GET /api/v1/views/households-not-visited?days=90`) for one
county at a million households and five million measures, on PostgreSQL.

A fresh database (`fupin_bench_views`, or FUPIN_BENCH_DATABASE_URL) is dropped, created, migrated and seeded with
the demo regions and users and `--households` generated households (the seed's bulk loader, COPY); then, inside
PostgreSQL (INSERT ... SELECT, no round trip per row): five measures per household, a paired cadre per five
households (four in five households paired), a first secretary per village, and visits (three in ten households
never visited; the others one to three times in the last 200 days). Then, side by side in one run:
  * API:    p50 of the view's first page (50 rows) for 双辽市 as the county office, through the whole app
            in-process (httpx over ASGI with a real token: authentication, scope, read path, JSON);
  * SQL:    p50 of the same statement (the read path's own compiled SQL and parameters) run directly with psycopg;
  * ratio:  API / SQL (goal <= 3x); the same figures with `include_total=true` (the page and the count).
Prints the figures; asserts nothing.

    .venv/bin/python bench/views.py [--households 1000000] [--requests 200] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from demo_city import dsn_of, fresh_city  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fupin_bench_views"
COUNTY = "220382000000"  # 双辽市
USER = "county_office"
MEASURES_PER_HOUSEHOLD = 5

FILL = [
    # a paired cadre per five households, a first secretary per village (ids given: the sequences are set after)
    """
    INSERT INTO cadres (id, public_id, region_code, name, id_number, phone, work_unit, post, kind, active,
                        created_at, updated_at, version)
    SELECT g.n, gen_random_uuid(), g.village, '帮扶干部' || g.n, 'B' || lpad(g.n::text, 17, '0'), NULL,
           '双辽市农业农村局', '科员', 'paired', true, now(), now(), 1
    FROM (SELECT (id - 1) / 5 + 1 AS n, min(village_code) AS village FROM households GROUP BY (id - 1) / 5) g
    """,
    """
    INSERT INTO cadres (id, public_id, region_code, name, id_number, phone, work_unit, post, kind, active,
                        created_at, updated_at, version)
    SELECT m.top + row_number() OVER (ORDER BY v.code), gen_random_uuid(), v.code, '第一书记' || v.code,
           'S' || lpad(v.code, 17, '0'), NULL, '四平市农业农村局', '第一书记', 'first_secretary', true, now(), now(), 1
    FROM regions v, (SELECT max(id) AS top FROM cadres) m
    WHERE v.level = 5
    """,
    "SELECT setval(pg_get_serial_sequence('cadres', 'id'), (SELECT max(id) FROM cadres))",
    """
    INSERT INTO cadre_assignments (public_id, cadre_id, household_id, village_code, kind, starts_on, created_at,
                                   version)
    SELECT gen_random_uuid(), (h.id - 1) / 5 + 1, h.id, h.village_code, 'paired', DATE '2024-01-01', now(), 1
    FROM households h WHERE h.id % 5 <> 0
    """,
    """
    INSERT INTO cadre_assignments (public_id, cadre_id, household_id, village_code, kind, starts_on, created_at,
                                   version)
    SELECT gen_random_uuid(), c.id, NULL, c.region_code, 'first_secretary', DATE '2024-01-01', now(), 1
    FROM cadres c WHERE c.kind = 'first_secretary'
    """,
    """
    INSERT INTO visits (public_id, cadre_id, household_id, village_code, visited_on, content, created_at, version)
    SELECT gen_random_uuid(), (h.id - 1) / 5 + 1, h.id, h.village_code,
           CURRENT_DATE - ((h.id * 7 + g * 53) % 200), '入户走访', now(), 1
    FROM households h, generate_series(1, 3) g
    WHERE h.id % 10 >= 3 AND g <= 1 + h.id % 3
    """,
    """
    INSERT INTO measures (public_id, household_id, village_code, type, content, year, department, amount,
                          planned_on, done_on, status, created_at, updated_at, version)
    SELECT gen_random_uuid(), h.id, h.village_code,
           (ARRAY['industry','employment','education','health','housing','water','relocation','ecological',
                  'safety_net','microcredit','insurance','pv','asset_income','other'])[1 + (h.id + g) % 14],
           '帮扶措施', 2016 + (h.id + g) % 5, NULL, ((h.id * 13 + g) % 10000) + 0.50,
           DATE '2016-03-01' + ((h.id + g * 97) % 1800),
           NULL, (ARRAY['planned','in_progress','done','cancelled'])[1 + (h.id + g) % 4], now(), now(), 1
    FROM households h, generate_series(1, %(per)s) g
    """,
    "UPDATE measures SET done_on = planned_on WHERE status = 'done'",
    "ANALYZE",
]


def prepare(url: str, households: int) -> None:
    fresh_city(url, households)
    with psycopg.connect(dsn_of(url), autocommit=True) as conn:
        for statement in FILL:
            started = time.perf_counter()
            conn.execute(statement.replace("%(per)s", str(MEASURES_PER_HOUSEHOLD)))
            words = statement.split()
            print(f"  {' '.join(words[:3])[:40]:<40} {time.perf_counter() - started:6.1f} s")


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in ("households", "measures", "cadres", "cadre_assignments", "visits")
        }


def direct_statement(url: str, *, total: bool) -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    """The read path's own compiled statements of the view (the page, and the count when `total`) for the county
    office's scope, with the values the API binds."""
    from fupin.authz.scope import issue_scope
    from fupin.core.readpath import ReadPath, scope_values
    from fupin.views import queries as q

    read = ReadPath(url)
    scope = issue_scope(COUNTY)
    today = date.today()
    values = {"since": today - timedelta(days=89), "today": today}
    out = []
    page = read.compiled(q.NOT_VISITED(True, False), scope)
    out.append((page.sql, page.parameters({**values, "limit": 51, **scope_values(scope)})))
    if total:
        count = read.compiled(q.NOT_VISITED_COUNT(), scope)
        out.append((count.sql, count.parameters({**values, **scope_values(scope)})))
    return out, read


def p50_sql(dsn: str, statements: list[tuple[str, dict[str, Any]]], requests: int) -> float:
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(5):  # warm up: plans prepared, pages cached
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
        for _ in range(requests):
            started = time.perf_counter()
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


async def p50_api(app: Any, params: dict[str, Any], requests: int) -> tuple[float, int]:
    """The view through the whole app in-process (httpx over ASGI, the app's lifespan run), as the county office
    with a real token."""
    url = "/api/v1/views/households-not-visited"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = await client.post("/api/v1/auth/token", data={"username": USER, "password": "fupin-demo"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for _ in range(5):  # warm up: statements compiled and prepared
                r = await client.get(url, params=params, headers=headers)
                assert r.status_code == 200, r.text[:500]
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                r = await client.get(url, params=params, headers=headers)
                times.append(time.perf_counter() - started)
                assert r.status_code == 200
    return statistics.median(times), len(r.json()["items"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    args = parser.parse_args()
    url = os.environ.get("FUPIN_BENCH_DATABASE_URL", DEFAULT_URL)
    dsn = dsn_of(url)
    if not args.reuse:
        print(f"preparing {make_url(url).database}: {args.households:,} households ...")
        prepare(url, args.households)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts(dsn).items()))

    from fupin.config import Settings
    from fupin.main import create_app

    settings = Settings(database_url=url, demo=True, spa_dist=Path("/nonexistent"), job_worker=False)
    for total in (False, True):
        statements, _read = direct_statement(url, total=total)
        sql = p50_sql(dsn, statements, args.requests)
        params = {"days": 90, "region": COUNTY, **({"include_total": "true"} if total else {})}
        api, rows = asyncio.run(p50_api(create_app(settings), params, args.requests))
        label = "page + total" if total else "first page  "
        print(
            f"{label}: API p50 {api * 1000:7.2f} ms ({rows} rows)   SQL p50 {sql * 1000:7.2f} ms   "
            f"ratio {api / sql:5.2f}x   (goal <= 3x)"
        )


if __name__ == "__main__":
    main()
