"""Deadlines of findings: overdue days, warnings (黄牌/红牌), escalation, pauses and reminders per unit.

The schedule `findings.deadlines_daily` (run by every job worker, one at a time) queues one `findings.deadlines`
job a day (by `findings.clock.today()`), unless one for that day exists already or no finding is open; the job
walks every open finding (待整改, 整改中, 申请销号, 退回), a batch per chunk (the marker is the last row id):

- `overdue_days`: the days after the deadline up to today, paused days excluded (kept in the row with `paused`,
  as day figures: written without a new version or audit event, like a read model);
- at 7 overdue days a yellow warning, at 30 days or on a second yellow a red one; a yellow clears when the finding
  is no longer 7 days overdue (e.g. the deadline was extended), a red stays;
- each new warning escalates the finding one level up: from its current supervising region (`escalated_to`, at
  first its own region) to that region's parent; its area (`region_code`) never changes. Each one is a row of
  `finding_escalations` and the events `finding.warned` and `finding.escalated` on the finding's trail.

A re-run the same day changes nothing: the figures are the same and a warning is only given when the level rises."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from fupin.audit import chain as audit
from fupin.audit.chain import Actor
from fupin.authz.deps import job_scope
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope, unscoped
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.models import utcnow
from fupin.core.schemas import record_view
from fupin.findings import clock
from fupin.findings import repository as repo
from fupin.findings.audit_target import finding_target
from fupin.findings.models import OPEN_STATES, Finding, FindingEscalation, FindingPause
from fupin.findings.schemas import PauseEnd, PauseIn, PauseOut, ReminderUnit
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, Schedule, register, schedule
from fupin.regions.models import Region

KIND = "findings.deadlines"
NAME = "findings.deadlines_daily"
CHUNK = 200
YELLOW_DAYS = 7
RED_DAYS = 30
CALENDAR_ID = "finding-deadline-calendar"


def _calendar() -> Principal:
    """The owner of the daily job: the system, over the whole system."""
    return Principal(
        kind="system",
        id=0,
        public_id=CALENDAR_ID,
        name="督查问题时限日检 (finding deadline calendar)",
        roles=(),
        permissions=frozenset(),
        scope=job_scope(None),
    )


def _pause_spans(pauses: list[FindingPause], today: date) -> list[tuple[date, date]]:
    spans = sorted((p.starts_on, min(p.ends_on or today, today)) for p in pauses)
    merged: list[tuple[date, date]] = []
    for lo, hi in spans:
        if hi < lo:
            continue
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def overdue_days(deadline: date, today: date, pauses: list[FindingPause]) -> int:
    """Days in (deadline, today] not covered by a pause (a pause covers starts_on..ends_on, both included)."""
    if today <= deadline:
        return 0
    first = deadline + timedelta(days=1)
    days = (today - deadline).days
    for lo, hi in _pause_spans(pauses, today):
        lo, hi = max(lo, first), min(hi, today)
        if hi >= lo:
            days -= (hi - lo).days + 1
    return days


def paused_on(pauses: list[FindingPause], day: date) -> bool:
    return any(p.starts_on <= day and (p.ends_on is None or p.ends_on >= day) for p in pauses)


async def pauses_of(session: AsyncSession, finding: Finding) -> list[FindingPause]:
    stmt = (
        select(FindingPause)
        .where(FindingPause.finding_id == finding.id)
        .order_by(FindingPause.starts_on, FindingPause.id)
    )
    return list((await session.execute(stmt)).scalars())


async def _store_figures(session: AsyncSession, finding: Finding, days: int, paused: bool) -> bool:
    """The day figures, without a new version (a core UPDATE): they follow the calendar, not a writer."""
    if (finding.overdue_days, finding.paused) == (days, paused):
        return False
    await session.execute(
        update(Finding)
        .where(Finding.id == finding.id)
        .values(overdue_days=days, paused=paused)
        .execution_options(synchronize_session=False, **unscoped("the day figures of a finding already read"))
    )
    set_committed_value(finding, "overdue_days", days)
    set_committed_value(finding, "paused", paused)
    return True


async def _parent(session: AsyncSession, code: str) -> str | None:
    stmt = (
        select(Region.parent_code)
        .where(Region.code == code)
        .execution_options(**unscoped("the escalation walks the region tree"))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _wanted(finding: Finding, days: int) -> str | None:
    """The warning the finding gets today, or None when it gets none (it keeps what it has)."""
    if days >= RED_DAYS:
        return "red" if finding.warning != "red" else None
    if days >= YELLOW_DAYS and finding.warning is None:
        return "red" if finding.yellow_count >= 1 else "yellow"  # a second yellow is a red
    return None


async def _warn(session: AsyncSession, finding: Finding, *, level: str, days: int, today: date, by: str) -> None:
    actor = Actor("system", CALENDAR_ID, "督查问题时限日检 (finding deadline calendar)")
    source = finding.escalated_to or finding.region_code
    to_region = await _parent(session, source)
    before = {"warning": finding.warning, "yellow_count": finding.yellow_count, "escalated_to": finding.escalated_to}
    finding.warning = level
    if level == "yellow":
        finding.yellow_count += 1
    if to_region is not None:
        finding.escalated_to = to_region
    finding.updated_at = utcnow()
    session.add(
        FindingEscalation(
            finding_id=finding.id,
            level=level,
            from_region=source,
            to_region=to_region,
            on_day=today,
            overdue_days=days,
            by=by,
        )
    )
    await session.flush()
    after = {"warning": finding.warning, "yellow_count": finding.yellow_count, "escalated_to": finding.escalated_to}
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    changes["overdue_days"] = [None, days]
    await audit.record_on(session, finding_target(finding), actor=actor, action="finding.warned", changes=changes)
    if to_region is not None:
        await audit.record_on(
            session,
            finding_target(finding),
            actor=actor,
            action="finding.escalated",
            changes={"escalated_to": [source, to_region], "level": [None, level], "overdue_days": [None, days]},
        )


async def _clear_yellow(session: AsyncSession, finding: Finding, *, days: int) -> None:
    actor = Actor("system", CALENDAR_ID, "督查问题时限日检 (finding deadline calendar)")
    finding.warning = None
    finding.updated_at = utcnow()
    await session.flush()
    await audit.record_on(
        session,
        finding_target(finding),
        actor=actor,
        action="finding.warned",
        changes={"warning": ["yellow", None], "overdue_days": [None, days]},
    )


async def check(session: AsyncSession, finding: Finding, *, today: date, by: str) -> dict[str, int]:
    """Bring one open finding up to today: its figures, and a warning and escalation when its level rises."""
    pauses = await pauses_of(session, finding)
    days = overdue_days(finding.deadline, today, pauses)
    figures = await _store_figures(session, finding, days, paused_on(pauses, today))
    level = _wanted(finding, days)
    if level is not None:
        await _warn(session, finding, level=level, days=days, today=today, by=by)
    elif finding.warning == "yellow" and days < YELLOW_DAYS:
        await _clear_yellow(session, finding, days=days)
    return {"figures": int(figures), "warned": int(level is not None)}


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    session, scope = ctx.session, ctx.scope
    today = date.fromisoformat(str((ctx.job.params or {}).get("day") or clock.today().isoformat()))
    open_findings = scope.select(Finding).where(Finding.state.in_(OPEN_STATES))
    total = None
    if marker is None:
        counted = scope.select(func.count(), area_of=Finding).select_from(Finding).where(Finding.state.in_(OPEN_STATES))
        total = int((await session.execute(counted)).scalar_one())
    else:
        open_findings = open_findings.where(Finding.id > int(marker))
    batch = list((await session.execute(open_findings.order_by(Finding.id).limit(CHUNK).with_for_update())).scalars())
    figures = warned = 0
    for finding in batch:
        done = await check(session, finding, today=today, by=str(ctx.job.public_id))
        figures += done["figures"]
        warned += done["warned"]
    await session.flush()
    next_marker = batch[-1].id if len(batch) == CHUNK else None
    return Chunk(next_marker, len(batch), total, {"findings": len(batch), "changed": figures, "warned": warned})


async def submit_due(session: AsyncSession) -> int:
    """Queue today's job unless there is one for today (in any state) or no finding is open."""
    today = clock.today().isoformat()
    open_finding = (
        select(Finding.id)
        .where(Finding.state.in_(OPEN_STATES))
        .limit(1)
        .execution_options(**unscoped("the calendar asks whether any finding is open, in any area"))
    )
    if (await session.execute(open_finding)).first() is None:
        return 0
    recent = (
        select(Job.params)
        .where(Job.kind == KIND, Job.created_at >= utcnow() - timedelta(days=3))
        .execution_options(**unscoped("the calendar looks for today's deadline job, whoever queued it"))
    )
    if any((params or {}).get("day") == today for params in (await session.execute(recent)).scalars()):
        return 0
    owner = _calendar()
    await jobs.submit(session, owner, kind=KIND, params={"day": today, "by": "calendar"}, scope=owner.scope)
    return 1


