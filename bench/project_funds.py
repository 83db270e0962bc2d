"""Benchmark: the per-county fund view (`GET /api/v1/fund-views/by-county`) and the city's fund anomaly list
(`GET /api/v1/fund-anomalies`, first page of 50) at 20,000 projects, 200,000 disbursements and a million
households, on PostgreSQL.

A fresh database (`fupin_bench_funds`, or FUPIN_BENCH_DATABASE_URL) is dropped, created, migrated and seeded with
the demo regions and users and the households (the seed's bulk loader, COPY); then, inside PostgreSQL
(INSERT ... SELECT): projects on the villages (a tenth completed, a tenth never entered the library, a fifth
industry), two allocations each (中央 and 整合资金, some over 12 months old and partly unpaid), ten payments each
(a few to households, one voucher in a thousand reused in the county, a payment in a hundred fully corrected).
`--scale 0.05` makes everything twenty times smaller for a quick run. Then, side by side:
  * API: p50 through the whole app in-process (httpx over ASGI, a real token for the city office);
  * SQL: p50 of the same statements (the read path's own compiled SQL and parameters) run directly with psycopg;
  * ratio API / SQL (goals: the view <= 3x, the anomaly page <= 5x) and the absolute times.
Prints the figures; asserts nothing.

    .venv/bin/python bench/project_funds.py [--scale 1] [--requests 50] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from demo_city import dsn_of, fresh_city  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fupin_bench_funds"
USER = "city_office"
CITY = "220300000000"

FILL = [
    """
    INSERT INTO projects (public_id, code, name, category, level, nature, year, county_code, area_code,
                          responsible_unit, planned_start_on, due_on, stage, entered_library_on, completed_on,
                          health, version, created_at, updated_at)
    SELECT gen_random_uuid(), 'XM-' || lpad(g::text, 6, '0'), '扶贫项目' || g,
           (ARRAY['industry','road','water','housing','education'])[1 + g % 5], 'county', 'new', 2016 + g % 5,
           substr(v.code, 1, 6) || '000000', v.code, '责任单位',
           DATE '2016-03-01' + g % 1500, DATE '2016-03-01' + g % 1500 + 300,
           CASE g % 10 WHEN 0 THEN 'completed' WHEN 1 THEN 'approved' ELSE 'implementing' END,
           CASE WHEN g % 10 = 1 THEN NULL ELSE DATE '2016-03-01' + g % 1500 END,
           CASE WHEN g % 10 = 0 THEN DATE '2016-03-01' + g % 1500 + 200 END,
           'on_track', 1, now(), now()
    FROM generate_series(1, %(projects)s) g
    JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS rn, count(*) OVER () AS cnt
          FROM regions WHERE length(rtrim(code, '0')) > 9) v ON v.rn = g % v.cnt
    """,
    "INSERT INTO project_regions (project_id, region_code) SELECT id, area_code FROM projects",
    """
    INSERT INTO fund_allocations (public_id, project_id, source, amount, document_no, allocated_on, published_on,
                                  created_at, actor_name)
    SELECT gen_random_uuid(), p.id, s.source, s.amount, '财农〔' || p.year || '〕' || p.id || '号',
           p.planned_start_on - 10 + s.later, p.planned_start_on + s.later, now(), '县扶贫办'
    FROM projects p,
         (VALUES ('central', 100000.00, 0), ('integrated', 50000.00, 60)) AS s(source, amount, later)
    """,
    """
    INSERT INTO fund_disbursements (public_id, project_id, source, amount, paid_on, payee, payee_household_id,
                                    purpose, voucher_no, stage, evidence_ids, created_at, actor_name)
    SELECT gen_random_uuid(), p.id, CASE WHEN k <= 8 THEN 'central' ELSE 'integrated' END,
           CASE WHEN k <= 8 THEN 9000.00 + (p.id % 7) * 100 ELSE 10000.00 END,
           p.planned_start_on + k * 25, '施工单位' || p.id,
           CASE WHEN k = 1 AND p.id % 4 = 0 THEN 1 + (p.id * 37) % %(households)s END,
           '进度款',
           CASE WHEN k = 1 AND p.id % 500 < 3 THEN 'PZ-DUP-' || substr(p.county_code, 1, 6) || '-' || (p.id / 500)
                ELSE 'PZ-' || p.id || '-' || k END,
           '进度款', '[]', now(), '县扶贫办'
    FROM projects p, generate_series(1, 10) k
    """,
    """
    INSERT INTO fund_disbursements (public_id, project_id, source, amount, paid_on, payee, purpose, voucher_no,
                                    corrects_id, evidence_ids, created_at, actor_name)
    SELECT gen_random_uuid(), d.project_id, d.source, -d.amount, d.paid_on + 1, d.payee, '冲正', d.voucher_no,
           d.id, '[]', now(), '县扶贫办'
    FROM fund_disbursements d WHERE d.id % 100 = 0 AND d.corrects_id IS NULL
    """,
    "ANALYZE",
]


def prepare(url: str, scale: float) -> None:
    households = max(1000, int(1_000_000 * scale))
    projects = max(100, int(20_000 * scale))
    fresh_city(url, households)
    with psycopg.connect(dsn_of(url), autocommit=True) as conn:
        for statement in FILL:
            started = time.perf_counter()
            conn.execute(statement.replace("%(projects)s", str(projects)).replace("%(households)s", str(households)))
            words = statement.split()
            print(f"  {' '.join(words[:3])[:40]:<40} {time.perf_counter() - started:6.1f} s")


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in ("households", "projects", "fund_allocations", "fund_disbursements")
        }


def view_statement(url: str) -> list[tuple[str, Any]]:
    """The per-county view's compiled statement for the city office's scope, with the values the API binds."""
    from fupin.authz.scope import issue_scope
    from fupin.core.readpath import ReadPath, scope_values
    from fupin.projects import clock, fund_views

    read = ReadPath(url)
    scope = issue_scope(CITY)
    compiled = read.compiled(fund_views.BY_COUNTY(()), scope)
    return [
        (compiled.sql, compiled.parameters({"cutoff": fund_views.idle_cutoff(clock.today()), **scope_values(scope)}))
    ]


def anomaly_statements(url: str, dsn: str) -> list[tuple[str, Any]]:
    """The statements the first page of 50 runs (the kinds in order until the page is full), as compiled."""
    from fupin.authz.scope import issue_scope
    from fupin.core.readpath import ReadPath, scope_values
    from fupin.projects import anomalies, clock
    from fupin.projects.funds import idle_cutoff

    read = ReadPath(url)
    scope = issue_scope(CITY)
    out = []
    got = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        for kind in anomalies.KINDS:
            compiled = read.compiled(anomalies.KIND_QUERY(kind, (), False, True), scope)
            values: dict[str, Any] = {"limit": 50 - got + 1, **scope_values(scope)}
            if kind == "idle_funds":
                values["cutoff"] = idle_cutoff(clock.today())
            params = compiled.parameters(values)
            out.append((compiled.sql, params))
            got += len(conn.execute(compiled.sql, params).fetchall())
            if got >= 50:
                break
    return out


def p50_sql(dsn: str, statements: list[tuple[str, Any]], requests: int) -> float:
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(3):
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
        for _ in range(requests):
            started = time.perf_counter()
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


async def p50_api(app: Any, url: str, params: dict[str, Any], requests: int) -> tuple[float, int]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:
            token = await client.post("/api/v1/auth/token", data={"username": USER, "password": "fupin-demo"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for _ in range(3):
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
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    args = parser.parse_args()
    url = os.environ.get("FUPIN_BENCH_DATABASE_URL", DEFAULT_URL)
    dsn = dsn_of(url)
    if not args.reuse:
        print(f"preparing {make_url(url).database} at scale {args.scale} ...")
        prepare(url, args.scale)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts(dsn).items()))

    from fupin.config import Settings
    from fupin.main import create_app

    settings = Settings(database_url=url, demo=True, spa_dist=Path("/nonexistent"), job_worker=False)
    cases = [
        ("fund view by county", "/api/v1/fund-views/by-county", {}, view_statement(url), 3),
        ("anomalies 1st page ", "/api/v1/fund-anomalies", {"limit": 50}, anomaly_statements(url, dsn), 5),
    ]
    for label, path, params, statements, goal in cases:
        sql = p50_sql(dsn, statements, args.requests)
        api, rows = asyncio.run(p50_api(create_app(settings), path, params, args.requests))
        print(
            f"{label}: API p50 {api * 1000:8.2f} ms ({rows} rows)   SQL p50 {sql * 1000:8.2f} ms "
            f"({len(statements)} statements)   ratio {api / sql:5.2f}x   (goal <= {goal}x)"
        )
    for kind in ("duplicate_voucher", "ineligible_household", "after_completion", "before_library", "no_benefit_link"):
        api, rows = asyncio.run(
            p50_api(
                create_app(settings), "/api/v1/fund-anomalies", {"limit": 50, "kind": kind}, max(5, args.requests // 5)
            )
        )
        print(f"  kind {kind:<22} API p50 {api * 1000:8.2f} ms ({rows} rows)")


if __name__ == "__main__":
    main()
