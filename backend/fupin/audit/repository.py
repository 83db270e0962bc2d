"""Queries of the audit trail and the change feed. The area-wide lists run on the shared read path
(`core.readpath`: the caller's scope applied there); a subject's trail is read from a record already in scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Select, String, bindparam, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.models import AuditEvent, ChangeEntry
from fupin.audit.schemas import AuditEventOut, AuditQuery, ChangeOut
from fupin.authz.scope import AreaScope, unscoped
from fupin.core.readpath import ReadPath, ReadQuery

EVENT_FIELDS = tuple(AuditEventOut.model_fields)
CHANGE_FIELDS = tuple(ChangeOut.model_fields)
FILTERS = ("entity_type", "entity_id", "actor_id", "action")


def _events_statement(present: tuple[str, ...]) -> Select[Any]:
    stmt = select(*(getattr(AuditEvent, name) for name in EVENT_FIELDS)).where(
        AuditEvent.seq > bindparam("after", type_=BigInteger())
    )
    if "entity_type" in present:
        stmt = stmt.where(AuditEvent.entity_type == bindparam("entity_type", type_=String()))
    if "entity_id" in present:
        wanted = bindparam("entity_id", type_=String())
        stmt = stmt.where((AuditEvent.entity_id == wanted) | (AuditEvent.subject_id == wanted))
    if "actor_id" in present:
        stmt = stmt.where(AuditEvent.actor_id == bindparam("actor_id", type_=String()))
    if "action" in present:
        stmt = stmt.where(AuditEvent.action == bindparam("action", type_=String()))
    return stmt.order_by(AuditEvent.seq).limit(bindparam("limit", type_=Integer()))


_EVENT_QUERIES: dict[tuple[str, ...], ReadQuery] = {}


def _change_column(name: str) -> Any:
    if name == "household_id":  # the subject of the entry's audit event: whose 操作记录 the change is on
        return AuditEvent.subject_id.label(name)
    column = getattr(ChangeEntry, name)
    if name == "tombstone":  # entries from before migration 0006 have none: they are not tombstones
        return func.coalesce(column, false()).label(name)
    return column


CHANGES_QUERY = ReadQuery(
    "changes",
    lambda: (
        select(*(_change_column(name) for name in CHANGE_FIELDS))
        .select_from(ChangeEntry)
        .outerjoin(AuditEvent, AuditEvent.seq == ChangeEntry.audit_seq)
        .where(ChangeEntry.seq > bindparam("after", type_=BigInteger()))
        .order_by(ChangeEntry.seq)
        .limit(bindparam("limit", type_=Integer()))
    ),
    lambda: ChangeEntry.region_code,
)


def _events_query(present: tuple[str, ...]) -> ReadQuery:
    query = _EVENT_QUERIES.get(present)
    if query is None:
        query = _EVENT_QUERIES[present] = ReadQuery(
            ("audit-events", present), lambda: _events_statement(present), lambda: AuditEvent.region_code
        )
    return query


async def events(read: ReadPath, scope: AreaScope, query: AuditQuery) -> list[dict[str, Any]]:
    """Up to limit + 1 events of the area after `query.after`, oldest first (the extra one says there is more)."""
    present = tuple(name for name in FILTERS if getattr(query, name))
    values: dict[str, Any] = {name: getattr(query, name) for name in present}
    return await read.fetch(_events_query(present), scope, {**values, "after": query.after, "limit": query.limit + 1})


async def changes(read: ReadPath, scope: AreaScope, *, after: int, limit: int) -> list[dict[str, Any]]:
    return await read.fetch(CHANGES_QUERY, scope, {"after": after, "limit": limit})


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
