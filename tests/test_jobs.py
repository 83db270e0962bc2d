"""Jobs: state in the database, chunks committed with their progress marker, leases, resumption after a dead
worker, cancel, scope, paging, bad input; the first real kind (stats.rebuild) end to end."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from fupin.config import Settings
from fupin.core.db import make_engine
from fupin.core.models import utcnow
from fupin.core.readpath import ReadPath
from fupin.jobs import registry
from fupin.jobs.registry import Chunk, ChunkContext, JobKind
from fupin.jobs.stats_rebuild import KIND, STATS_REBUILD
from fupin.jobs.worker import CHUNK_RETRIES, Worker
from fupin.main import create_app
from fupin.seed.bulk import sync_engine
from tests.conftest import PG_URL, Api, app_settings, assert_problem

T = TypeVar("T")
COUNTY = "220382000000"
FIRST_TOWNSHIP = "220382102000"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app without its in-process worker: the tests drive workers themselves."""
    return app_settings(database_url, tmp_path, job_worker=False)


def with_workers(url: str, work: Callable[..., Awaitable[T]], *ids: str, **kw: Any) -> T:
    """Run `work(*workers)`, one worker (own engine and read path, as separate processes would have) per id."""

    async def run() -> T:
        opened: list[tuple[Any, ReadPath]] = []
        workers = []
        for worker_id in ids or ("w1",):
            engine = make_engine(url, 2)
            read = ReadPath(url, pool_size=2)
            await read.open()
            opened.append((engine, read))
            workers.append(Worker(engine, read, worker_id=worker_id, **kw))
        try:
            return await work(*workers)
        finally:
            for engine, read in opened:
                await read.close()
                await engine.dispose()

    return asyncio.run(run())


def drain(url: str, worker_id: str = "w1", **kw: Any) -> int:
    async def go(w: Worker) -> int:
        return await w.drain()

    return with_workers(url, go, worker_id, **kw)


@pytest.fixture
def chunk_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any, Any]]]:
    """Every chunk of stats.rebuild that committed: (job id, marker it started from, next marker)."""
    seen: list[tuple[str, Any, Any]] = []

    async def logged(ctx: ChunkContext, marker: Any) -> Chunk:
        chunk = await STATS_REBUILD.run_chunk(ctx, marker)
        job_id = str(ctx.job.public_id)
        ctx.session.sync_session.info.setdefault("fupin.test.pending", []).append((job_id, marker, chunk.next_marker))
        return chunk

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    def after_commit(session: Session) -> None:
        seen.extend(session.info.pop("fupin.test.pending", []))

    def after_rollback(session: Session) -> None:
        session.info.pop("fupin.test.pending", None)

    event.listen(Session, "after_commit", after_commit)
    event.listen(Session, "after_rollback", after_rollback)
    monkeypatch.setitem(registry.KINDS, KIND, JobKind(KIND, logged))
    yield seen
    event.remove(Session, "after_commit", after_commit)
    event.remove(Session, "after_rollback", after_rollback)


def start(api: Api, user: str = "county_office", **body: Any) -> dict[str, Any]:
    r = api.post(user, "/api/v1/stats/rebuild", json=body or None)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/v1/jobs/{job['id']}"
    return dict(job)


