"""The read side of the audit trail and the change feed, from the caller's area scope, personal data masked
from the registry (`core.pii`) unless the caller holds the pii permission."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.models import AuditEvent, ChangeEntry
from fupin.audit.schemas import AuditEventOut, AuditPage, AuditQuery, ChangePage
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.pii import mask_changes
from fupin.core.schemas import record_view


def _page(principal: Principal, rows: list[AuditEvent], limit: int) -> AuditPage:
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        AuditEventOut.model_validate(record_view(ev, changes=ev.changes if principal.pii else mask_changes(ev.changes)))
        for ev in rows
    ]
    return AuditPage(items=items, next_after=rows[-1].seq if more else None)


async def events_page(session: AsyncSession, principal: Principal, query: AuditQuery) -> AuditPage:
    """The whole trail of the caller's area, oldest first from `after`."""
    stmt: Any = principal.scope.select(AuditEvent).where(AuditEvent.seq > query.after)
    if query.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == query.entity_type)
    if query.entity_id:
        stmt = stmt.where(or_(AuditEvent.entity_id == query.entity_id, AuditEvent.subject_id == query.entity_id))
    if query.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    rows = list((await session.execute(stmt.order_by(AuditEvent.seq).limit(query.limit + 1))).scalars().all())
    return _page(principal, rows, query.limit)


async def subject_page(
    session: AsyncSession, principal: Principal, *, subject_id: str, after: int, limit: int
) -> AuditPage:
    """The trail of one subject (a household and everything attached to it). The caller has already read the
    subject through its own scope; its events are shown wherever in the area tree they were recorded."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.subject_id == subject_id, AuditEvent.seq > after)
        .order_by(AuditEvent.seq)
        .limit(limit + 1)
        .execution_options(**unscoped("the trail of a subject the caller was allowed to read"))
    )
    rows = list((await session.execute(query)).scalars().all())
    return _page(principal, rows, limit)


async def changes_page(session: AsyncSession, principal: Principal, *, after: int, limit: int) -> ChangePage:
    """Committed changes of the caller's area in commit order, without gaps."""
    stmt = principal.scope.select(ChangeEntry).where(ChangeEntry.seq > after).order_by(ChangeEntry.seq).limit(limit)
    rows = list((await session.execute(stmt)).scalars().all())
    return ChangePage.model_validate({"items": rows, "next_after": rows[-1].seq if rows else after})
