"""Project health (项目进度状态): on track (正常), at risk (预警), overdue (逾期), and the project's progress.

The one rule, `project_health`, and how its inputs are found:

- progress = the mean over the project's targets of clamp((actual − baseline) / (target − baseline), 0, 1); with no
  targets, the share of milestones done; with neither, None (unknown). A derived target's actual is counted from
  the measures linked to the project (`projects.targets.derived_actual`).
- accepted (验收), completed (完成) and removed (出库) projects are on track: nothing is due of them any more.
- overdue: today is after `due_on`, or a milestone due before today is not done.
- at risk: less than 25 % of the planned time (`planned_start_on` .. `due_on`) is left and progress is below 75 %
  (unknown progress counts as below), or the projected completion at the current rate is after `due_on`. The
  projection: progress p > 0 reached in the d days since `planned_start_on` reaches 1 after d / p days; with no
  progress yet (0 or unknown) nothing is projected (the time rule above catches it near the end).
- else on track.

`refresh(session, project)` puts the health and progress on the project row (what lists filter and count by); it
runs after every write of the project, its targets, its milestones and the measures linked to it, and the daily
job `projects.health` (`projects.schedule`) runs it for every open project as the dates pass."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.projects import clock
from fupin.projects.models import Project, ProjectMilestone, ProjectTarget

FINISHED = frozenset({"accepted", "completed", "removed"})
ON_TRACK, AT_RISK, OVERDUE = "on_track", "at_risk", "overdue"
TIME_LEFT_RISK = Decimal("0.25")  # less than a quarter of the planned time left ...
PROGRESS_RISK = Decimal("0.75")  # ... with less than three quarters done
_PLACES = Decimal("0.0001")  # progress NUMERIC(6, 4)


def target_progress(*, baseline: Decimal, target: Decimal, actual: Decimal) -> Decimal:
    """How far one target is: clamp((actual − baseline) / (target − baseline), 0, 1). A target equal to its
    baseline (not accepted on input, but possible in old data) is reached when the actual is at least the target."""
    span = target - baseline
    if span == 0:
        return Decimal(1) if actual >= target else Decimal(0)
    share = (actual - baseline) / span
    return min(max(share, Decimal(0)), Decimal(1)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def compute_progress(
    targets: Iterable[tuple[Decimal, Decimal, Decimal]], milestones: Sequence[tuple[date, date | None]]
) -> Decimal | None:
    """The project's progress: mean of its targets' progress ((baseline, target, actual) each); without targets the
    share of milestones (due_on, done_on) done; None without either."""
    shares = [target_progress(baseline=b, target=t, actual=a) for b, t, a in targets]
    if shares:
        return (sum(shares, Decimal(0)) / len(shares)).quantize(_PLACES, rounding=ROUND_HALF_UP)
    if milestones:
        done = sum(1 for _, done_on in milestones if done_on is not None)
        return (Decimal(done) / len(milestones)).quantize(_PLACES, rounding=ROUND_HALF_UP)
    return None


def project_health(
    *,
    today: date,
    planned_start_on: date,
    due_on: date,
    stage: str,
    progress: Decimal | None,
    milestones: Sequence[tuple[date, date | None]],
) -> str:
    """on_track | at_risk | overdue by the rule in this module's docstring; `milestones` as (due_on, done_on)."""
    if stage in FINISHED:
        return ON_TRACK
    if today > due_on:
        return OVERDUE
    if any(done_on is None and due < today for due, done_on in milestones):
        return OVERDUE
    if progress is not None and progress >= 1:
        return ON_TRACK
    planned = (due_on - planned_start_on).days
    left = (due_on - today).days
    if planned > 0:
        time_left = Decimal(left) / Decimal(planned)
    else:  # a one-day project: all of its time is left before it starts, none from its day on
        time_left = Decimal(1) if today < planned_start_on else Decimal(0)
    done = progress if progress is not None else Decimal(0)
    if time_left < TIME_LEFT_RISK and done < PROGRESS_RISK:
        return AT_RISK
    elapsed = (today - planned_start_on).days
    if elapsed > 0 and done > 0:
        needed_days = Decimal(elapsed) / done
        if needed_days > Decimal((due_on - planned_start_on).days):
            return AT_RISK
    return ON_TRACK


async def refresh(session: AsyncSession, project: Project) -> None:
    """Recompute the project's derived target actuals, progress and health and keep them on the row (changed only
    when they differ, so an unchanged project keeps its version)."""
    from fupin.projects.targets import refresh_derived  # targets count measures; imported late (no cycle)

    # the caller's pending changes of the row (a stage, dates) and the figures below are flushed together once,
    # so one write is one version
    with session.no_autoflush:
        await _refresh(session, project, refresh_derived)


async def _refresh(session: AsyncSession, project: Project, refresh_derived: Any) -> None:
    targets = list(
        (
            await session.execute(
                select(ProjectTarget).where(ProjectTarget.project_id == project.id).order_by(ProjectTarget.id)
            )
        ).scalars()
    )
    await refresh_derived(session, project, targets)
    milestones = [
        (due, done)
        for due, done in (
            await session.execute(
                select(ProjectMilestone.due_on, ProjectMilestone.done_on).where(
                    ProjectMilestone.project_id == project.id
                )
            )
        ).all()
    ]
    progress = compute_progress([(t.baseline, t.target, t.actual) for t in targets], milestones)
    health = project_health(
        today=clock.today(),
        planned_start_on=project.planned_start_on,
        due_on=project.due_on,
        stage=project.stage,
        progress=progress,
        milestones=milestones,
    )
    if project.progress != progress:
        project.progress = progress
    if project.health != health:
        project.health = health


async def refresh_projects(session: AsyncSession, project_ids: Iterable[int | None]) -> None:
    """Refresh the projects of these row ids (the projects a measure write linked, unlinked or completed for).
    A measure's project may be wider than the caller's area (a township's project, a village's measure): it is
    found by the measure's link, not by the caller's scope."""
    from fupin.authz.scope import unscoped

    wanted = sorted({i for i in project_ids if i is not None})
    if not wanted:
        return
    stmt = (
        select(Project)
        .where(Project.id.in_(wanted))
        .order_by(Project.id)
        .with_for_update()
        .execution_options(**unscoped("the projects a measure is delivered through, found by its link"))
    )
    for project in (await session.execute(stmt)).scalars():
        await refresh(session, project)
