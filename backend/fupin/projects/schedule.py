"""Health as the dates pass: a project turns overdue or at risk on a day nobody writes to it. The schedule
`projects.health_daily` (run by every job worker, one at a time) queues one `projects.health` job a day (by the
app's clock, `projects.clock.today()`), unless one for that day exists already or no project is open; the job
recomputes the health and progress of every open project (not completed, not removed), a batch of projects per
chunk, by `projects.health.refresh`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.deps import job_scope
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.models import utcnow
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, Schedule, register, schedule
from fupin.projects import clock, health
from fupin.projects.models import Project

KIND = "projects.health"
NAME = "projects.health_daily"
CHUNK = 200
OPEN = ("completed", "removed")  # the stages no longer recomputed (their health stays on_track)


def _calendar() -> Principal:
    """The owner of the daily job: the system, over the whole system."""
    return Principal(
        kind="system",
        id=0,
        public_id="project-health-calendar",
        name="项目进度日检 (project health calendar)",
        roles=(),
        permissions=frozenset(),
        scope=job_scope(None),
    )


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    session, scope = ctx.session, ctx.scope
    open_projects = scope.select(Project).where(Project.stage.not_in(OPEN))
    total = None
    if marker is None:
        counted = scope.select(func.count(), area_of=Project).select_from(Project).where(Project.stage.not_in(OPEN))
        total = int((await session.execute(counted)).scalar_one())
    else:
        open_projects = open_projects.where(Project.id > int(marker))
    batch = list((await session.execute(open_projects.order_by(Project.id).limit(CHUNK))).scalars())
    changed = 0
    for project in batch:
        before = (project.health, project.progress)
        await health.refresh(session, project)
        changed += (project.health, project.progress) != before
    await session.flush()
    next_marker = batch[-1].id if len(batch) == CHUNK else None
    return Chunk(next_marker, len(batch), total, {"projects": len(batch), "changed": int(changed)})


async def submit_due(session: AsyncSession) -> int:
    """Queue today's job unless there is one for today (in any state) or there is no open project at all."""
    today = clock.today().isoformat()
    open_project = (
        select(Project.id)
        .where(Project.stage.not_in(OPEN))
        .limit(1)
        .execution_options(**unscoped("the calendar asks whether any project is open, in any area"))
    )
    if (await session.execute(open_project)).first() is None:
        return 0
    recent = (
        select(Job.params)
        .where(Job.kind == KIND, Job.created_at >= utcnow() - timedelta(days=3))
        .execution_options(**unscoped("the calendar looks for today's health job, whoever queued it"))
    )
    if any((params or {}).get("day") == today for params in (await session.execute(recent)).scalars()):
        return 0
    owner = _calendar()
    await jobs.submit(session, owner, kind=KIND, params={"day": today, "by": "calendar"}, scope=owner.scope)
    return 1


PROJECTS_HEALTH = register(
    JobKind(KIND, run_chunk, "Recompute the health and progress of every open project of an area (daily)")
)
DAILY = schedule(Schedule(NAME, submit_due, every_seconds=3600.0))