FINDINGS_DEADLINES = register(
    JobKind(KIND, run_chunk, "Overdue days, warnings and escalation of every open finding of an area (daily)")
)
DAILY = schedule(Schedule(NAME, submit_due, every_seconds=3600.0))


# pauses


def pause_out(pause: FindingPause) -> PauseOut:
    return PauseOut.model_validate(record_view(pause, id=pause.public_id))


def _pause_target(finding: Finding, pause: FindingPause) -> audit.Target:
    return finding_target(finding, entity_type="finding_pause", entity_id=str(pause.public_id))


def _check_open(finding: Finding) -> None:
    if finding.state not in OPEN_STATES:
        raise ProblemError(
            409,
            "finding.closed",
            "已销号或已移交纪委的问题不能暂停整改时限 (the finding is no longer open)",
            extra={"state": finding.state},
        )


async def list_pauses(session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID) -> list[PauseOut]:
    finding = await repo.get_finding(session, principal.scope, finding_id)
    return [pause_out(p) for p in await pauses_of(session, finding)]


async def start_pause(
    session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID, data: PauseIn
) -> FindingPause:
    """Pause the deadline from `starts_on` (between the raising and today; after every earlier pause ended)."""
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    _check_open(finding)
    today = clock.today()
    if data.starts_on > today:
        raise field_error("/starts_on", "date.out_of_range", "暂停日期不能晚于今天 (starts_on is in the future)")
    if data.starts_on < finding.raised_on:
        raise field_error(
            "/starts_on", "finding.pause_before_raised", "暂停日期不能早于问题发现日期 (starts_on is before raised_on)"
        )
    pauses = await pauses_of(session, finding)
    if any(p.ends_on is None for p in pauses):
        raise ProblemError(409, "finding.paused", "整改时限已暂停，须先结束当前暂停 (a pause is running)")
    if any(p.ends_on is not None and p.ends_on >= data.starts_on for p in pauses):
        raise field_error(
            "/starts_on", "finding.pause_overlaps", "暂停期间不能与已有暂停重叠 (overlaps an earlier pause)"
        )
    pause = FindingPause(
        public_id=uuid.uuid4(),
        finding_id=finding.id,
        reason=data.reason,
        waits_on=data.waits_on,
        starts_on=data.starts_on,
        started_by=principal.name,
    )
    async with audit.tracked(
        session,
        pause,
        actor=principal.as_actor(),
        action="finding_pause.started",
        fields=("reason", "waits_on", "starts_on", "started_by"),
        created=True,
        target=lambda: _pause_target(finding, pause),
    ):
        session.add(pause)
        await session.flush()
    await refresh_figures(session, finding, today)
    return pause


