"""Benchmark: validated import against raw COPY, on PostgreSQL, ratios printed from one run (asserts nothing).

In a dedicated database (BENCH_IMPORT_DB, default fupin_bench_import: dropped and created anew):
  Each import runs in a worker process of its own, as `fupin worker` runs it.
  * validated/COPY:  rows/s of an import of N households (about 3 members each, CSV in the 建档立卡 layout,
                     through POST /api/v1/imports and the import job: every household through the household
                     services, audited and fed) over rows/s of raw COPY of the same rows into the same tables
                     (households, members; indexes in place; rolled back) (goal ≥ 0.5);
  * re-import/COPY:  the same file again (id scheme external): every household unchanged (goal ≥ 0.5);
  * 1% bad/clean:    a file of N new households of which 1% carry an invalid ID number, over the clean import
                     (goal ≥ 0.9);
  * peak RSS:        of a worker process (its own interpreter) running an import job of a file of --rss-rows
                     rows (default 1,000,000) to its end; every household of that file is refused without a write
                     (update by system id, which the file lacks), so the run measures the reading, parsing,
                     grouping and error keeping of the whole file in bounded time (goal < 400 MB).

    .venv/bin/python bench/imports.py [--households 100000] [--rss-rows 1000000]
    .venv/bin/python bench/imports.py --households 2000 --rss-rows 50000     # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_IMPORT_DB", "fupin_bench_import")
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


def sa_url() -> str:
    return ADMIN_URL.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{DB_NAME}"


def prepare() -> list[str]:
    os.environ["FUPIN_DATABASE_URL"] = sa_url()
    os.environ["FUPIN_SECRET_KEY"] = SECRET
    from alembic import command

    from fupin.migrations_check import alembic_config
    from fupin.seed import bulk, demo

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    command.upgrade(alembic_config(sa_url()), "head")
    engine = bulk.sync_engine(sa_url())
    with engine.begin() as conn:
        demo.seed_regions(conn)
        demo.seed_demo_users(conn)
        villages = list(demo.village_codes(conn))
    engine.dispose()
    return villages


def generated(villages: list[str], count: int, seed: int) -> list[Any]:
    from fupin.seed.generator import generate

    return list(generate(villages, count, seed=seed, detailed=False))


def _household_cells(g: Any, index: int, tag: str) -> dict[str, Any]:
    values = dict(g.values)
    values["group"] = values.pop("group_name", None)
    return {**values, "village_code": g.village_code, "source_system": "bench", "external_id": f"{tag}-{index}"}


def write_csv(path: Path, households: list[Any], tag: str, *, bad_every: int = 0) -> int:
    from fupin.households import columns

    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(columns.HEADERS)
        for index, g in enumerate(households):
            household = _household_cells(g, index, tag)
            for position, member in enumerate(g.members):
                cells = columns.row_cells(household, member)
                if bad_every and index % bad_every == 0 and position == 0:
                    number = member["id_number"]
                    cells[columns.HEADERS.index("证件号码")] = number[:17] + ("0" if number[17] != "0" else "1")
                out.writerow(cells)
                rows += 1
    return rows


def copy_baseline(households: list[Any]) -> tuple[int, float]:
    """Raw COPY of the same households and members into the same tables (indexes in place), rolled back."""
    from fupin.core.models import utcnow
    from fupin.seed import bulk

    engine = bulk.sync_engine(sa_url())
    now = utcnow()
    with engine.connect() as conn:
        transaction = conn.begin()
        writer = bulk.Writer(conn)
        first = bulk._max_id(conn, bulk.HOUSEHOLDS) + 1
        member_id = bulk._max_id(conn, bulk.MEMBERS) + 1
        hh_rows, member_rows = [], []
        for offset, g in enumerate(households):
            hid = first + offset
            head = member_id
            for m in g.members:
                member_rows.append(
                    {
                        "id": member_id,
                        "public_id": uuid.uuid4(),
                        "household_id": hid,
                        **m,
                        "active": True,
                        "added_reason": "initial",
                        "added_on": g.values["first_identified_on"],
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                member_id += 1
            hh_rows.append(
                {
                    "id": hid,
                    "public_id": g.public_id,
                    "household_number": g.household_number,
                    "village_code": g.village_code,
                    **g.values,
                    "head_member_id": head,
                    "head_name": g.members[0]["name"],
                    "member_count": len(g.members),
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
        started = time.perf_counter()
        writer.insert(bulk.HOUSEHOLDS, hh_rows)
        writer.insert(bulk.MEMBERS, member_rows)
        conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.rollback()
    engine.dispose()
    return len(member_rows), elapsed


def bench_settings() -> Any:
    from fupin.config import Settings

    return Settings(
        database_url=sa_url(),
        secret_key=SECRET,
        demo=True,
        job_worker=False,
        import_max_bytes=2 * 1024 * 1024 * 1024,
        files_dir=Path(tempfile.gettempdir()) / "fupin-bench-import-files",
    )


async def drain() -> float:
    """A worker runs every queued job; its seconds."""
    from fupin.core.db import make_engine
    from fupin.core.readpath import ReadPath
    from fupin.jobs.worker import Worker

    engine = make_engine(sa_url(), 2)
    read = ReadPath(sa_url(), pool_size=2)
    await read.open()
    try:
        started = time.perf_counter()
        await Worker(engine, read, worker_id="bench").drain()
        return time.perf_counter() - started
    finally:
        await read.close()
        await engine.dispose()


def job_report(job_id: str) -> dict[str, Any]:
    with psycopg.connect(sa_url().replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT state, report, error FROM jobs WHERE public_id = %s", (job_id,)).fetchone()
    assert row is not None and row[0] == "succeeded", row
    return dict(row[1])


def run_import(path: Path, **options: str) -> tuple[dict[str, Any], float]:
    """Queue the import over HTTP, then drain the queue with a worker process of its own (as `fupin worker` runs
    it: not in this process, whose heap holds the generated households the collector would scan again and
    again): the job's report and the worker's seconds."""
    job_id, _ = submit(path, **options)
    out = subprocess.run([sys.executable, __file__, "--worker"], capture_output=True, text=True, check=True).stdout
    seconds = float(next(x for x in out.splitlines() if x.startswith("SECONDS ")).split()[1])
    return job_report(job_id), seconds


def submit(path: Path, **options: str) -> tuple[str, Any]:
    """Queue an import of the file over HTTP (the app in process, no in-process worker): the job's id."""
    from fastapi.testclient import TestClient

    from fupin.main import create_app

    with TestClient(create_app(bench_settings())) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "fupin-demo"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with path.open("rb") as f:
            r = client.post("/api/v1/imports", headers=headers, files={"file": (path.name, f)}, data=options)
        assert r.status_code == 202, r.text
        return str(r.json()["id"]), headers


