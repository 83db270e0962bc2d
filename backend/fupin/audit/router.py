"""Read side of the audit trail and the change feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import or_, select

from fupin.authz.deps import CurrentPrincipal
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.audit import AuditEvent, ChangeEntry
from fupin.core.db import DbSession
from fupin.core.idnumber import mask, mask_account, mask_phone
from fupin.core.openapi import problems
from fupin.core.schemas import OutModel
from fupin.households import repository as households
from fupin.households.service import audit_personal_data_read

router = APIRouter(prefix="/api/v1", tags=["audit"])
MAX_SEQ = 2**63 - 1

_MASKERS = {"id_number": mask, "phone": mask_phone, "bank_account": mask_account}
_HIDDEN = {"health", "disability_grade", "birth_date"}


class AuditEventOut(OutModel):
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    request_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    region_code: str | None
    changes: dict[str, Any] = Field(description="field → [before, after]")
    hash: str


class AuditPage(OutModel):
    items: list[AuditEventOut]
    next_after: int | None = Field(None, description="Pass as ?after= to continue")


class ChangeOut(OutModel):
    seq: int
    occurred_at: datetime
    entity_type: str
    entity_id: str
    action: str
    region_code: str | None
    version: int | None


class ChangePage(OutModel):
    items: list[ChangeOut]
    next_after: int = Field(description="The cursor to pass as ?after= next time (last seq seen)")


def _mask_value(key: str, value: Any) -> Any:
    if key in _HIDDEN:
        return None if value is None else "***"
    if key in _MASKERS and isinstance(value, str):
        return _MASKERS[key](value)
    if isinstance(value, list):
        return [_mask_value(key, v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(k, v) for k, v in value.items()}
    return value


def _event_out(ev: AuditEvent, principal: Principal) -> AuditEventOut:
    changes = ev.changes if principal.pii else {k: _mask_value(k, v) for k, v in (ev.changes or {}).items()}
    return AuditEventOut(
        seq=ev.seq,
        occurred_at=ev.occurred_at,
        actor_type=ev.actor_type,
        actor_id=ev.actor_id,
        actor_name=ev.actor_name,
        request_id=ev.request_id,
        action=ev.action,
        entity_type=ev.entity_type,
        entity_id=ev.entity_id,
        region_code=ev.region_code,
        changes=changes,
        hash=ev.hash,
    )


def _region_visible(principal: Principal, column: Any) -> Any:
    if principal.region_code is None:
        return True
    return principal.scope_filter(column)


@router.get("/audit-events", response_model=AuditPage, operation_id="audit-events-list", responses=problems(403))
async def list_audit_events(
    session: DbSession,
    principal: CurrentPrincipal,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
) -> AuditPage:
    """The audit trail (discipline/audit role and admins), oldest first from `after`."""
    principal.require(Permission.AUDIT_READ)
    stmt = select(AuditEvent).where(AuditEvent.seq > after, _region_visible(principal, AuditEvent.region_code))
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(or_(AuditEvent.entity_id == entity_id, AuditEvent.subject_id == entity_id))
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    rows = list((await session.execute(stmt.order_by(AuditEvent.seq).limit(limit + 1))).scalars().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[_event_out(r, principal) for r in rows], next_after=rows[-1].seq if more else None)


@router.get(
    "/households/{household_id}/audit-events",
    response_model=AuditPage,
    tags=["households"],
    operation_id="households-audit-events",
    responses=problems(403, 404),
)
async def household_audit_events(
    household_id: uuid.UUID,
    session: DbSession,
    principal: CurrentPrincipal,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> AuditPage:
    """The trail of one household (its members, incomes and assessments included), for those who may read it."""
    principal.require(Permission.HOUSEHOLDS_READ)
    household = await households.get_household(session, principal, household_id)
    await audit_personal_data_read(session, principal, household, "audit_trail")
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_id == str(household.public_id), AuditEvent.seq > after)
        .order_by(AuditEvent.seq)
        .limit(limit + 1)
    )
    rows = list((await session.execute(stmt)).scalars().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[_event_out(r, principal) for r in rows], next_after=rows[-1].seq if more else None)


@router.get(
    "/changes",
    response_model=ChangePage,
    operation_id="changes-list",
    tags=["integration"],
    responses=problems(403),
)
async def list_changes(
    session: DbSession,
    principal: CurrentPrincipal,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="Last seq already processed; 0 from the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangePage:
    """Committed changes in commit order, without gaps, limited to the caller's area."""
    principal.require(Permission.CHANGES_READ)
    stmt = (
        select(ChangeEntry)
        .where(ChangeEntry.seq > after, _region_visible(principal, ChangeEntry.region_code))
        .order_by(ChangeEntry.seq)
        .limit(limit)
    )
    rows = list((await session.execute(stmt)).scalars().all())
    return ChangePage(items=[ChangeOut.model_validate(r) for r in rows], next_after=rows[-1].seq if rows else after)
