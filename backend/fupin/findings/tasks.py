"""A finding's rectification tasks (整改措施: what, who, by when, done when). Written by the responsible units
(findings:rectify) while the finding is being rectified (待整改, 整改中, 退回): a submitted, closed or transferred
finding refuses them (409 `finding.tasks_locked`). A task is done on a day between the finding's raising and
today. Every write is audited on the finding's trail and enters its area's change feed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.schemas import record_view
from fupin.findings import clock
from fupin.findings import repository as repo
from fupin.findings.audit_target import finding_target
from fupin.findings.models import Finding, FindingTask
from fupin.findings.schemas import TaskIn, TaskOut, TaskUpdate

AUDITED = ("what", "who", "due_on", "done_on", "position")
EDITABLE = ("pending", "rectifying", "returned")


def task_out(task: FindingTask) -> TaskOut:
    return TaskOut.model_validate(record_view(task, id=task.public_id))


def _check_editable(finding: Finding) -> None:
    if finding.state not in EDITABLE:
        raise ProblemError(
            409,
            "finding.tasks_locked",
            "申请销号、已销号或已移交纪委的问题不能修改整改措施 (tasks are fixed in this state)",
            extra={"state": finding.state},
        )


def _check_done(finding: Finding, done_on: Any) -> None:
    if done_on is not None and done_on > clock.today():
        raise field_error("/done_on", "date.out_of_range", "完成日期不能晚于今天 (done_on is in the future)")
    if done_on is not None and done_on < finding.raised_on:
        raise field_error(
            "/done_on", "finding.task_before_raised", "完成日期不能早于问题发现日期 (done_on is before raised_on)"
        )


def _target(finding: Finding, task: FindingTask) -> audit.Target:
    return finding_target(finding, entity_type="finding_task", entity_id=str(task.public_id))


async def list_tasks(session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID) -> list[TaskOut]:
    finding = await repo.get_finding(session, principal.scope, finding_id)
    return [task_out(t) for t in await repo.tasks_of(session, finding)]


async def create_task(
    session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID, data: TaskIn
) -> FindingTask:
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    _check_editable(finding)
    _check_done(finding, data.done_on)
    position = data.position
    if position is None:
        last = (
            await session.execute(
                select(func.coalesce(func.max(FindingTask.position), -1)).where(FindingTask.finding_id == finding.id)
            )
        ).scalar_one()
        position = int(last) + 1
    task = FindingTask(
        public_id=uuid.uuid4(),
        finding_id=finding.id,
        position=position,
        what=data.what,
        who=data.who,
        due_on=data.due_on,
        done_on=data.done_on,
    )
    async with audit.tracked(
        session,
        task,
        actor=principal.as_actor(),
        action="finding_task.created",
        fields=AUDITED,
        created=True,
        target=lambda: _target(finding, task),
    ):
        session.add(task)
        await session.flush()
    return task


async def update_task(
    session: AsyncSession,
    principal: Principal,
    *,
    finding_id: uuid.UUID,
    task_id: uuid.UUID,
    expected_version: int | None,
    data: TaskUpdate,
) -> FindingTask:
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    stmt = (
        select(FindingTask)
        .where(FindingTask.finding_id == finding.id, FindingTask.public_id == task_id)
        .with_for_update()
    )
    task = (await session.execute(stmt)).scalar_one_or_none()
    if task is None:
        raise not_found("task")
    check_version(expected_version, task.version)
    _check_editable(finding)
    sent: dict[str, Any] = data.sent(problem="required")
    _check_done(finding, sent.get("done_on"))
    async with audit.tracked(
        session,
        task,
        actor=principal.as_actor(),
        action="finding_task.updated",
        fields=AUDITED,
        target=lambda: _target(finding, task),
    ):
        for key, value in sent.items():
            if getattr(task, key) != value:
                setattr(task, key, value)
    return task


async def delete_task(
    session: AsyncSession,
    principal: Principal,
    *,
    finding_id: uuid.UUID,
    task_id: uuid.UUID,
    expected_version: int | None,
) -> None:
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    stmt = (
        select(FindingTask)
        .where(FindingTask.finding_id == finding.id, FindingTask.public_id == task_id)
        .with_for_update()
    )
    task = (await session.execute(stmt)).scalar_one_or_none()
    if task is None:
        raise not_found("task")
    check_version(expected_version, task.version)
    _check_editable(finding)
    changes = {k: [getattr(task, k), None] for k in AUDITED}
    await session.delete(task)
    await session.flush()
    await audit.record_on(
        session,
        _target(finding, task),
        actor=principal.as_actor(),
        action="finding_task.deleted",
        changes={k: [v[0].isoformat() if hasattr(v[0], "isoformat") else v[0], None] for k, v in changes.items()},
    )
