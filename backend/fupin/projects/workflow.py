"""The library stages of a project (项目库流程): the table of allowed moves and what each requires.

    申报 declared      → 审核 reviewed (the township: projects:review, township level or above), 出库 removed
    审核 reviewed      → 论证/审定 approved (the county: projects:approve, county level or above), 出库
    论证/审定 approved → 入库 in_library (the county; at least one performance target 绩效目标), 出库
    入库 in_library    → 实施 implementing (projects:write), 出库
    实施 implementing  → 验收 accepted (the county)
    验收 accepted      → 完成 completed (projects:write)
    完成 completed, 出库 removed: final

Removal (出库) is decided by the county and needs a reason. Who may move which step is `authz.policy.PROJECT_STEPS`;
a department principal moves only projects of its field. Each move is a step of the project's history
(`project_steps`, the declaration being the first) and stamps entered_library_on / completed_on / removed_on with
the day (`projects.clock.today()`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.policy import require_project_step
from fupin.authz.principal import Principal
from fupin.core.code_tables import label
from fupin.core.concurrency import check_version
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.core.workflow import Move, Workflow
from fupin.departments.field import check_project_field
from fupin.projects import clock, health
from fupin.projects import repository as repo
from fupin.projects.audit_target import project_target
from fupin.projects.evidence import check_evidence
from fupin.projects.models import STAGES, Project, ProjectStep, ProjectTarget
from fupin.projects.schemas import ProjectStepOut, ProjectTransitionIn, StepActor
from fupin.projects.service import AUDITED, add_step, regions_of


@dataclass
class StageMove:
    session: AsyncSession
    principal: Principal
    project: Project
    request: ProjectTransitionIn


async def authorised(ctx: StageMove) -> None:
    require_project_step(ctx.principal, ctx.request.to)


async def with_target(ctx: StageMove) -> None:
    stmt = select(func.count()).select_from(ProjectTarget).where(ProjectTarget.project_id == ctx.project.id)
    if int((await ctx.session.execute(stmt)).scalar_one()) == 0:
        raise field_error(
            "/to",
            "project.target_required",
            "入库须至少设定一项绩效目标 (a project enters the library only with a performance target)",
            status=409,
        )


async def with_reason(ctx: StageMove) -> None:
    if not ctx.request.reason:
        raise field_error("/reason", "project.reason_required", "出库须说明原因 (reason is required to remove)")


STEP = (authorised,)
ENTER = (authorised, with_target)
REMOVE = (authorised, with_reason)
PROJECT_STAGES: Workflow[StageMove] = Workflow(
    name="project",
    code_table="project_stage",
    pointer="/to",
    moves=[
        Move("declared", "reviewed", STEP),
        Move("reviewed", "approved", STEP),
        Move("approved", "in_library", ENTER),
        Move("in_library", "implementing", STEP),
        Move("implementing", "accepted", STEP),
        Move("accepted", "completed", STEP),
        Move("declared", "removed", REMOVE),
        Move("reviewed", "removed", REMOVE),
        Move("approved", "removed", REMOVE),
        Move("in_library", "removed", REMOVE),
    ],
)
STAMPS = {"in_library": "entered_library_on", "completed": "completed_on", "removed": "removed_on"}


def allowed_moves(stage: str) -> list[str]:
    targets = PROJECT_STAGES.targets(stage)
    return [s for s in STAGES if s in targets]


def check_move(source: str, target: str) -> None:
    """A move the table lacks (a skipped stage among them): 409 `project.transition_not_allowed` listing the moves
    the project's stage allows (`allowed`)."""
    allowed = allowed_moves(source)
    if target in allowed:
        return
    names = "、".join(label("project_stage", s) or s for s in allowed) or "无"
    message = (
        f"不能从“{label('project_stage', source)}”变更为“{label('project_stage', target)}”, 可变更为: {names} "
        "(move not allowed; see allowed)"
    )
    raise ProblemError(
        409,
        "project.transition_not_allowed",
        message,
        [FieldError(pointer="/to", code="project.transition_not_allowed", message=message)],
        extra={"allowed": allowed},
    )


async def transition(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    expected_version: int | None,
    data: ProjectTransitionIn,
) -> Project:
    project = await repo.get_project(session, principal.scope, project_id, for_update=True)
    check_version(expected_version, project.version)
    await check_project_field(session, principal, category=project.category)
    source = project.stage
    check_move(source, data.to)
    await PROJECT_STAGES.check(source=source, target=data.to, context=StageMove(session, principal, project, data))
    await check_evidence(session, project, data.evidence_ids)
    setattr(project, "region_codes", await regions_of(session, project))  # noqa: B010  (for the audit diff)
    async with audit.tracked(
        session,
        project,
        actor=principal.as_actor(),
        action="project.stage_changed",
        fields=AUDITED,
        target=lambda: project_target(project),
        touch=True,
        extra={"evidence_ids": [None, [str(e) for e in data.evidence_ids]]} if data.evidence_ids else None,
    ):
        project.stage = data.to
        project.stage_reason = data.reason
        stamp = STAMPS.get(data.to)
        if stamp is not None:
            setattr(project, stamp, clock.today())
        add_step(
            session,
            principal,
            project,
            from_stage=source,
            to_stage=data.to,
            reason=data.reason,
            evidence_ids=data.evidence_ids,
        )
        await health.refresh(session, project)
    return project


async def steps(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> list[ProjectStepOut]:
    project = await repo.get_project(session, principal.scope, project_id)
    rows = (
        (
            await session.execute(
                select(ProjectStep).where(ProjectStep.project_id == project.id).order_by(ProjectStep.id)
            )
        )
        .scalars()
        .all()
    )
    return [
        ProjectStepOut(
            from_stage=r.from_stage,
            to_stage=r.to_stage,
            reason=r.reason,
            evidence_ids=list(r.evidence_ids),
            actor=StepActor(type=r.actor_type, id=r.actor_id, name=r.actor_name),
            at=r.at,
        )
        for r in rows
    ]
