"""Benchmark: the batch upsert of 1,000 measures (`POST /api/v1/measures/batch`) against one multi-row INSERT of
the same rows, on PostgreSQL.

A fresh database (`fupin_bench_measures`, or FUPIN_BENCH_DATABASE_URL) is migrated and seeded with the demo regions,
users and `--households` generated households. Then, in one run:
  * INSERT:    one `INSERT INTO measures ... VALUES (...), (...), ...` of 1,000 rows with psycopg, committed
               (the floor: no checks, no audit, no change feed);
  * batch:     `POST /api/v1/measures/batch` of 1,000 new measures through the app (each item checked, scoped,
               audited on its household's trail and in the change feed, in its own savepoint), as the city office;
  * unchanged: the same batch again (every item identical: read and compared, nothing written);
  * ratio:     batch / INSERT (goal <= 10).
Each figure is the median of `--rounds` rounds with new keys. Prints the figures; asserts nothing.

    .venv/bin/python bench/measures_batch.py [--households 2000] [--rounds 3] [--user city_office]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fupin_bench_measures"
ITEMS = 1000


def prepare(url: str, households: int) -> None:
    from alembic import command

    from fupin.migrations_check import alembic_config
    from fupin.seed import demo
    from fupin.seed.bulk import sync_engine

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')
    command.upgrade(alembic_config(url), "head")
    engine = sync_engine(url)
    with engine.begin() as conn:
        demo.seed_regions(conn)
        demo.seed_demo_users(conn)
        demo.seed_households(conn, households, seed=5)
    engine.dispose()


def household_ids(dsn: str) -> list[tuple[int, uuid.UUID, str]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, public_id, village_code FROM households WHERE status <> 'removed' ORDER BY id LIMIT %s",
            (ITEMS,),
        ).fetchall()
    return [(int(r[0]), r[1], str(r[2])) for r in rows]


def items(households: list[tuple[int, uuid.UUID, str]], tag: str) -> list[dict[str, Any]]:
    kinds = ("industry", "education", "health", "housing", "employment")
    return [
        {
            "source_system": "bench",
            "external_id": f"{tag}-{i}",
            "household_id": str(households[i % len(households)][1]),
            "type": kinds[i % len(kinds)],
            "content": f"基准测试措施 {i}",
            "year": 2018,
            "amount": f"{100 + i}.50",
            "planned_on": "2018-10-31",
        }
        for i in range(ITEMS)
    ]


def insert_seconds(dsn: str, households: list[tuple[int, uuid.UUID, str]], tag: str) -> float:
    """One multi-row INSERT of the batch's rows, committed."""
    now = datetime.now(UTC)
    rows = []
    for item in items(households, tag):
        pk, _, village = next(h for h in households if str(h[1]) == item["household_id"])
        rows.append(
            (
                pk,
                village,
                item["type"],
                item["content"],
                2018,
                item["amount"],
                "2018-10-31",
                "planned",
                1,
                uuid.uuid4(),
                "bench-insert",
                item["external_id"],
                now,
                now,
            )
        )
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        "INSERT INTO measures (household_id, village_code, type, content, year, amount, planned_on, status, version, "
        f"public_id, source_system, external_id, created_at, updated_at) VALUES {placeholders}"
    )
    params = [value for row in rows for value in row]
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        conn.execute(sql, params)
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user", default="city_office")
    args = parser.parse_args()
    url = os.environ.get("FUPIN_BENCH_DATABASE_URL", DEFAULT_URL)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    print(f"preparing {make_url(url).database}: {args.households} households ...")
    prepare(url, args.households)
    households = household_ids(dsn)

    from fupin.config import Settings
    from fupin.main import create_app

    settings = Settings(database_url=url, demo=True, spa_dist=Path("/nonexistent"), job_worker=False)
    inserts, batches, unchanged = [], [], []
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/v1/auth/token", data={"username": args.user, "password": "fupin-demo"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        # warm up: statements compiled and prepared, caches filled
        client.post("/api/v1/measures/batch", json={"items": items(households, "warm")[:50]}, headers=headers)
        for round_ in range(args.rounds):
            inserts.append(insert_seconds(dsn, households, f"i{round_}"))
            body = {"items": items(households, f"b{round_}")}
            started = time.perf_counter()
            r = client.post("/api/v1/measures/batch", json=body, headers=headers)
            batches.append(time.perf_counter() - started)
            results = r.json()["results"]
            assert r.status_code == 200 and all(x["status"] == 201 for x in results), r.text[:500]
            started = time.perf_counter()
            again = client.post("/api/v1/measures/batch", json=body, headers=headers)
            unchanged.append(time.perf_counter() - started)
            assert all(x["outcome"] == "unchanged" for x in again.json()["results"])
    insert, batch, same = (statistics.median(v) for v in (inserts, batches, unchanged))
    print(f"INSERT of {ITEMS} rows:        {insert * 1000:8.1f} ms")
    print(f"batch of {ITEMS} (created):    {batch * 1000:8.1f} ms   ({ITEMS / batch:,.0f} items/s)")
    print(f"batch of {ITEMS} (unchanged):  {same * 1000:8.1f} ms")
    print(f"ratio batch / INSERT:        {batch / insert:8.1f}x   (goal <= 10x)")


if __name__ == "__main__":
    main()
