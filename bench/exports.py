"""Benchmark: the streamed CSV export of the whole register on PostgreSQL.

Uses the million-household database of bench/households_list.py (`fupin_bench`; `--reuse` takes it as it is after
`fupin migrate`, otherwise `--households` generated households are loaded first), starts the API server and
measures in one run:
  * COPY:      rows/s of `COPY (<the export's own statement>) TO STDOUT (FORMAT csv)` with psycopg, i.e. the same
               columns (labels, masks, names) computed by the same SQL, written by the server itself;
  * raw COPY:  rows/s of COPY of the same rows' plain columns (no labels, masks or names), for reference;
  * API:       rows/s of `GET /api/v1/households/export` (UTF-8 CSV) read to the end over HTTP from a live server;
  * ratio:     API / COPY (goal >= 0.5);
  * memory:    the server's RSS before and its peak during the export (goal: flat, not growing with the rows).

    .venv/bin/python bench/exports.py [--reuse] [--households 1000000] [--user city_office]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from households_list import ADMIN_URL, DB_NAME, SECRET, free_port, load, rss_mb, sa_url  # noqa: E402

RAW_SQL = """
SELECT h.public_id, h.household_number, h.source_system, h.external_id, h.village_code, h.group_name, h.address,
       h.phone, h.bank_account, h.identification_standard, h.attribute, h.main_cause, h.secondary_causes,
       h.first_identified_on, h.planned_exit_year, h.housing_area, h.housing_safety, h.safe_drinking_water,
       h.electricity, h.road_type, h.sanitary_toilet, h.fuel, h.relocated, h.relocation_year, h.relocation_site,
       h.military_family, h.only_child, h.two_daughters, h.status, h.version,
       m.public_id, m.name, m.id_type, m.id_number, m.gender, m.birth_date, m.ethnicity, m.relation, m.education,
       m.school_status, m.health, m.disability_grade, m.labour, m.work_status, m.months_worked,
       m.public_welfare_job, m.medical_insurance, m.serious_illness_insurance, m.pension_insurance, m.dibao, m.tekun
FROM households h LEFT JOIN members m ON m.household_id = h.id AND m.active
ORDER BY h.household_number, (m.id = h.head_member_id) DESC, m.id
"""


def exists(name: str) -> bool:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def migrate() -> None:
    env = {**os.environ, "FUPIN_DATABASE_URL": sa_url(), "FUPIN_SECRET_KEY": SECRET}
    subprocess.run([str(ROOT / ".venv" / "bin" / "fupin"), "migrate"], env=env, check=True)


def copy_rate(dsn: str, sql: str, params: object = None) -> tuple[int, float, int]:
    """(rows, seconds, bytes) of COPY (sql) TO STDOUT as CSV, read to the end by the client."""
    started = time.perf_counter()
    size = 0
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SET cursor_tuple_fraction = 1.0")
        with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:  # type: ignore[arg-type]
            for block in copy:
                size += len(block)
        rows = int(cur.rowcount)
    return rows, time.perf_counter() - started, size


def export_statement(user_region: str | None, pii: bool) -> tuple[str, dict[str, object]]:
    """The statement the API runs for this caller (scope bound the way the read path binds it)."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    from fupin.authz.scope import issue_scope
    from fupin.core.readpath import compile_read, scope_values
    from fupin.households.export import ExportShape, queries

    scope = issue_scope(user_region)
    rows_query, _ = queries(ExportShape(0, (), pii, "cells"))
    from sqlalchemy import and_, bindparam

    stmt = rows_query.build()
    if rows_query.area is not None and not scope.whole_system:
        column = rows_query.area()
        stmt = stmt.where(and_(column >= bindparam("scope_low"), column < bindparam("scope_high")))
    compiled = compile_read(stmt, PGDialect_psycopg())
    return compiled.sql, compiled.parameters(scope_values(scope))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse fupin_bench if it exists (migrated first)")
    parser.add_argument("--user", default="city_office", help="the demo user who exports (city_office: pii)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    if args.reuse and exists(DB_NAME):
        migrate()
    else:
        load(args.households)
    dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
    os.environ["FUPIN_DATABASE_URL"] = sa_url()
    os.environ["FUPIN_SECRET_KEY"] = SECRET
    from fupin.seed.demo import DEMO_USERS

    _, _, _, region, _, pii = next(u for u in DEMO_USERS if u[0] == args.user)
    with psycopg.connect(dsn) as conn:
        households, members = conn.execute(
            "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM members WHERE active)"
        ).fetchone()  # type: ignore[misc]
    print(f"register: {households:,} households, {members:,} active members; exporting as {args.user} (pii={pii})")

    sql, params = export_statement(region, pii)
    raw_rows, raw_s, raw_bytes = copy_rate(dsn, RAW_SQL)
    copy_rows, copy_s, copy_bytes = copy_rate(dsn, sql, params)
    for label, n, seconds, size in (("raw COPY", raw_rows, raw_s, raw_bytes), ("COPY", copy_rows, copy_s, copy_bytes)):
        print(f"{label:<10} {n:>10,} rows in {seconds:6.1f} s = {n / seconds:>9,.0f} rows/s ({size / 1e6:,.0f} MB)")

    port = args.port or free_port()
    env = {
        **os.environ,
        "FUPIN_DOCS_ENABLED": "false",
        "FUPIN_JOB_WORKER": "false",
        "FUPIN_EXPORT_DIRECT_LIMIT": str(10 * (members + households)),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "fupin"), "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=600) as client:
            token = client.post("/api/v1/auth/token", data={"username": args.user, "password": "fupin-demo"}).json()[
                "access_token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            # warm up (statement compiled, connections open) on a small part
            client.get("/api/v1/households/export", params={"region": "220382102201"}, headers=headers)
            idle = rss_mb(server.pid)
            peak = idle
            stop = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, rss_mb(server.pid))
                    time.sleep(0.1)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            size = 0
            lines = 0
            with client.stream("GET", "/api/v1/households/export", headers=headers) as r:
                assert r.status_code == 200, r.read()
                rows = int(r.headers["x-fupin-export-rows"])
                first = time.perf_counter() - started
                for block in r.iter_raw(1 << 20):
                    size += len(block)
                    lines += block.count(b"\n")
            api_s = time.perf_counter() - started
            stop.set()
            sampler.join()
    finally:
        server.terminate()
        server.wait(10)
    assert lines == rows + 1, (lines, rows)  # header + one line per row (no field holds a line break here)
    api_rate = rows / api_s
    copy_rate_ = copy_rows / copy_s
    print(
        f"API        {rows:>10,} rows in {api_s:6.1f} s = {api_rate:>9,.0f} rows/s ({size / 1e6:,.0f} MB, "
        f"first byte after {first:.1f} s: count and audit)"
    )
    print(f"API / COPY of the same statement: {api_rate / copy_rate_:.2f}  (goal >= 0.5)")
    print(f"API / raw COPY:                   {api_rate / (raw_rows / raw_s):.2f}")
    print(f"server RSS: {idle:.0f} MB before, {peak:.0f} MB peak during the export (+{peak - idle:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
