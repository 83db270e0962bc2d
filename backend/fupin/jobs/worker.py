"""Workers: claim a job, run its chunks, each in its own transaction with the job's progress marker, under a lease.

- Claim: the oldest queued job, or a running one whose lease ran out (its worker died), in one transaction; on
  PostgreSQL with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers of several app instances share the work and never
  take the same job; on SQLite writes are serialised (BEGIN IMMEDIATE) and one in-process worker serves.
- Chunk: lock the job row (still ours? cancel asked?), run the kind's chunk, write marker, done and a new lease,
  commit: the work and the marker commit together, so a job taken up again resumes after the last committed chunk.
- A chunk that raises fails the job (error kept), except a transient conflict with another writer (PostgreSQL
  found a deadlock or a serialisation failure): the chunk rolled back whole, so it runs again from the same
  marker, a few times, before the job fails; a worker that dies (kill -9, a lost process) leaves its lease to
  run out; a worker stopped cleanly gives the lease back after its current chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import fupin.adjustments.apply  # registers the kind
import fupin.adjustments.schedule  # registers the schedule
import fupin.exports.jobs  # registers the kind
import fupin.findings.deadlines
import fupin.imports.service  # registers the kind
import fupin.jobs.stats_rebuild  # registers the kind
import fupin.projects.schedule
import fupin.scoring.compute  # noqa: F401  (registers the kinds and the schedules above)
from fupin.authz.deps import job_scope
from fupin.core.context import Actor
from fupin.core.db import is_sqlite, make_sessionmaker
from fupin.core.models import utcnow
from fupin.core.readpath import ReadPath
from fupin.jobs import repository as repo
from fupin.jobs.models import Job
from fupin.jobs.registry import SCHEDULES, ChunkContext, kind_of
from fupin.jobs.service import record

log = logging.getLogger("fupin.jobs")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


CHUNK_GC_THRESHOLD = 50_000
CHUNK_RETRIES = 3  # runs of a chunk again after a transient conflict, before its job fails
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_transient(exc: BaseException) -> bool:
    """A conflict with another transaction that running the same work again resolves."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


@dataclass
class _Collections:
    running: int = 0  # chunks running in this process
    before: tuple[int, int, int] = (700, 10, 10)  # the threshold before the first of them


_collections = _Collections()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """A chunk makes and drops hundreds of thousands of small objects (an import's rows, values, audit events):
    with the default threshold of 700 allocations the collector runs thousands of times a chunk, scanning the
    live heap again and again (a quarter of an import's time). Fewer, larger young-generation collections while
    any chunk of this process runs (several workers may share it); the usual threshold after the last."""
    state = _collections
    if state.running == 0:
        state.before = gc.get_threshold()
        gc.set_threshold(max(state.before[0], CHUNK_GC_THRESHOLD), state.before[1], state.before[2])
    state.running += 1
    try:
        yield
    finally:
        state.running -= 1
        if state.running == 0:
            gc.set_threshold(*state.before)