def job_of(api: Api, job_id: str, user: str = "county_office") -> dict[str, Any]:
    r = api.get(user, f"/api/v1/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def area_facts(url: str, region: str = COUNTY) -> dict[str, int]:
    prefix = region.rstrip("0")
    prefix = region[: max(len(prefix), 6)]
    engine = sync_engine(url)
    with engine.connect() as conn:
        villages = conn.execute(
            text("SELECT COUNT(*) FROM regions WHERE level = 5 AND code LIKE :p"), {"p": prefix + "%"}
        ).scalar_one()
        households, people = conn.execute(
            text("SELECT COUNT(*), COALESCE(SUM(member_count), 0) FROM households WHERE village_code LIKE :p"),
            {"p": prefix + "%"},
        ).one()
    engine.dispose()
    return {"villages": int(villages), "households": int(households), "people": int(people)}


def stats_rows(url: str) -> list[tuple[Any, ...]]:
    engine = sync_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT village_code, dimension, value, households, people FROM household_stats ORDER BY 1, 2, 3")
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def spoil_stats(url: str) -> None:
    """Wrong summary figures in the county (what the rebuild is for)."""
    engine = sync_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE household_stats SET households = households + 7 WHERE village_code LIKE '220382%'"))
        conn.execute(text("DELETE FROM household_stats WHERE village_code LIKE '2203821022%' AND dimension = 'status'"))
    engine.dispose()


def job_row(url: str, job_id: str) -> dict[str, Any]:
    engine = sync_engine(url)
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("SELECT state, done, chunks, attempts, worker_id, lease_until FROM jobs WHERE public_id = :i"),
                {"i": uuid.UUID(job_id).hex if url.startswith("sqlite") else job_id},
            )
            .mappings()
            .one()
        )
    engine.dispose()
    return dict(row)


