"""`adjustments.apply`: apply the pending changes of the job's area while its window is open, a batch per chunk,
each through the household service the API uses (`change_household`, `submit_transition`), in a savepoint of its
own: one that fails now (its base values moved, the move is no longer allowed, a guard refuses) is marked failed
with the error and the others go on. The job works as the system, in the area it was submitted for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock
from fupin.adjustments import repository as repo
from fupin.adjustments.gate import pending_target
from fupin.adjustments.models import PendingChange
from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.errors import ProblemError
from fupin.core.models import utcnow
from fupin.households import service as households
from fupin.households import workflow
from fupin.households.models import Household
from fupin.households.schemas import HouseholdUpdate, StatusTransitionIn
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, register

KIND = "adjustments.apply"
DEFAULT_CHUNK = 100
CHANGED = "pending_change.base_moved"


def job_principal(ctx: ChunkContext) -> Principal:
    """The system, on behalf of the job's submitter, in the job's area."""
    job = ctx.job
    return Principal(
        kind="system",
        id=0,
        public_id=str(job.public_id),
        name=f"年度调整 ({job.owner_name or job.owner_type})"[:120],
        roles=(),
        permissions=frozenset({Permission.HOUSEHOLDS_WRITE, Permission.HOUSEHOLDS_TRANSITION}),
        scope=ctx.scope,
    )


async def apply_one(session: AsyncSession, principal: Principal, change: PendingChange, household: Household) -> None:
    """Apply one pending change now (raises the problem that stops it)."""
    moved = sorted(k for k, v in change.base.items() if audit.to_jsonable(getattr(household, k)) != v)
    if moved:
        raise ProblemError(409, CHANGED, f"{', '.join(moved)} changed since the request; ask again if it still holds")
    if change.kind == "update":
        await households.change_household(
            session,
            principal,
            household_id=household.public_id,
            expected_version=None,
            data=HouseholdUpdate.model_validate(change.changes),
            hold_locked=False,
        )
    else:
        await workflow.submit_transition(
            session,
            principal,
            household_id=household.public_id,
            expected_version=None,
            data=StatusTransitionIn.model_validate(change.changes),
            hold_locked=False,
        )


async def decide(
    session: AsyncSession, principal: Principal, change: PendingChange, household: Household, *, error: str | None
) -> None:
    async with audit.tracked(
        session,
        change,
        actor=principal.as_actor(),
        action="pending_change.failed" if error else "pending_change.applied",
        fields=("state", "error"),
        target=lambda: pending_target(change, household),
    ):
        change.state = "failed" if error else "applied"
        change.error = error
        change.decided_at = utcnow()
        change.decided_by_name = principal.name


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    session, scope = ctx.session, ctx.scope
    window = await repo.window_by_id(session, uuid.UUID(str(ctx.job.params["window_id"])))
    if window is None or not window.is_open_on(clock.today()):
        return Chunk(None, 0, report={"window_closed": 1})
    size = int(ctx.job.params.get("chunk") or DEFAULT_CHUNK)
    total = await repo.pending_count(session, scope) if marker is None else None
    batch = await repo.pending_batch(session, scope, after=None if marker is None else int(marker), limit=size)
    principal = job_principal(ctx)
    applied = failed = 0
    for change in batch:
        household = await repo.household_by_pk(session, scope, change.household_id)
        if household is None:
            continue  # the household left the job's area: another area's job applies it
        try:
            async with session.begin_nested():
                await apply_one(session, principal, change, household)
                await decide(session, principal, change, household, error=None)
            applied += 1
        except ProblemError as exc:  # the savepoint rolled back what this change did
            change = await repo.reload_pending(session, scope, change)
            household = await repo.household_by_pk(session, scope, change.household_id) or household
            await decide(session, principal, change, household, error=f"{exc.code}: {exc.detail}"[:2000])
            failed += 1
    next_marker = batch[-1].id if len(batch) == size else None
    return Chunk(next_marker, len(batch), total, {"applied": applied, "failed": failed})


APPLY = register(JobKind(KIND, run_chunk, "Apply the pending changes of an open adjustment window (年度调整)"))
