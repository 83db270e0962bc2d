"""The read side of the audit trail and the change feed: pages for the caller's area, personal data masked from
the registry (`core.pii`) unless the caller holds the pii permission. The area-wide lists are JSON bytes from the
shared read path; a household's own trail is built from its records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import feed_retention
from fupin.audit import repository as repo
from fupin.audit.positions import decode_position, encode_position
from fupin.audit.schemas import MAX_SEQ, AuditEventOut, AuditPage, AuditQuery
from fupin.authz.principal import Principal
from fupin.core.errors import FieldError, ProblemError
from fupin.core.pii import mask_changes, trail_changes
from fupin.core.readpath import ReadPath
from fupin.core.schemas import record_view


def _page_of(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """The first `limit` of up to limit + 1 rows, and where the next page starts (None: no more)."""
    return rows[:limit], (rows[limit - 1]["seq"] if len(rows) > limit else None)


async def events_json(read: ReadPath, principal: Principal, query: AuditQuery) -> bytes:
    """The whole trail of the caller's area, oldest first from `after`, as the JSON of `AuditPage`."""
    rows, next_after = _page_of(await repo.events(read, principal.scope, query), query.limit)
    if not principal.pii:
        for row in rows:
            row["changes"] = mask_changes(row["changes"])
    return to_json({"items": rows, "next_after": next_after})


# Domains whose records hide fields from some callers register what a subject's trail must withhold for the
# caller: `{entity_id: fields}` (a health measure's content for a caller outside the health field, measures/health).
TrailWithholding = Callable[[AsyncSession, Principal, str, bool], Awaitable[dict[str, frozenset[str]]]]
WITHHOLDINGS: list[TrailWithholding] = []


def register_withholding(rule: TrailWithholding) -> TrailWithholding:
    WITHHOLDINGS.append(rule)
    return rule


def _withhold(changes: Any, fields: frozenset[str]) -> Any:
    if not isinstance(changes, dict):
        return changes
    return {
        k: (["***" if x is not None else None for x in v] if isinstance(v, list) else "***") if k in fields else v
        for k, v in changes.items()
    }


async def subject_page(
    session: AsyncSession, principal: Principal, *, subject_id: str, after: int, limit: int, health: bool
) -> AuditPage:
    """The trail of one subject (a household and everything attached to it); `health`: whether the caller sees
    health details (`departments.field.sees_health`)."""
    events = await repo.subject_events(session, subject_id=subject_id, after=after, limit=limit)
    withheld: dict[str, frozenset[str]] = {}
    for rule in WITHHOLDINGS:
        withheld.update(await rule(session, principal, subject_id, health))
    items = []
    for ev in events[:limit]:
        changes = trail_changes(ev.changes, pii=principal.pii, health=health)
        if ev.entity_id in withheld:
            changes = _withhold(changes, withheld[ev.entity_id])
        items.append(AuditEventOut.model_validate(record_view(ev, changes=changes)))
    return AuditPage(items=items, next_after=events[limit - 1].seq if len(events) > limit else None)


def _position(after: str) -> int:
    try:
        seq = decode_position(after)
    except ProblemError as problem:
        problem.errors = [FieldError(pointer="/query/after", code=problem.code, message="not a feed position")]
        raise
    if seq > MAX_SEQ:
        raise ProblemError(
            400,
            "invalid_cursor",
            "The cursor is invalid; start again from the first page.",
            [FieldError(pointer="/query/after", code="invalid_cursor", message="not a feed position")],
        )
    return seq


async def changes_json(read: ReadPath, principal: Principal, *, after: str, limit: int) -> bytes:
    """Committed changes of the caller's area in commit order, without gaps, as the JSON of `ChangePage`; a
    position older than the retention is a 410 (`changes.expired`). The horizon is read after the page: a prune
    that committed before the page was read is seen, so a page never silently skips pruned entries."""
    seq = _position(after)
    rows = await repo.changes(read, principal.scope, after=seq, limit=limit)
    feed_retention.check_position(seq, await feed_retention.horizon(read))
    return to_json({"items": rows, "next_after": encode_position(rows[-1]["seq"] if rows else seq)})
