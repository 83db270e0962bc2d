"""The gate every change of a household's locked fields passes (households.service, households.workflow, imports):
is the change locked now, and if so, keep it as a pending change. This module does not import the household
service, so the service can use it; applying pending changes is `adjustments.apply`.

When is a change locked? When it touches the `LOCKED` table (`adjustments.locks`) and the household's area has an
adjustment calendar (at least one window covers it) and none of those windows is open today (`clock.today`).
An area without any window configured locks nothing: the register works as before until the calendar is set up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock, locks
from fupin.adjustments import repository as repo
from fupin.adjustments.models import PendingChange
from fupin.adjustments.schemas import PendingChangeOut
from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.errors import ProblemError, field_error
from fupin.core.models import utcnow
from fupin.households.models import Household

PENDING_EXISTS = "pending_change.exists"
OVERRIDE_FORBIDDEN = "adjustment.override_forbidden"


@dataclass
class Outcome:
    """What a household write did: the household as it is now, and the pending change it queued (if any)."""

    household: Household
    pending: PendingChange | None = None


def check_override(override_reason: str | None, *, may_override: bool) -> None:
    """`override_reason` applies a locked change now: only for holders of adjustments:override (the route says)."""
    if override_reason is not None and not may_override:
        raise ProblemError(
            403,
            OVERRIDE_FORBIDDEN,
            "调整期外直接修改锁定字段需要 adjustments:override 权限 (override_reason needs adjustments:override)",
        )


async def locks_in_force(session: AsyncSession, household: Household) -> bool:
    windows = await repo.windows_covering(session, household.village_code)
    if not windows:
        return False  # no adjustment calendar for the area: nothing is locked
    today = clock.today()
    return not any(w.is_open_on(today) for w in windows)


async def split_locked(
    session: AsyncSession, household: Household, *, sent: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`sent` (household fields → new values) as (apply now, locked now). Locked: the `LOCKED` fields whose value
    would change while the household's adjustment window is closed."""
    current = {name: getattr(household, name) for name in locks.LOCKED.fields}
    names = locks.locked_fields(current, sent)
    if not names or not await locks_in_force(session, household):
        return dict(sent), {}
    return {k: v for k, v in sent.items() if k not in names}, {k: sent[k] for k in names}


async def move_locked(session: AsyncSession, household: Household, *, target: str) -> bool:
    """Is the status move of `household` to `target` locked now?"""
    return locks.locked_move(household.status, target) and await locks_in_force(session, household)


def pending_target(change: PendingChange, household: Household) -> audit.Target:
    """Pending changes are on their household's trail (操作记录) and in the change feed."""
    return audit.Target(
        "pending_change",
        str(change.public_id),
        change.region_code,
        subject_id=str(household.public_id),
        version=change.version,
    )


async def queue_pending(
    session: AsyncSession,
    principal: Principal,
    *,
    household: Household,
    kind: str,
    changes: dict[str, Any],
) -> PendingChange:
    """Keep a locked change of `household` until its window opens. `kind` "update": `changes` are household fields
    (already validated); "transition": the status transition's to_status, reason and year (already checked
    against the workflow). One pending change per household and field (per household for transitions): another
    is a 409 `pending_change.exists` until the first is applied or cancelled."""
    waiting = await repo.pending_of(session, principal.scope, household)
    for other in waiting:
        if other.kind != kind:
            continue
        clash = sorted(set(other.changes) & set(changes)) if kind == "update" else ["to_status"]
        if clash:
            raise field_error(
                f"/{clash[0]}",
                PENDING_EXISTS,
                f"该户已有待年度调整期处理的变更 {other.public_id} (cancel it first)",
                status=409,
            )
    fields = list(changes) if kind == "update" else ["status"]
    base = {name: getattr(household, name) for name in fields}
    actor = principal.as_actor()
    change = PendingChange(
        household_id=household.id,
        region_code=household.village_code,
        kind=kind,
        changes=audit.to_jsonable(changes),
        base=audit.to_jsonable(base),
        state="pending",
        requested_by_type=actor.type,
        requested_by_id=actor.id,
        requested_by_name=actor.name,
        requested_at=utcnow(),
    )
    session.add(change)
    await session.flush()
    await audit.record_on(
        session,
        pending_target(change, household),
        actor=actor,
        action="pending_change.requested",
        changes=audit.diff({}, {"kind": kind, "changes": change.changes, "base": change.base, "state": "pending"}),
    )
    return change


def pending_view(row: dict[str, Any]) -> dict[str, Any]:
    """A pending change (read-path row or record fields) in the shape of `PendingChangeOut`."""
    return {
        "id": row["id"],
        "household_id": row["household_id"],
        "household_number": row["household_number"],
        "kind": row["kind"],
        "changes": row["changes"],
        "base": row["base"],
        "state": row["state"],
        "reason": row["reason"],
        "requested_by": {
            "type": row["requested_by_type"],
            "id": row["requested_by_id"],
            "name": row["requested_by_name"],
        },
        "requested_at": row["requested_at"],
        "decided_at": row["decided_at"],
        "decided_by": row["decided_by_name"],
        "error": row["error"],
        "version": row["version"],
    }


def pending_out(change: PendingChange, household: Household) -> PendingChangeOut:
    row = {name: getattr(change, name) for name in PendingChange.__table__.columns.keys()}  # noqa: SIM118
    row.update(id=change.public_id, household_id=household.public_id, household_number=household.household_number)
    return PendingChangeOut.model_validate(pending_view(row))
