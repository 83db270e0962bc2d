"""A window that opens by its date applies what waited for it: the schedule `adjustments.open_windows` (run by
every job worker, one at a time) queues an `adjustments.apply` job for each window open today that has pending
changes in its area and no apply job on its way. Creating or changing a window so that it is open
now, and `POST /adjustment-windows/{id}/apply`, queue the same job at once."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock
from fupin.adjustments.apply import KIND as APPLY_KIND
from fupin.adjustments.models import AdjustmentWindow, PendingChange
from fupin.authz.deps import job_scope
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.jobs.registry import Schedule, schedule

NAME = "adjustments.open_windows"


def _calendar(window: AdjustmentWindow) -> Principal:
    """The owner of a job the calendar queues: the system, in the window's area."""
    scope = job_scope(window.region_code)
    return Principal(
        kind="system",
        id=0,
        public_id="adjustment-calendar",
        name="年度调整日程 (adjustment calendar)",
        roles=(),
        permissions=frozenset(),
        scope=scope,
    )


async def _apply_job_waiting(session: AsyncSession, window: AdjustmentWindow) -> bool:
    """An apply job of the window is queued or running. Inside an open window no change waits (nothing is locked),
    so pending changes left while no such job is on its way are ones no job has applied yet (or whose job died
    and failed): they get one."""
    stmt = (
        select(Job.params)
        .where(Job.kind == APPLY_KIND, or_(Job.state == "queued", Job.state == "running"))
        .execution_options(**unscoped("the calendar looks for an apply job of the window, whoever queued it"))
    )
    wanted = str(window.public_id)
    return any((params or {}).get("window_id") == wanted for params in (await session.execute(stmt)).scalars())


async def submit_due(session: AsyncSession) -> int:
    today = clock.today()
    open_now = select(AdjustmentWindow).where(AdjustmentWindow.opens_on <= today, AdjustmentWindow.closes_on >= today)
    queued = 0
    for window in (await session.execute(open_now)).scalars():
        owner = _calendar(window)
        waiting = owner.scope.select(PendingChange.id, area_of=PendingChange).where(PendingChange.state == "pending")
        if (await session.execute(waiting.limit(1))).first() is None:
            continue
        if await _apply_job_waiting(session, window):
            continue
        await jobs.submit(
            session,
            owner,
            kind=APPLY_KIND,
            params={"window_id": str(window.public_id), "by": "calendar"},
            scope=owner.scope,
        )
        queued += 1
    return queued


OPEN_WINDOWS = schedule(Schedule(NAME, submit_due, every_seconds=300.0))
