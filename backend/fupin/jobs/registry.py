"""Job kinds: what a kind's work is, as chunks. A chunk runs in its own transaction together with the job's
progress marker, so after a crash the job resumes from the last committed marker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.core.readpath import ReadPath
from fupin.jobs.models import Job


@dataclass(frozen=True, slots=True)
class ChunkContext:
    """What a chunk may use: the worker's session (its transaction also commits the marker), the job's area, and
    the read path (for a read snapshot of its own, e.g. an export's)."""

    session: AsyncSession
    scope: AreaScope
    job: Job
    read: ReadPath | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """The outcome of one chunk: where the next one starts (None: the work is done), how many units it did, the
    total when first known, and counters added to the job's report."""

    next_marker: Any | None
    done: int
    total: int | None = None
    report: dict[str, int] = field(default_factory=dict)


RunChunk = Callable[[ChunkContext, Any], Awaitable[Chunk]]


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    run_chunk: RunChunk  # (ctx, marker) -> Chunk; marker None on the first chunk
    description: str = ""


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> JobKind | None:
    return KINDS.get(name)


# ---------------------------------------------------------------- schedules

SubmitDue = Callable[[AsyncSession], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Work that falls due by the calendar, not by a request (a window that opens on its date, a daily deadline
    check): every worker runs `submit_due(session)` about every `every_seconds`, in its own transaction, one worker
    at a time; it queues the jobs that are due (idempotently: it looks at what is already queued) and returns how
    many. The work itself runs as those jobs."""

    name: str
    submit_due: SubmitDue
    every_seconds: float = 60.0


SCHEDULES: dict[str, Schedule] = {}


def schedule(entry: Schedule) -> Schedule:
    SCHEDULES[entry.name] = entry
    return entry