def test_rebuild_runs_to_succeeded_with_progress_report_audit_and_feed(
    api: Api, database_url: str, chunk_log: list[Any]
) -> None:
    right = stats_rows(database_url)
    summary = api.get("county_office", "/api/v1/stats/summary").json()
    spoil_stats(database_url)
    assert stats_rows(database_url) != right
    facts = area_facts(database_url)
    assert facts["villages"] > 6 and facts["households"] > 0

    job = start(api, chunk_villages=3)
    assert job["kind"] == "stats.rebuild" and job["state"] == "queued"
    assert job["progress"] == {"done": 0, "total": None, "rate": None}
    assert job["region_code"] == COUNTY and job["owner"]["name"] == "双辽市扶贫办"
    assert job["started_at"] is None and job["finished_at"] is None and job["report"] is None

    assert drain(database_url) == 1
    done = job_of(api, job["id"])
    assert done["state"] == "succeeded", done
    assert done["progress"]["done"] == done["progress"]["total"] == facts["villages"]
    assert done["progress"]["rate"] is not None
    assert done["report"]["villages"] == facts["villages"]
    assert done["report"]["households"] == facts["households"]
    assert done["report"]["people"] == facts["people"]
    assert done["started_at"] <= done["finished_at"] and done["error"] is None
    # the summary is right again, and only the county's part was touched
    assert stats_rows(database_url) == right
    assert api.get("county_office", "/api/v1/stats/summary").json() == summary
    markers = [m for j, m, _ in chunk_log if j == job["id"]]
    assert len(markers) == len(set(map(str, markers))) == -(-facts["villages"] // 3) + (facts["villages"] % 3 == 0)

    events = api.get("admin", "/api/v1/audit-events", params={"entity_type": "job", "limit": 200}).json()["items"]
    actions = [e["action"] for e in events if e["entity_id"] == job["id"]]
    assert actions == ["job.queued", "job.started", "job.succeeded"]
    feed = api.get("county_office", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert [c["action"] for c in feed if c["entity_id"] == job["id"]] == ["queued", "started", "succeeded"]


def test_a_dead_worker_job_is_taken_up_after_its_lease_and_finishes_with_the_same_result(
    api: Api, database_url: str, chunk_log: list[Any]
) -> None:
    right = stats_rows(database_url)
    reference = start(api, chunk_villages=2)
    assert drain(database_url) == 1
    expected = job_of(api, reference["id"])
    assert expected["state"] == "succeeded"

    spoil_stats(database_url)
    job = start(api, chunk_villages=2)

    async def die_after_two_chunks(w: Worker) -> int | None:
        pk = await w.claim()
        assert pk is not None
        await w.run_job(pk, max_chunks=2)  # then nothing: the process is gone, the lease stays
        return pk

    assert with_workers(database_url, die_after_two_chunks, "doomed", lease_seconds=30) is not None
    stuck = job_of(api, job["id"])
    assert stuck["state"] == "running" and stuck["progress"]["done"] == 4
    assert job_row(database_url, job["id"])["worker_id"] == "doomed"

    # within the lease no one takes it
    assert drain(database_url, worker_id="early") == 0
    assert job_of(api, job["id"])["progress"]["done"] == 4

    # past the lease another worker resumes from the committed marker
    later = utcnow() + timedelta(seconds=31)
    assert drain(database_url, worker_id="rescuer", clock=lambda: later) == 1
    finished = job_of(api, job["id"])
    assert finished["state"] == "succeeded"
    assert finished["progress"] == {**expected["progress"], "rate": finished["progress"]["rate"]}
    assert finished["report"] == expected["report"]
    assert stats_rows(database_url) == right
    row = job_row(database_url, job["id"])
    assert row["attempts"] == 2 and row["chunks"] == job_row(database_url, reference["id"])["chunks"]
    # no chunk was done twice or skipped: the markers chain from the start to the end, each once
    chunks = [(m, n) for j, m, n in chunk_log if j == job["id"]]
    assert [m for m, _ in chunks] == [None, *[n for _, n in chunks[:-1]]]
    assert chunks[-1][1] is None
    assert [c for j, *c in chunk_log if j == reference["id"]] == [list(c) for c in chunks]
    events = api.get("admin", "/api/v1/audit-events", params={"entity_type": "job", "limit": 200}).json()["items"]
    actions = [e["action"] for e in events if e["entity_id"] == job["id"]]
    assert actions == ["job.queued", "job.started", "job.resumed", "job.succeeded"]


def test_a_worker_process_killed_with_sigkill_is_replaced_and_the_job_finishes_the_same(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    """`fupin worker` as its own process, killed -9 in the middle; `fupin worker --once` takes the job up once the
    dead one's lease has run out, and the summary and the report are those of an uninterrupted run."""
    right = stats_rows(database_url)
    facts = area_facts(database_url)
    spoil_stats(database_url)
    job = start(api, chunk_villages=1)
    env = {
        **os.environ,
        "FUPIN_DATABASE_URL": database_url,
        "FUPIN_DEMO": "1",
        "FUPIN_AUDIT_ANCHOR_FILE": str(tmp_path / "worker-anchors.jsonl"),
        "FUPIN_JOB_LEASE_SECONDS": "1",
        "FUPIN_JOB_POLL_SECONDS": "0.1",
        "FUPIN_JOB_CHUNK_PAUSE_SECONDS": "0.3",
    }
    command = [sys.executable, "-m", "fupin.cli", "worker"]
    victim = subprocess.Popen([*command, "--id", "victim"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while job_of(api, job["id"])["progress"]["done"] < 2:
            assert victim.poll() is None and time.monotonic() < deadline, "the worker did not get going"
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    stuck = job_of(api, job["id"])
    assert stuck["state"] == "running" and 2 <= stuck["progress"]["done"] < facts["villages"]
    assert job_row(database_url, job["id"])["worker_id"] == "victim"

    time.sleep(1.2)  # the victim's lease runs out
    env["FUPIN_JOB_CHUNK_PAUSE_SECONDS"] = "0"
    rescue = subprocess.run(
        [*command, "--once", "--id", "rescuer"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert rescue.returncode == 0, rescue.stderr
    assert "1 jobs run" in rescue.stdout
    finished = job_of(api, job["id"])
    assert finished["state"] == "succeeded", finished
    assert finished["progress"]["done"] == finished["progress"]["total"] == facts["villages"]
    # each village counted once: a chunk done twice would count its villages and households twice
    assert finished["report"] == {**facts, "villages_with_households": finished["report"]["villages_with_households"]}
    assert stats_rows(database_url) == right
    assert job_row(database_url, job["id"])["attempts"] == 2


def test_a_worker_that_lost_its_lease_commits_nothing_more(api: Api, database_url: str) -> None:
    job = start(api, chunk_villages=2)

    async def scenario(slow: Worker, fast: Worker) -> tuple[bool, bool]:
        pk = await slow.claim()
        assert pk is not None and await slow.step(pk)
        fast.clock = lambda: utcnow() + timedelta(seconds=120)  # the slow one's lease ran out
        assert await fast.claim() == pk
        return await slow.step(pk), await fast.step(pk)

    lost, kept = with_workers(database_url, scenario, "slow", "fast", lease_seconds=60)
    assert lost is False and kept is True
    assert job_row(database_url, job["id"])["worker_id"] == "fast"
    assert job_of(api, job["id"])["progress"]["done"] == 4


def test_concurrent_workers_never_run_the_same_job(api: Api, database_url: str, chunk_log: list[Any]) -> None:
    jobs = [start(api, chunk_villages=2)["id"] for _ in range(4)]

    async def race(*workers: Worker) -> list[int]:
        return list(await asyncio.gather(*(w.drain() for w in workers)))

    counts = with_workers(database_url, race, "a", "b", "c")
    assert sum(counts) == 4
    for job_id in jobs:
        assert job_of(api, job_id)["state"] == "succeeded"
        row = job_row(database_url, job_id)
        assert row["attempts"] == 1 and row["worker_id"] is None
        markers = [m for j, m, _ in chunk_log if j == job_id]
        assert len(markers) == len({str(m) for m in markers}) == row["chunks"]
    assert len(chunk_log) == sum(job_row(database_url, j)["chunks"] for j in jobs)


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED is PostgreSQL's")
def test_postgres_claim_skips_a_job_another_worker_is_claiming(api: Api, database_url: str) -> None:
    first = start(api)["id"]
    second = start(api)["id"]

    async def scenario(w: Worker) -> tuple[str, str]:
        from fupin.jobs import repository as repo

        async with w.sessions() as s1, s1.begin():
            held = await repo.claim(s1, now=utcnow(), skip_locked=True)
            assert held is not None
            async with w.sessions() as s2, s2.begin():
                other = await repo.claim(s2, now=utcnow(), skip_locked=True)
                assert other is not None and other.id != held.id
                return str(held.public_id), str(other.public_id)

    assert set(with_workers(database_url, scenario)) == {first, second}


def test_cancel_a_queued_job_at_once(api: Api, database_url: str) -> None:
    job = start(api)
    r = api.post("county_office", f"/api/v1/jobs/{job['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled" and r.json()["finished_at"]
    assert drain(database_url) == 0
    assert job_of(api, job["id"])["state"] == "cancelled"
    assert_problem(api.post("county_office", f"/api/v1/jobs/{job['id']}/cancel"), 409, "job.finished")


def test_cancel_a_running_job_stops_at_the_next_chunk_and_keeps_what_it_did(api: Api, database_url: str) -> None:
    job = start(api, chunk_villages=2)

    async def one_chunk(w: Worker) -> int:
        pk = await w.claim()
        assert pk is not None and await w.step(pk)
        return pk

    pk = with_workers(database_url, one_chunk, "w1")
    r = api.post("admin", f"/api/v1/jobs/{job['id']}/cancel")  # a manager, not the owner
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "running" and r.json()["cancel_requested"] is True
    again = api.post("county_office", f"/api/v1/jobs/{job['id']}/cancel")
    assert again.status_code == 200 and again.json()["cancel_requested"] is True

    async def go_on(w: Worker) -> bool:
        return await w.step(pk)

    assert with_workers(database_url, go_on, "w1") is False
    cancelled = job_of(api, job["id"])
    assert cancelled["state"] == "cancelled" and cancelled["finished_at"]
    assert cancelled["progress"]["done"] == 2 and cancelled["report"]["villages"] == 2
    events = api.get("admin", "/api/v1/audit-events", params={"entity_type": "job", "limit": 200}).json()["items"]
    actions = [e["action"] for e in events if e["entity_id"] == job["id"]]
    assert actions == ["job.queued", "job.started", "job.cancel_requested", "job.cancelled"]
    assert_problem(api.post("county_office", f"/api/v1/jobs/{job['id']}/cancel"), 409, "job.finished")


def test_a_failing_chunk_fails_the_job_and_keeps_the_committed_chunks(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def breaks_second(ctx: ChunkContext, marker: Any) -> Chunk:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ValueError("the register is on fire")
        return await STATS_REBUILD.run_chunk(ctx, marker)

    monkeypatch.setitem(registry.KINDS, KIND, JobKind(KIND, breaks_second))
    job = start(api, chunk_villages=2)
    assert drain(database_url) == 1
    failed = job_of(api, job["id"])
    assert failed["state"] == "failed" and failed["error"] == "ValueError: the register is on fire"
    assert failed["progress"]["done"] == 2 and failed["finished_at"]
    assert_problem(api.post("county_office", f"/api/v1/jobs/{job['id']}/cancel"), 409, "job.finished")


def _deadlock() -> OperationalError:
    """What PostgreSQL answers the transaction it picks to break a deadlock with another writer."""
    return OperationalError("UPDATE household_stats ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def test_a_chunk_that_ran_into_another_writer_runs_again_from_its_marker(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, chunk_log: list[Any]
) -> None:
    right = stats_rows(database_url)
    spoil_stats(database_url)
    calls = 0

    async def deadlocks_twice_after_its_work(ctx: ChunkContext, marker: Any) -> Chunk:
        nonlocal calls
        calls += 1
        chunk = await STATS_REBUILD.run_chunk(ctx, marker)  # the chunk's writes are made, then lost with it
        if calls in (2, 3):
            raise _deadlock()
        return chunk

    monkeypatch.setitem(registry.KINDS, KIND, JobKind(KIND, deadlocks_twice_after_its_work))
    job = start(api, chunk_villages=2)
    assert drain(database_url) == 1
    done = job_of(api, job["id"])
    assert done["state"] == "succeeded" and done["error"] is None, done
    facts = area_facts(database_url)
    assert done["progress"]["done"] == done["progress"]["total"] == facts["villages"]
    assert done["report"]["households"] == facts["households"]
    assert stats_rows(database_url) == right
    assert calls == -(-facts["villages"] // 2) + (facts["villages"] % 2 == 0) + 2
    row = job_row(database_url, job["id"])
    assert row["attempts"] == 1 and row["chunks"] == calls - 2


def test_a_chunk_that_keeps_running_into_another_writer_fails_its_job(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def always_deadlocks(ctx: ChunkContext, marker: Any) -> Chunk:
        nonlocal calls
        calls += 1
        raise _deadlock()

    monkeypatch.setitem(registry.KINDS, KIND, JobKind(KIND, always_deadlocks))
    job = start(api, chunk_villages=2)
    assert drain(database_url) == 1
    failed = job_of(api, job["id"])
    assert failed["state"] == "failed" and "deadlock detected" in failed["error"]
    assert calls == 1 + CHUNK_RETRIES and failed["progress"]["done"] == 0


def test_jobs_are_scoped(api: Api, database_url: str) -> None:
    county_job = start(api)["id"]
    township_job = start(api, "admin", region_code=FIRST_TOWNSHIP)["id"]
    assert job_of(api, township_job, "admin")["region_code"] == FIRST_TOWNSHIP

    def listed(user: str) -> set[str]:
        return {j["id"] for j in api.get(user, "/api/v1/jobs", params={"limit": 200}).json()["items"]}

    assert listed("county_office") >= {county_job, township_job}
    assert listed("township") == {township_job}
    assert listed("township2") == set()
    for job_id in (county_job, township_job):
        assert_problem(api.get("township2", f"/api/v1/jobs/{job_id}"), 404, "not_found")
        assert_problem(api.post("township2", f"/api/v1/jobs/{job_id}/cancel"), 404, "not_found")
    assert_problem(api.get("township", f"/api/v1/jobs/{county_job}"), 404, "not_found")
    assert job_of(api, township_job, "township")["state"] == "queued"
    # in the area, but neither the owner nor a jobs manager
    assert_problem(api.post("township", f"/api/v1/jobs/{township_job}/cancel"), 403, "job.not_owner")
    assert api.post("county_office", f"/api/v1/jobs/{township_job}/cancel").json()["state"] == "cancelled"
    # starting: a permission of city and county offices; a region outside the area is a 404
    assert_problem(api.post("township", "/api/v1/stats/rebuild"), 403, "forbidden")
    assert_problem(api.post("county_office", "/api/v1/stats/rebuild", json={"region_code": "220322"}), 404, "not_found")
    assert_problem(api.get("inspector", "/api/v1/jobs"), 403, "forbidden")


def test_a_narrowed_rebuild_touches_its_region_only(api: Api, database_url: str) -> None:
    spoil_stats(database_url)
    before = stats_rows(database_url)
    job = start(api, region_code="220382102")
    assert job["region_code"] == FIRST_TOWNSHIP
    assert drain(database_url) == 1
    done = job_of(api, job["id"])
    assert done["report"]["households"] == area_facts(database_url, FIRST_TOWNSHIP)["households"]
    after = stats_rows(database_url)
    assert [r for r in after if not r[0].startswith("220382102")] == [
        r for r in before if not r[0].startswith("220382102")
    ]
    assert after != before


def test_list_pages_newest_first_with_filters(api: Api) -> None:
    ids = [start(api)["id"] for _ in range(5)]
    api.post("county_office", f"/api/v1/jobs/{ids[0]}/cancel")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("county_office", "/api/v1/jobs", params=params).json()
        assert len(page["items"]) <= 2
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    cancelled = api.get("county_office", "/api/v1/jobs", params={"state": "cancelled"}).json()["items"]
    assert [j["id"] for j in cancelled] == [ids[0]]
    assert api.get("county_office", "/api/v1/jobs", params={"kind": "imports"}).json()["items"] == []
    assert len(api.get("county_office", "/api/v1/jobs", params={"kind": KIND}).json()["items"]) == 5


def test_bad_input(api: Api, unchanged: Any) -> None:
    unknown = uuid.uuid4()
    assert_problem(api.get("county_office", f"/api/v1/jobs/{unknown}"), 404, "not_found")
    assert_problem(api.post("county_office", f"/api/v1/jobs/{unknown}/cancel"), 404, "not_found")
    assert_problem(api.get("county_office", "/api/v1/jobs/not-a-uuid"), 422, "validation_failed")
    assert_problem(api.post("county_office", "/api/v1/jobs/not-a-uuid/cancel"), 422, "validation_failed")
    assert_problem(api.get("county_office", "/api/v1/jobs", params={"cursor": "forged"}), 400, "invalid_cursor")
    assert_problem(api.get("county_office", "/api/v1/jobs", params={"limit": 0}), 422, "validation_failed")
    assert_problem(api.get("county_office", "/api/v1/jobs", params={"state": "paused"}), 422, "validation_failed")
    for body in ({"chunk_villages": 0}, {"region_code": "22"}, {"surprise": 1}):
        assert_problem(api.post("county_office", "/api/v1/stats/rebuild", json=body), 422, "validation_failed")


def test_the_app_runs_jobs_in_process(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        demo=True,
        spa_dist=Path("/nonexistent"),
        db_pool_size=3,
        audit_anchor_file=tmp_path / "audit-anchors.jsonl",
        job_poll_seconds=0.05,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client)
        job = start(api, chunk_villages=5)
        deadline = time.monotonic() + 30
        while job_of(api, job["id"])["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job_of(api, job["id"])["state"] == "succeeded"
