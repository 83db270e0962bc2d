"""Benchmark: the household list at a million households on PostgreSQL.

Loads 1,000,000 generated households (about 3 million members) with COPY, starts the API server, and measures
side by side in one run:
  * deep/page-1:  p50 of a township-filtered page whose cursor is past row 500,000 over p50 of its first page
                  (goal ≤ 1.2; keyset pagination makes depth free);
  * API/SQL:      p50 of the API page over p50 of the same SQL run directly with psycopg (goal ≤ 2.0);
  * memory:       the API process's peak RSS while serving (goal < 300 MB);
  * concurrency:  list requests per second at 16 concurrent keep-alive connections, over the same for a minimal
                  Starlette app running the same SQL on the same driver (bench/minimal_list_app.py), with p50 and
                  p99 of each (goal ≥ 0.6); the load stays on 127.0.0.1, bounded in count and time;
  * load rate:    households per second through the bulk loader.
So that a township holds more than 500,000 households, the benchmark adds villages to 卧虎镇 and places 55% of
the households there; the rest spread over the city.

    .venv/bin/python bench/households_list.py [--households 1000000] [--requests 200] [--reuse]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB", "fupin_bench")
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
TOWNSHIP = "220382102000"
LOW, HIGH = "220382102000", "220382103000"

# The statement the API runs (repository.filtered + list_page: the caller's scope narrowed to the region filter,
# the ID number masked by the personal-data registry), written out for psycopg; page 1 has no cursor.
SQL = """
SELECT h.public_id, h.household_number, h.village_code, r.name, h.head_name,
       CASE WHEN length(m.id_number) = 18
            THEN substr(m.id_number, 1, 6) || '********' || substr(m.id_number, 15, 4)
            ELSE substr(m.id_number, 1, 2) || '******' END,
       h.member_count, h.status, h.attribute, h.main_cause, h.first_identified_on, h.exit_year, h.updated_at,
       h.version, h.id
FROM households h
JOIN regions r ON r.code = h.village_code
LEFT JOIN members m ON m.id = h.head_member_id
WHERE h.village_code >= %(low)s AND h.village_code < %(high)s
  {cursor}
ORDER BY h.village_code, h.household_number
LIMIT 51
"""


def sa_url() -> str:
    return ADMIN_URL.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{DB_NAME}"


def load(households: int) -> float:
    os.environ["FUPIN_DATABASE_URL"] = sa_url()
    os.environ["FUPIN_SECRET_KEY"] = SECRET
    from alembic import command
    from sqlalchemy import text

    from fupin.migrations_check import alembic_config
    from fupin.regions.models import Region
    from fupin.seed import bulk, demo
    from fupin.seed.generator import generate

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    command.upgrade(alembic_config(sa_url()), "head")
    engine = bulk.sync_engine(sa_url())
    with engine.begin() as conn:
        demo.seed_regions(conn)
        demo.seed_demo_users(conn)
        extra = [
            {
                "code": f"220382102{300 + i:03d}",
                "name": f"基准测试{i + 1}村",
                "level": 5,
                "parent_code": TOWNSHIP,
                "is_poor_village": False,
            }
            for i in range(100)
        ]
        conn.execute(Region.__table__.insert(), extra)  # type: ignore[attr-defined]
        big = [v for v in demo.village_codes(conn) if v.startswith("220382102")]
        rest = [v for v in demo.village_codes(conn) if not v.startswith("220382102")]
        # 55% into the big township: repeat its villages in the pool in proportion
        pool = rest + big * max(1, round(0.55 / 0.45 * len(rest) / len(big)))
        started = time.perf_counter()
        report = bulk.load(conn, generate(pool, households, seed=2018, detailed=False), batch_size=20000)
        elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"loaded {report.households:,} households and {report.members:,} members in {elapsed:.0f} s: "
        f"{report.households / elapsed:,.0f} households/s"
    )
    return report.households / elapsed


def rss_mb(pid: int) -> float:
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except FileNotFoundError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _one_connection(port: int, request: bytes, count: int, deadline: float, latencies: list[float]) -> None:
    """Keep-alive HTTP/1.1 requests on one connection, reading each answer by its Content-Length."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            if time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            assert head.startswith(b"HTTP/1.1 200") and body.startswith(b'{"items":[{'), head[:200]
    finally:
        writer.close()


