"""A project's performance targets (绩效目标) and their reported actuals (实际完成).

An update never overwrites: each reported actual is a row of `project_target_updates` (who, when, the value before)
and the target's `actual` is the latest one. A derived target (`derived_from` housing or water) is never reported by
hand (409 `project_target.derived`): its actual is the number of households (unit household) or their members (unit
person) with a measure of that type linked to the project (`measures.project_id`) and done, counted again whenever
it is read and whenever those measures change. Every write is audited on the project's trail and refreshes the
project's health (`projects.health.refresh`)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.models import utcnow
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects import clock, health
from fupin.projects.audit_target import project_target
from fupin.projects.evidence import check_evidence
from fupin.projects.models import Project, ProjectTarget, ProjectTargetUpdate
from fupin.projects.progress_schemas import (
    DERIVED_UNITS,
    Actor,
    TargetActualIn,
    TargetActualOut,
    TargetIn,
    TargetOut,
    TargetUpdate,
)
from fupin.projects.repository import get_project, writable_project

THROUGH_PROJECT = unscoped("the measures linked to a project, read through the scoped project")
AUDITED = ("metric", "unit", "baseline", "target", "actual", "derived_from", "position")
CLOSED = frozenset({"completed", "removed"})


def check_open(project: Project) -> None:
    """A completed (完成) or removed (出库) project's targets, milestones and beneficiaries stay as they were."""
    if project.stage in CLOSED:
        raise ProblemError(
            409, "project.closed", "已完成或已出库的项目不能再修改 (the project is completed or removed)"
        )


def _check_values(*, unit: str, baseline: Decimal, target: Decimal, derived_from: str | None, sent: set[str]) -> None:
    if target == baseline:
        pointer = "/target" if "target" in sent or "baseline" not in sent else "/baseline"
        raise field_error(pointer, "project_target.no_change", "目标值须不同于基期值 (target equals the baseline)")
    if derived_from is not None and unit not in DERIVED_UNITS:
        raise field_error(
            "/unit",
            "project_target.derived_unit",
            "由措施计算的指标单位须为户或人 (a derived target counts households or people)",
        )


async def derived_actual(session: AsyncSession, project: Project, *, measure_type: str, unit: str) -> Decimal:
    """Households (or their members) with a done measure of `measure_type` linked to the project. Measures follow
    their household's village, which may lie outside the caller's area only when the project's does: read through
    the project, not the caller's scope."""
    households = (
        select(Measure.household_id)
        .where(Measure.project_id == project.id, Measure.type == measure_type, Measure.status == "done")
        .distinct()
        .subquery()
    )
    counted = func.count() if unit == "household" else func.coalesce(func.sum(Household.member_count), 0)
    stmt = select(counted).select_from(households).join(Household, Household.id == households.c.household_id)
    value = (await session.execute(stmt.execution_options(**THROUGH_PROJECT))).scalar_one()
    return Decimal(int(value or 0))


async def refresh_derived(session: AsyncSession, project: Project, targets: list[ProjectTarget]) -> None:
    for target in targets:
        if target.derived_from is None:
            continue
        actual = await derived_actual(session, project, measure_type=target.derived_from, unit=target.unit)
        if target.actual != actual:
            target.actual = actual


async def _counts(session: AsyncSession, targets: list[ProjectTarget]) -> dict[int, int]:
    if not targets:
        return {}
    stmt = (
        select(ProjectTargetUpdate.target_id, func.count())
        .where(ProjectTargetUpdate.target_id.in_([t.id for t in targets]))
        .group_by(ProjectTargetUpdate.target_id)
    )
    return {tid: int(n) for tid, n in (await session.execute(stmt)).all()}


def target_out(target: ProjectTarget, *, updates_count: int, actual: Decimal | None = None) -> TargetOut:
    """The target as answered; `actual`: a derived target's figure counted now (the row keeps the one of the last
    refresh)."""
    actual = target.actual if actual is None else actual
    return TargetOut(
        id=target.public_id,
        metric=target.metric,
        unit=target.unit,
        baseline=target.baseline,
        target=target.target,
        actual=actual,
        derived_from=target.derived_from,
        progress=health.target_progress(baseline=target.baseline, target=target.target, actual=actual),
        version=target.version,
        updates_count=updates_count,
    )


async def _targets_of(session: AsyncSession, project: Project) -> list[ProjectTarget]:
    stmt = (
        select(ProjectTarget)
        .where(ProjectTarget.project_id == project.id)
        .order_by(ProjectTarget.position, ProjectTarget.id)
    )
    return list((await session.execute(stmt)).scalars())


async def _target_of(
    session: AsyncSession, project: Project, target_id: uuid.UUID, *, for_update: bool = False
) -> ProjectTarget:
    stmt = select(ProjectTarget).where(ProjectTarget.project_id == project.id, ProjectTarget.public_id == target_id)
    if for_update:
        stmt = stmt.with_for_update()
    target = (await session.execute(stmt)).scalar_one_or_none()
    if target is None:
        raise not_found("target")
    return target


