"""Queries of the audit trail and the change feed, from the caller's area scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.models import AuditEvent, ChangeEntry
from fupin.audit.schemas import AuditQuery
from fupin.authz.scope import AreaScope, unscoped


async def events(session: AsyncSession, scope: AreaScope, query: AuditQuery) -> list[AuditEvent]:
    """Up to limit + 1 events of the area after `query.after`, oldest first (the extra one says there is more)."""
    stmt: Any = scope.select(AuditEvent).where(AuditEvent.seq > query.after)
    if query.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == query.entity_type)
    if query.entity_id:
        stmt = stmt.where(or_(AuditEvent.entity_id == query.entity_id, AuditEvent.subject_id == query.entity_id))
    if query.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    return list((await session.execute(stmt.order_by(AuditEvent.seq).limit(query.limit + 1))).scalars().all())


async def subject_events(session: AsyncSession, *, subject_id: str, after: int, limit: int) -> list[AuditEvent]:
    """Up to limit + 1 events of one subject. The caller has read the subject through its own scope; the events
    are shown wherever in the area tree they were recorded (a household may have moved village)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_id == subject_id, AuditEvent.seq > after)
        .order_by(AuditEvent.seq)
        .limit(limit + 1)
        .execution_options(**unscoped("the trail of a subject the caller was allowed to read"))
    )
    return list((await session.execute(stmt)).scalars().all())


async def changes(session: AsyncSession, scope: AreaScope, *, after: int, limit: int) -> list[ChangeEntry]:
    stmt = scope.select(ChangeEntry).where(ChangeEntry.seq > after).order_by(ChangeEntry.seq).limit(limit)
    return list((await session.execute(stmt)).scalars().all())