def load_test(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    connections: int = 16,
    per_connection: int = 150,
    seconds: float = 60.0,
) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p99 ms) of `connections` clients sending `per_connection` requests each."""
    import asyncio

    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []

    async def run() -> float:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_one_connection(port, request, per_connection, deadline, latencies) for _ in range(connections))
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return len(latencies) / elapsed, p50(latencies) * 1000, p99(latencies) * 1000


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str) -> None:
    for _ in range(150):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="reuse an already loaded benchmark database")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()

    rate = None if args.reuse else load(args.households)
    os.environ["FUPIN_DATABASE_URL"] = sa_url()
    os.environ["FUPIN_SECRET_KEY"] = SECRET
    from fupin.core.pagination import encode_cursor

    dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
    with psycopg.connect(dsn) as conn:
        in_township = conn.execute(
            "SELECT count(*) FROM households WHERE village_code >= %s AND village_code < %s", (LOW, HIGH)
        ).fetchone()[0]  # type: ignore[index]
        depth = min(500_000, in_township - 100)
        deep = conn.execute(
            "SELECT village_code, household_number FROM households WHERE village_code >= %s "
            "AND village_code < %s ORDER BY village_code, household_number OFFSET %s LIMIT 1",
            (LOW, HIGH, depth),
        ).fetchone()
    assert deep is not None
    deep_cursor = encode_cursor("hh_number_asc", [deep[0], deep[1]])
    print(f"township 卧虎镇 holds {in_township:,} households; deep page starts after row {depth:,}")

    if not args.port:
        args.port = free_port()
    env = {**os.environ, "FUPIN_DOCS_ENABLED": "false"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "fupin"), "serve", "--port", str(args.port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": "city_office", "password": "fupin-demo"}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            params = {"region": TOWNSHIP, "limit": 50}
            first_page = client.get("/api/v1/households", params=params)
            assert first_page.status_code == 200 and len(first_page.json()["items"]) == 50, first_page.text
            deep_page = client.get("/api/v1/households", params={**params, "cursor": deep_cursor})
            assert deep_page.status_code == 200 and deep_page.json()["items"][0]["household_number"] > deep[1]
            times: dict[str, list[float]] = {"page1": [], "deep": [], "sql_page1": [], "sql_deep": []}
            peak = rss_mb(server.pid)
            sql_page1 = SQL.replace("{cursor}", "")
            sql_deep = SQL.replace("{cursor}", "AND (h.village_code, h.household_number) > (%(v)s, %(n)s)")
            # the timed requests go through the standard library's keep-alive client: its own cost per request is
            # a fraction of httpx's, so the figure is the server's work rather than the client library's
            raw = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            auth = {"Authorization": f"Bearer {token}"}
            page1_url = f"/api/v1/households?{urlencode(params)}"
            deep_url = f"/api/v1/households?{urlencode({**params, 'cursor': deep_cursor})}"
            with psycopg.connect(dsn) as conn:
                sql_args = {"low": LOW, "high": HIGH}
                for i in range(args.requests):
                    for name, url in (("page1", page1_url), ("deep", deep_url)):
                        t = time.perf_counter()
                        raw.request("GET", url, headers=auth)
                        response = raw.getresponse()
                        body = response.read()
                        times[name].append(time.perf_counter() - t)
                        assert response.status == 200 and body.startswith(b'{"items":[{')
                    for name, sql, (v, n) in (("sql_page1", sql_page1, ("", "")), ("sql_deep", sql_deep, deep)):
                        t = time.perf_counter()
                        rows = conn.execute(sql, {**sql_args, "v": v, "n": n}).fetchall()
                        times[name].append(time.perf_counter() - t)
                        assert len(rows) == 51
                    if i % 20 == 0:
                        peak = max(peak, rss_mb(server.pid))
            peak = max(peak, rss_mb(server.pid))
        api_rps, api_p50, api_p99 = load_test(args.port, page1_url, auth)
        peak = max(peak, rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(10)
    minimal_port = free_port()
    minimal = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "bench.minimal_list_app:app",
            "--port",
            str(minimal_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_DSN": dsn, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{minimal_port}/households")
        load_test(minimal_port, "/households", {}, per_connection=10)  # warm up the pool and prepared statements
        min_rps, min_p50, min_p99 = load_test(minimal_port, "/households", {})
    finally:
        minimal.terminate()
        minimal.wait(10)

    ms = {k: p50(v) * 1000 for k, v in times.items()}
    deep_ratio = ms["deep"] / ms["page1"]
    api_sql = ms["page1"] / ms["sql_page1"]
    api_sql_deep = ms["deep"] / ms["sql_deep"]
    print(
        f"p50 ms: API page 1 {ms['page1']:.2f}, API deep {ms['deep']:.2f}, "
        f"SQL page 1 {ms['sql_page1']:.2f}, SQL deep {ms['sql_deep']:.2f}  ({args.requests} requests each)"
    )
    concurrency = api_rps / min_rps
    print(f"deep page / page 1 (API):      {deep_ratio:.2f}   (goal <= 1.2)")
    print(f"API / direct SQL (page 1):     {api_sql:.2f}   (goal <= 2.0)")
    print(f"API / direct SQL (deep page):  {api_sql_deep:.2f}   (goal <= 2.0)")
    print(f"API process peak RSS:          {peak:.0f} MB (goal < 300 MB)")
    print(
        f"16 connections, page 1:        API {api_rps:,.0f} req/s (p50 {api_p50:.1f} ms, p99 {api_p99:.1f} ms), "
        f"minimal Starlette {min_rps:,.0f} req/s (p50 {min_p50:.1f} ms, p99 {min_p99:.1f} ms)"
    )
    print(f"API / minimal app (req/s):     {concurrency:.2f}   (goal >= 0.6)")
    if rate is not None:
        print(f"load rate:                     {rate:,.0f} households/s")
    ok = deep_ratio <= 1.2 and api_sql <= 2.0 and api_sql_deep <= 2.0 and peak < 300 and concurrency >= 0.6
    print("all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