def rss_worker() -> None:
    """In its own process: a worker drains the queue; print its peak RSS. VmHWM, the high-water mark of this
    process image's own memory: getrusage's ru_maxrss survives exec, so in a child started by fork + exec it also
    counts the parent's pages at the fork (the bench's generated households), not the worker's."""
    seconds = asyncio.run(drain())
    status = Path("/proc/self/status").read_text()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    print(f"RSS {peak_kb / 1024:.0f} {seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--rss-rows", type=int, default=1_000_000)
    parser.add_argument("--rss-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_worker or args.worker:
        os.environ["FUPIN_DATABASE_URL"] = sa_url()
        if args.rss_worker:
            rss_worker()
        else:
            print(f"SECONDS {asyncio.run(drain())}")
        return
    villages = prepare()
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-import-"))
    both = generated(villages, 2 * args.households, seed=11)
    clean = both[: args.households]
    clean_file = work / "clean.csv"
    rows = write_csv(clean_file, clean, "clean")
    print(f"{args.households:,} households, {rows:,} rows ({clean_file.stat().st_size / 1e6:.0f} MB CSV)")

    copied, copy_seconds = copy_baseline(clean)
    copy_rate = copied / copy_seconds
    print(f"raw COPY:       {copied:,} member rows (+ households) in {copy_seconds:.1f} s: {copy_rate:,.0f} rows/s")

    report, seconds = run_import(clean_file, id_scheme="external")
    import_rate = rows / seconds
    print(
        f"validated:      created {report['created']:,}, failed {report['failed']} in {seconds:.1f} s: "
        f"{import_rate:,.0f} rows/s"
    )

    report, seconds = run_import(clean_file, id_scheme="external")
    again_rate = rows / seconds
    print(
        f"re-import:      unchanged {report['unchanged']:,}, updated {report['updated']} in {seconds:.1f} s: "
        f"{again_rate:,.0f} rows/s"
    )

    bad = both[args.households :]  # other people than the clean file's (one generator: unique ID numbers)
    bad_file = work / "bad.csv"
    bad_rows = write_csv(bad_file, bad, "bad", bad_every=100)
    report, seconds = run_import(bad_file, id_scheme="external")
    bad_rate = bad_rows / seconds
    print(
        f"1% bad rows:    created {report['created']:,}, failed {report['failed']:,} in {seconds:.1f} s: "
        f"{bad_rate:,.0f} rows/s"
    )

    big_households = generated(villages, max(1, args.rss_rows // 3), seed=13)
    big_file = work / "big.csv"
    big_rows = write_csv(big_file, big_households, "big")
    del big_households, bad, clean, both
    # every household of this file fails at once (update by our id, which the file lacks): the worker reads, parses
    # and groups every row, reports and keeps the errors, with no database write; a full validated run of a
    # million rows takes five to seven minutes at the measured rate, longer than the rest of this run
    job_id, _ = submit(big_file, strategy="update", id_scheme="id")
    out = subprocess.run([sys.executable, __file__, "--rss-worker"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RSS "))
    _, peak, rss_seconds = line.split()
    report = job_report(job_id)
    print(
        f"peak RSS:       {peak} MB for a file of {big_rows:,} rows ({report['rows']:,} read, "
        f"{report['failed']:,} households refused, {len(report['errors']):,} errors kept, {rss_seconds} s)"
    )

    print()
    print(f"validated/COPY  {import_rate / copy_rate:.3f}  (goal ≥ 0.5)")
    print(f"re-import/COPY  {again_rate / copy_rate:.3f}  (goal ≥ 0.5)")
    print(f"1% bad/clean    {bad_rate / import_rate:.3f}  (goal ≥ 0.9)")
    print(f"peak RSS MB     {peak}  (goal < 400)")


if __name__ == "__main__":
    main()
