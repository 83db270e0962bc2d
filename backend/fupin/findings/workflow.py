"""The rectification workflow of a finding (整改流程): the table of allowed moves and what each requires.

    待整改 pending      → 整改中 rectifying (the responsible unit: findings:rectify)
    整改中 rectifying   → 申请销号 submitted (findings:rectify; rectification text, every task done, ≥1 file)
    申请销号 submitted  → 已销号 closed (findings:close, never the responsible unit), 退回 returned (the same, with
                          a reason)
    退回 returned       → 整改中 rectifying (findings:rectify)
    any open state      → 移交纪委 transferred (findings:write, with a reason)
    已销号 closed, 移交纪委 transferred: final

Who may make which move is `authz.policy.FINDING_STEPS` and `require_finding_verifier`. Each move is a step of
the finding's history (`finding_steps`, the raising being the first): who, when, why and the files it names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.policy import require_finding_step, require_finding_verifier
from fupin.authz.principal import Principal
from fupin.core.code_tables import label
from fupin.core.concurrency import check_version
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.core.workflow import Move, Workflow
from fupin.findings import clock
from fupin.findings import repository as repo
from fupin.findings.audit_target import finding_target
from fupin.findings.evidence import check_evidence, count_files
from fupin.findings.models import OPEN_STATES, STATES, Finding, FindingStep
from fupin.findings.schemas import FindingStepOut, FindingTransitionIn, StepActor
from fupin.findings.service import AUDITED, add_step, link_values


@dataclass
class StateMove:
    session: AsyncSession
    principal: Principal
    finding: Finding
    request: FindingTransitionIn


async def authorised(ctx: StateMove) -> None:
    require_finding_step(ctx.principal, ctx.request.to)


async def verifier(ctx: StateMove) -> None:
    """The responsible unit never verifies its own finding; told before the missing permission."""
    require_finding_verifier(ctx.principal, ctx.finding.region_code)
    require_finding_step(ctx.principal, ctx.request.to)


async def with_reason(ctx: StateMove) -> None:
    if not ctx.request.reason:
        raise field_error("/reason", "finding.reason_required", "须说明原因 (a reason is required)")


async def with_rectification(ctx: StateMove) -> None:
    if not (ctx.request.rectification or ctx.finding.rectification):
        raise field_error(
            "/rectification",
            "finding.rectification_required",
            "申请销号须填写整改情况 (the rectification must be described)",
        )


async def tasks_done(ctx: StateMove) -> None:
    for i, task in enumerate(await repo.tasks_of(ctx.session, ctx.finding)):
        if task.done_on is None:
            raise field_error(
                f"/tasks/{i}/done_on",
                "finding.task_open",
                f"整改措施“{task.what}”尚未完成 (task {task.public_id} is not done)",
            )


async def with_evidence(ctx: StateMove) -> None:
    if not ctx.request.evidence_ids and await count_files(ctx.session, ctx.finding) == 0:
        raise field_error(
            "/evidence_ids",
            "finding.evidence_required",
            "申请销号须上传整改佐证 (attach at least one file to the finding)",
        )


STEP = (authorised,)
SUBMIT = (authorised, with_rectification, tasks_done, with_evidence)
VERIFY = (verifier,)
RETURN = (verifier, with_reason)
TRANSFER = (authorised, with_reason)
FINDING_STATES: Workflow[StateMove] = Workflow(
    name="finding",
    code_table="finding_state",
    pointer="/to",
    moves=[
        Move("pending", "rectifying", STEP),
        Move("returned", "rectifying", STEP),
        Move("rectifying", "submitted", SUBMIT),
        Move("submitted", "closed", VERIFY),
        Move("submitted", "returned", RETURN),
        *(Move(state, "transferred", TRANSFER) for state in OPEN_STATES),
    ],
)


def allowed_moves(state: str) -> list[str]:
    targets = FINDING_STATES.targets(state)
    return [s for s in STATES if s in targets]


def check_move(source: str, target: str) -> None:
    """A move the table lacks: 409 `finding.transition_not_allowed` listing the moves the state allows."""
    allowed = allowed_moves(source)
    if target in allowed:
        return
    names = "、".join(label("finding_state", s) or s for s in allowed) or "无"
    message = (
        f"不能从“{label('finding_state', source)}”变更为“{label('finding_state', target)}”, 可变更为: {names} "
        "(move not allowed; see allowed)"
    )
    raise ProblemError(
        409,
        "finding.transition_not_allowed",
        message,
        [FieldError(pointer="/to", code="finding.transition_not_allowed", message=message)],
        extra={"allowed": allowed},
    )


async def transition(
    session: AsyncSession,
    principal: Principal,
    *,
    finding_id: uuid.UUID,
    expected_version: int | None,
    data: FindingTransitionIn,
) -> Finding:
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    check_version(expected_version, finding.version)
    source = finding.state
    check_move(source, data.to)
    await FINDING_STATES.check(source=source, target=data.to, context=StateMove(session, principal, finding, data))
    await check_evidence(session, finding, data.evidence_ids)
    setattr(finding, "links", link_values(await repo.links_of(session, finding)))  # noqa: B010  (the audit diff)
    async with audit.tracked(
        session,
        finding,
        actor=principal.as_actor(),
        action="finding.state_changed",
        fields=AUDITED,
        target=lambda: finding_target(finding),
        touch=True,
        extra={"evidence_ids": [None, [str(e) for e in data.evidence_ids]]} if data.evidence_ids else None,
    ):
        finding.state = data.to
        finding.state_reason = data.reason
        if data.rectification is not None:
            finding.rectification = data.rectification
        if data.to == "closed":
            finding.closed_by = principal.name
            finding.closed_on = clock.today()
        add_step(
            session,
            principal,
            finding,
            from_state=source,
            to_state=data.to,
            reason=data.reason,
            evidence_ids=data.evidence_ids,
        )
    return finding


async def steps(session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID) -> list[FindingStepOut]:
    finding = await repo.get_finding(session, principal.scope, finding_id)
    stmt = select(FindingStep).where(FindingStep.finding_id == finding.id).order_by(FindingStep.id)
    return [
        FindingStepOut(
            from_state=r.from_state,
            to_state=r.to_state,
            reason=r.reason,
            evidence_ids=list(r.evidence_ids),
            actor=StepActor(type=r.actor_type, id=r.actor_id, name=r.actor_name),
            at=r.at,
        )
        for r in (await session.execute(stmt)).scalars()
    ]