class Worker:
    def __init__(
        self,
        engine: AsyncEngine,
        read: ReadPath,
        *,
        worker_id: str | None = None,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        pause_seconds: float = 0.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.read = read
        self.worker_id = worker_id or default_worker_id()
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.pause_seconds = pause_seconds
        self.clock = clock
        self.skip_locked = not is_sqlite(str(engine.url))
        # area_guard: a kind's queries must use the job's scope, like a request's
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine, area_guard=True)
        self.actor = Actor("system", self.worker_id[:64], "job worker")
        self.stopping = asyncio.Event()
        self.schedules_ran: dict[str, float] = {}  # schedule name -> monotonic time of its last run here
        self.retries: dict[int, int] = {}  # job id -> transient failures of its current chunk

    async def claim(self) -> int | None:
        """Take one job (its id), or None when there is nothing to do."""
        now = self.clock()
        if not await repo.any_claimable(self.read, now):
            return None
        async with self.sessions() as session, session.begin():
            job = await repo.claim(session, now=now, skip_locked=self.skip_locked)
            if job is None:
                return None
            before = job.state
            job.state = "running"
            job.worker_id = self.worker_id
            job.lease_until = now + self.lease
            job.attempts += 1
            job.started_at = job.started_at or now
            await session.flush()
            action = "job.started" if before == "queued" else "job.resumed"
            await record(
                session,
                job,
                actor=self.actor,
                action=action,
                changes={"state": [before, "running"], "attempt": [job.attempts - 1, job.attempts], "done": job.done},
            )
            return job.id

    async def step(self, pk: int) -> bool:
        """Run one chunk of a job this worker holds; False when the job is over (or no longer ours)."""
        try:
            async with self.sessions() as session, session.begin():
                job = await repo.held(session, pk, self.worker_id)
                if job is None:
                    return False  # the lease ran out and another worker took the job
                if job.cancel_requested:
                    await self._finish(session, job, "cancelled")
                    return False
                kind = kind_of(job.kind)
                if kind is None:
                    await self._finish(session, job, "failed", error=f"unknown job kind {job.kind!r}")
                    return False
                context = ChunkContext(session, job_scope(job.region_code), job, read=self.read)
                with fewer_collections():
                    chunk = await kind.run_chunk(context, job.marker)
                job.marker = chunk.next_marker
                job.done += chunk.done
                job.chunks += 1
                if chunk.total is not None:
                    job.total = chunk.total
                if chunk.report or job.report is None:
                    merged = dict(job.report or {})
                    for name, value in chunk.report.items():
                        merged[name] = merged.get(name, 0) + value
                    job.report = merged
                job.lease_until = self.clock() + self.lease
                if chunk.next_marker is None:
                    await self._finish(session, job, "succeeded")
            self.retries.pop(pk, None)  # committed
            return chunk.next_marker is not None
        except Exception as exc:  # the chunk rolled back; the job fails with what was committed before it
            if is_transient(exc) and self.retries.get(pk, 0) < CHUNK_RETRIES:
                self.retries[pk] = self.retries.get(pk, 0) + 1
                log.warning("job %s: chunk ran into another writer, running it again: %s", pk, exc.__class__.__name__)
                return True
            self.retries.pop(pk, None)
            log.exception("job %s failed", pk)
            await self._fail(pk, f"{type(exc).__name__}: {exc}"[:2000])
            return False

    async def _finish(self, session: AsyncSession, job: Job, state: str, *, error: str | None = None) -> None:
        job.state = state
        job.error = error
        job.finished_at = self.clock()
        job.worker_id = None
        job.lease_until = None
        await session.flush()
        changes: dict[str, object] = {"state": ["running", state], "done": job.done, "total": job.total}
        if error:
            changes["error"] = error
        await record(session, job, actor=self.actor, action=f"job.{state}", changes=changes)

    async def _fail(self, pk: int, error: str) -> None:
        async with self.sessions() as session, session.begin():
            job = await repo.held(session, pk, self.worker_id)
            if job is not None:
                await self._finish(session, job, "failed", error=error)

    async def release(self, pk: int) -> None:
        """Give a job back (clean shutdown): another worker may take it up at once, from its marker."""
        async with self.sessions() as session, session.begin():
            job = await repo.held(session, pk, self.worker_id)
            if job is not None:
                job.worker_id = None
                job.lease_until = None

    async def run_job(self, pk: int, *, max_chunks: int | None = None) -> None:
        """Chunks until the job is over, the worker is stopping (the job is given back) or `max_chunks` ran
        (the job is left as a dead worker leaves it: held until its lease runs out; for tests)."""
        ran = 0
        while await self.step(pk):
            ran += 1
            if max_chunks is not None and ran >= max_chunks:
                return
            if self.pause_seconds:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), self.pause_seconds)
            if self.stopping.is_set():
                await self.release(pk)
                return

    async def run_once(self) -> bool:
        """Claim one job and run it; False when there was none."""
        pk = await self.claim()
        if pk is None:
            return False
        await self.run_job(pk)
        return True

    async def drain(self) -> int:
        """Run jobs until none is left to claim; the number run."""
        count = 0
        while not self.stopping.is_set() and await self.run_once():
            count += 1
        return count

    async def run_schedules(self, *, force: bool = False) -> int:
        """Run the schedules that are due here (`jobs.registry.SCHEDULES`); how many jobs they queued. On
        PostgreSQL a transaction-scoped advisory lock per schedule lets one worker at a time look."""
        queued = 0
        for entry in SCHEDULES.values():
            last = self.schedules_ran.get(entry.name)
            if not force and last is not None and time.monotonic() - last < entry.every_seconds:
                continue
            self.schedules_ran[entry.name] = time.monotonic()
            try:
                async with self.sessions() as session, session.begin():
                    if self.skip_locked:
                        lock = text("SELECT pg_try_advisory_xact_lock(hashtext(:name))")
                        if not (await session.execute(lock, {"name": f"fupin.schedule.{entry.name}"})).scalar():
                            continue
                    queued += await entry.submit_due(session)
            except Exception:
                log.exception("job worker %s: schedule %s failed", self.worker_id, entry.name)
        return queued

    async def run_forever(self) -> None:
        """Poll for jobs until `stop()`; a database hiccup is logged and retried after the poll interval."""
        while not self.stopping.is_set():
            await self.run_schedules()
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("job worker %s: claim failed", self.worker_id)
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), self.poll_seconds)

    def stop(self) -> None:
        self.stopping.set()
