"""The read side of the audit trail and the change feed: pages for the caller's area, personal data masked from
the registry (`core.pii`) unless the caller holds the pii permission."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import repository as repo
from fupin.audit.models import AuditEvent
from fupin.audit.schemas import AuditEventOut, AuditPage, AuditQuery, ChangePage
from fupin.authz.principal import Principal
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
    return _page(principal, await repo.events(session, principal.scope, query), query.limit)


async def subject_page(
    session: AsyncSession, principal: Principal, *, subject_id: str, after: int, limit: int
) -> AuditPage:
    """The trail of one subject (a household and everything attached to it)."""
    rows = await repo.subject_events(session, subject_id=subject_id, after=after, limit=limit)
    return _page(principal, rows, limit)


async def changes_page(session: AsyncSession, principal: Principal, *, after: int, limit: int) -> ChangePage:
    """Committed changes of the caller's area in commit order, without gaps."""
    rows = await repo.changes(session, principal.scope, after=after, limit=limit)
    return ChangePage.model_validate({"items": rows, "next_after": rows[-1].seq if rows else after})