async def list_targets(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> list[TargetOut]:
    """The targets, derived actuals counted as they are read (nothing is written by a read: the rows get them at the
    next write of the project or its measures, or from the daily job)."""
    project = await get_project(session, principal.scope, project_id)
    targets = await _targets_of(session, project)
    counts = await _counts(session, targets)
    out = []
    for t in targets:
        actual = None
        if t.derived_from is not None:
            actual = await derived_actual(session, project, measure_type=t.derived_from, unit=t.unit)
        out.append(target_out(t, updates_count=counts.get(t.id, 0), actual=actual))
    return out


def _target_audit(project: Project, target: ProjectTarget) -> audit.Target:
    return project_target(project, entity_type="project_target", entity_id=str(target.public_id))


async def create_target(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: TargetIn
) -> tuple[ProjectTarget, TargetOut]:
    project = await writable_project(session, principal, project_id)
    check_open(project)
    _check_values(
        unit=data.unit, baseline=data.baseline, target=data.target, derived_from=data.derived_from, sent={"target"}
    )
    position = (
        await session.execute(
            select(func.coalesce(func.max(ProjectTarget.position), -1)).where(ProjectTarget.project_id == project.id)
        )
    ).scalar_one()
    target = ProjectTarget(
        public_id=uuid.uuid4(),
        project_id=project.id,
        position=int(position) + 1,
        metric=data.metric,
        unit=data.unit,
        baseline=data.baseline,
        target=data.target,
        actual=data.baseline,
        derived_from=data.derived_from,
    )
    if data.derived_from is not None:
        target.actual = await derived_actual(session, project, measure_type=data.derived_from, unit=data.unit)
    async with audit.tracked(
        session,
        target,
        actor=principal.as_actor(),
        action="project_target.created",
        fields=AUDITED,
        created=True,
        target=lambda: _target_audit(project, target),
    ):
        session.add(target)
        await session.flush()
    await health.refresh(session, project)
    return target, target_out(target, updates_count=0)


async def update_target(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    target_id: uuid.UUID,
    expected_version: int | None,
    data: TargetUpdate,
) -> tuple[ProjectTarget, TargetOut]:
    project = await writable_project(session, principal, project_id)
    target = await _target_of(session, project, target_id, for_update=True)
    check_version(expected_version, target.version)
    check_open(project)
    sent: dict[str, Any] = data.sent(problem="required")
    values = {
        "unit": sent.get("unit", target.unit),
        "baseline": sent.get("baseline", target.baseline),
        "target": sent.get("target", target.target),
    }
    _check_values(**values, derived_from=target.derived_from, sent=set(sent))
    async with audit.tracked(
        session,
        target,
        actor=principal.as_actor(),
        action="project_target.updated",
        fields=AUDITED,
        target=lambda: _target_audit(project, target),
    ):
        for key, value in sent.items():
            if getattr(target, key) != value:
                setattr(target, key, value)
        if target.derived_from is not None:
            target.actual = await derived_actual(session, project, measure_type=target.derived_from, unit=target.unit)
    await health.refresh(session, project)
    counts = await _counts(session, [target])
    return target, target_out(target, updates_count=counts.get(target.id, 0))


def _update_out(row: ProjectTargetUpdate) -> TargetActualOut:
    return TargetActualOut(
        id=row.id,
        actual=row.actual,
        previous=row.previous,
        as_of=row.as_of,
        note=row.note,
        evidence_ids=list(row.evidence_ids or []),
        actor=Actor(type=row.actor_type, id=row.actor_id, name=row.actor_name),
        at=row.at,
    )


async def report_actual(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    target_id: uuid.UUID,
    data: TargetActualIn,
) -> TargetActualOut:
    """A new reported actual: kept as a row of its own, the target's actual becomes it."""
    project = await writable_project(session, principal, project_id)
    target = await _target_of(session, project, target_id, for_update=True)
    check_open(project)
    if target.derived_from is not None:
        raise ProblemError(
            409,
            "project_target.derived",
            "该指标由关联措施自动计算, 不能手工填报 (the actual is counted from the linked measures)",
        )
    if data.as_of > clock.today():
        raise field_error("/as_of", "date.out_of_range", "填报日期不能晚于今天 (as_of is in the future)")
    if data.as_of < project.planned_start_on:
        raise field_error(
            "/as_of", "project.date_before_start", "填报日期不能早于项目计划开工日期 (before the planned start)"
        )
    await check_evidence(session, project, data.evidence_ids)
    actor = principal.as_actor()
    row = ProjectTargetUpdate(
        target_id=target.id,
        actual=data.actual,
        previous=target.actual,
        as_of=data.as_of,
        note=data.note,
        evidence_ids=[str(e) for e in data.evidence_ids],
        actor_type=actor.type,
        actor_id=str(actor.id or ""),
        actor_name=actor.name or "",
        at=utcnow(),
    )
    session.add(row)
    async with audit.tracked(
        session,
        target,
        actor=actor,
        action="project_target.actual_reported",
        fields=AUDITED,
        target=lambda: _target_audit(project, target),
        extra={"as_of": [None, data.as_of.isoformat()], "note": [None, data.note]},
    ):
        target.actual = data.actual
        await session.flush()
    await health.refresh(session, project)
    return _update_out(row)


async def list_actuals(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, target_id: uuid.UUID
) -> list[TargetActualOut]:
    """The reported actuals, newest first."""
    project = await get_project(session, principal.scope, project_id)
    target = await _target_of(session, project, target_id)
    stmt = (
        select(ProjectTargetUpdate)
        .where(ProjectTargetUpdate.target_id == target.id)
        .order_by(ProjectTargetUpdate.id.desc())
    )
    return [_update_out(r) for r in (await session.execute(stmt)).scalars()]
