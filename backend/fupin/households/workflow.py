"""The household status workflow (贫困户状态): the table of allowed changes and what each requires.

    未脱贫 not_exited        → 已脱贫(享受政策) exited_with_policy, 注销 removed
    已脱贫(享受政策)          → 已脱贫(不再享受政策) exited_no_policy, 返贫 returned, 注销
    已脱贫(不再享受政策)      → 返贫, 注销
    返贫 returned            → 已脱贫(享受政策), 注销
    注销 removed             → (final)

An exit needs the year and a passing exit evaluation for it; 注销 is decided at county level or above.
Moves to or from 已脱贫, 注销 and 返贫 are locked outside the adjustment window (年度调整, `adjustments.locks`):
they are checked in full, then kept as pending changes until a window opens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import gate
from fupin.adjustments.gate import Outcome
from fupin.audit import chain as audit
from fupin.authz.policy import require_household_removal
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, field_error
from fupin.core.models import utcnow
from fupin.core.workflow import Move, Workflow
from fupin.households import repository as repo
from fupin.households import stats
from fupin.households.assessments import evaluate_exit
from fupin.households.models import Household, StatusChange
from fupin.households.presenters import HOUSEHOLD_AUDITED, household_target
from fupin.households.schemas import StatusTransitionIn


@dataclass
class StatusContext:
    session: AsyncSession
    principal: Principal
    household: Household
    request: StatusTransitionIn
    evaluation: dict[str, Any] | None = field(default=None)


async def passing_exit_evaluation(ctx: StatusContext) -> None:
    if ctx.request.year is None:
        raise field_error("/year", "required", "脱贫须指定评估年度 (year is required for an exit)")
    result = await evaluate_exit(ctx.session, ctx.household, year=ctx.request.year)
    ctx.evaluation = result.model_dump(mode="json")
    if not result.passed:
        failed = [i.label for i in result.items if not i.passed]
        raise ProblemError(
            422,
            "household.exit_criteria_not_met",
            "未达到脱贫标准: " + "、".join(failed),
            extra={"evaluation": ctx.evaluation},
        )


async def county_or_above(ctx: StatusContext) -> None:
    require_household_removal(ctx.principal)


EXIT = (passing_exit_evaluation,)
REMOVE = (county_or_above,)
HOUSEHOLD_STATUS: Workflow[StatusContext] = Workflow(
    name="household",
    code_table="household_status",
    moves=[
        Move("not_exited", "exited_with_policy", EXIT),
        Move("not_exited", "removed", REMOVE),
        Move("exited_with_policy", "exited_no_policy"),
        Move("exited_with_policy", "returned"),
        Move("exited_with_policy", "removed", REMOVE),
        Move("exited_no_policy", "returned"),
        Move("exited_no_policy", "removed", REMOVE),
        Move("returned", "exited_with_policy", EXIT),
        Move("returned", "removed", REMOVE),
    ],
)


async def transition(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    expected_version: int | None,
    data: StatusTransitionIn,
) -> Household:
    """`submit_transition`, for callers that only need the household."""
    outcome = await submit_transition(
        session, principal, household_id=household_id, expected_version=expected_version, data=data
    )
    return outcome.household


async def submit_transition(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    expected_version: int | None,
    data: StatusTransitionIn,
    may_override: bool = False,
    hold_locked: bool = True,
) -> Outcome:
    """Check the move (the table and its guards) and make it; a locked move outside an open adjustment window is
    kept as a pending change instead (`adjustments.gate`), unless `data.override_reason` (authz:
    adjustments:override, `may_override`) makes it now. `hold_locked=False`: the adjustments.apply job, inside an
    open window."""
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    stats_before = stats.snapshot(household)
    check_version(expected_version, household.version)
    override = data.override_reason
    gate.check_override(override, may_override=may_override)
    current = household.status
    ctx = StatusContext(session=session, principal=principal, household=household, request=data)
    await HOUSEHOLD_STATUS.check(source=current, target=data.to_status, context=ctx)
    locked = await gate.move_locked(session, household, target=data.to_status)
    if locked and override is None and hold_locked:
        asked = data.model_dump(mode="json", include={"to_status", "reason", "year"})
        pending = await gate.queue_pending(session, principal, household=household, kind="transition", changes=asked)
        return Outcome(household, pending)
    async with audit.tracked(
        session,
        household,
        actor=principal.as_actor(),
        action="household.status_changed",
        fields=HOUSEHOLD_AUDITED,
        target=lambda: household_target(household),
        extra={"override_reason": [None, override]} if locked and override is not None else None,
    ):
        household.status = data.to_status
        household.status_reason = data.reason
        if data.to_status == "exited_with_policy":
            household.exit_year = data.year
        household.updated_at = utcnow()
        session.add(
            StatusChange(
                household_id=household.id,
                from_status=current,
                to_status=data.to_status,
                reason=data.reason,
                year=data.year,
                evaluation=ctx.evaluation,
                actor_name=principal.name,
                occurred_at=utcnow(),
            )
        )
    await stats.move(session, stats_before, household)
    return Outcome(household)