async def end_pause(
    session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID, pause_id: uuid.UUID, data: PauseEnd
) -> FindingPause:
    """End a running pause on `ends_on` (the last paused day: between its start and today)."""
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    stmt = (
        select(FindingPause)
        .where(FindingPause.finding_id == finding.id, FindingPause.public_id == pause_id)
        .with_for_update()
    )
    pause = (await session.execute(stmt)).scalar_one_or_none()
    if pause is None:
        raise not_found("pause")
    _check_open(finding)
    if pause.ends_on is not None:
        raise ProblemError(409, "finding.pause_ended", "该暂停已结束 (the pause has ended already)")
    today = clock.today()
    if data.ends_on < pause.starts_on:
        raise field_error("/ends_on", "finding.pause_end_before_start", "结束日期不能早于暂停日期")
    if data.ends_on > today:
        raise field_error("/ends_on", "date.out_of_range", "结束日期不能晚于今天 (ends_on is in the future)")
    async with audit.tracked(
        session,
        pause,
        actor=principal.as_actor(),
        action="finding_pause.ended",
        fields=("ends_on", "ended_by"),
        target=lambda: _pause_target(finding, pause),
    ):
        pause.ends_on = data.ends_on
        pause.ended_by = principal.name
    await session.flush()
    await refresh_figures(session, finding, today)
    return pause


async def refresh_figures(session: AsyncSession, finding: Finding, today: date) -> None:
    pauses = await pauses_of(session, finding)
    await _store_figures(session, finding, overdue_days(finding.deadline, today, pauses), paused_on(pauses, today))


# reminders


@dataclass(frozen=True, slots=True)
class _Row:
    unit: str
    open: int
    overdue: int
    yellow: int
    red: int
    nearest: date | None


async def reminders(session: AsyncSession, scope: AreaScope) -> list[ReminderUnit]:
    """Per responsible unit of the scope: its open findings, how many are overdue, yellow, red, and the nearest
    deadline among them (as of the last daily check)."""
    stmt = (
        scope.select(
            Finding.responsible_unit,
            func.count(),
            func.sum(case((Finding.overdue_days > 0, 1), else_=0)),
            func.sum(case((Finding.warning == "yellow", 1), else_=0)),
            func.sum(case((Finding.warning == "red", 1), else_=0)),
            func.min(Finding.deadline),
            area_of=Finding,
        )
        .select_from(Finding)
        .where(Finding.state.in_(OPEN_STATES))
        .group_by(Finding.responsible_unit)
        .order_by(Finding.responsible_unit)
    )
    rows = [
        _Row(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), r[5]) for r in await session.execute(stmt)
    ]
    return [
        ReminderUnit(
            responsible_unit=r.unit,
            open=r.open,
            overdue=r.overdue,
            yellow=r.yellow,
            red=r.red,
            nearest_deadline=r.nearest,
        )
        for r in rows
    ]
