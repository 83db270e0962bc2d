"""A project's milestones (项目节点): what is due when, and when it was done. Dates keep their order: a milestone is
due on or after the project's planned start; it is done on a day between the planned start and today. A milestone
due before today and not done makes the project overdue (`projects.health`). Every write is audited on the
project's trail and refreshes the project's health."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_version
from fupin.core.errors import field_error, not_found
from fupin.core.schemas import record_view
from fupin.projects import clock, health
from fupin.projects.audit_target import project_target
from fupin.projects.evidence import check_evidence
from fupin.projects.models import Project, ProjectMilestone
from fupin.projects.progress_schemas import MilestoneIn, MilestoneOut, MilestoneUpdate
from fupin.projects.repository import get_project, writable_project
from fupin.projects.targets import check_open

AUDITED = ("name", "due_on", "done_on", "position", "evidence_ids")


def milestone_out(milestone: ProjectMilestone) -> MilestoneOut:
    return MilestoneOut.model_validate(
        record_view(milestone, id=milestone.public_id, evidence_ids=list(milestone.evidence_ids or []))
    )


def _check_dates(project: Project, *, due_on: date, done_on: date | None) -> None:
    if due_on < project.planned_start_on:
        raise field_error(
            "/due_on", "project.date_before_start", "节点日期不能早于项目计划开工日期 (before the planned start)"
        )
    if done_on is not None and done_on > clock.today():
        raise field_error("/done_on", "date.out_of_range", "完成日期不能晚于今天 (done_on is in the future)")
    if done_on is not None and done_on < project.planned_start_on:
        raise field_error(
            "/done_on", "project.date_before_start", "完成日期不能早于项目计划开工日期 (before the planned start)"
        )


async def list_milestones(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> list[MilestoneOut]:
    project = await get_project(session, principal.scope, project_id)
    stmt = (
        select(ProjectMilestone)
        .where(ProjectMilestone.project_id == project.id)
        .order_by(ProjectMilestone.position, ProjectMilestone.due_on, ProjectMilestone.id)
    )
    return [milestone_out(m) for m in (await session.execute(stmt)).scalars()]


def _audit_target(project: Project, milestone: ProjectMilestone) -> audit.Target:
    return project_target(project, entity_type="project_milestone", entity_id=str(milestone.public_id))


async def create_milestone(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: MilestoneIn
) -> ProjectMilestone:
    project = await writable_project(session, principal, project_id)
    check_open(project)
    _check_dates(project, due_on=data.due_on, done_on=data.done_on)
    await check_evidence(session, project, data.evidence_ids)
    position = data.position
    if position is None:
        last = (
            await session.execute(
                select(func.coalesce(func.max(ProjectMilestone.position), -1)).where(
                    ProjectMilestone.project_id == project.id
                )
            )
        ).scalar_one()
        position = int(last) + 1
    milestone = ProjectMilestone(
        public_id=uuid.uuid4(),
        project_id=project.id,
        position=position,
        name=data.name,
        due_on=data.due_on,
        done_on=data.done_on,
        evidence_ids=[str(e) for e in data.evidence_ids],
    )
    async with audit.tracked(
        session,
        milestone,
        actor=principal.as_actor(),
        action="project_milestone.created",
        fields=AUDITED,
        created=True,
        target=lambda: _audit_target(project, milestone),
    ):
        session.add(milestone)
        await session.flush()
    await health.refresh(session, project)
    return milestone


async def update_milestone(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    expected_version: int | None,
    data: MilestoneUpdate,
) -> ProjectMilestone:
    project = await writable_project(session, principal, project_id)
    stmt = (
        select(ProjectMilestone)
        .where(ProjectMilestone.project_id == project.id, ProjectMilestone.public_id == milestone_id)
        .with_for_update()
    )
    milestone = (await session.execute(stmt)).scalar_one_or_none()
    if milestone is None:
        raise not_found("milestone")
    check_version(expected_version, milestone.version)
    check_open(project)
    sent: dict[str, Any] = data.sent(problem="required")
    _check_dates(project, due_on=sent.get("due_on", milestone.due_on), done_on=sent.get("done_on", milestone.done_on))
    if "evidence_ids" in sent:
        await check_evidence(session, project, data.evidence_ids or [])
        sent["evidence_ids"] = [str(e) for e in data.evidence_ids or []]
    async with audit.tracked(
        session,
        milestone,
        actor=principal.as_actor(),
        action="project_milestone.updated",
        fields=AUDITED,
        target=lambda: _audit_target(project, milestone),
    ):
        for key, value in sent.items():
            if getattr(milestone, key) != value:
                setattr(milestone, key, value)
    await health.refresh(session, project)
    return milestone
