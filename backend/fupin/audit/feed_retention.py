"""Retention of the change feed: entries older than `changes_retention_days` are removed by `fupin changes prune`
(daily, e.g. from cron), and the highest entry removed is remembered (chain head `feed_pruned`, and the audit
event `changes.pruned` that records it, so `fupin audit verify` tells pruning from deletion). A client whose
position is below that horizon has missed entries that are gone: `GET /changes` answers 410 `changes.expired`
and the client resyncs from an export (docs/integration/changes.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain
from fupin.audit.models import PRUNED, ChainHead, ChangeEntry
from fupin.authz.scope import unscoped
from fupin.core.context import Actor
from fupin.core.errors import FieldError, ProblemError
from fupin.core.models import utcnow
from fupin.core.readpath import ReadPath, ReadQuery

PRUNED_ACTION = "changes.pruned"
RESYNC = "resync via export (GET /api/v1/households/export) and continue from its X-Fupin-Changes-Position"
_ALL = unscoped("pruning the whole change feed")

HORIZON_QUERY = ReadQuery(
    "changes-horizon",
    lambda: select(ChainHead.last_seq).where(ChainHead.name == PRUNED),
    None,  # not area data: one number for everybody
)


def horizon_of(changes: dict[str, Any]) -> int:
    """The horizon a `changes.pruned` event recorded."""
    value = (changes.get("pruned_through") or [None, 0])[1]
    return int(value or 0)


async def horizon(read: ReadPath) -> int:
    """The highest change-feed entry pruned (0: none)."""
    return int(await read.scalar(HORIZON_QUERY, None, {}) or 0)


def check_position(after: int, pruned_through: int) -> None:
    """A position below the horizon has missed pruned entries: 410."""
    if after < pruned_through:
        raise ProblemError(
            410,
            "changes.expired",
            f"Position {after} is older than the retention of the change feed (entries up to {pruned_through} "
            f"are gone): {RESYNC}.",
            [FieldError(pointer="/query/after", code="changes.expired", message="position older than the retention")],
            extra={"pruned_through": pruned_through},
        )


@dataclass(frozen=True, slots=True)
class PruneReport:
    pruned_before: int  # the horizon before
    pruned_through: int  # the horizon now
    deleted: int
    audit_seq: int | None  # the `changes.pruned` event (None: nothing was old enough)


async def prune(
    session: AsyncSession, *, retention_days: int, actor: Actor, now: datetime | None = None
) -> PruneReport:
    """Remove the entries older than `retention_days` and move the horizon past them, in the caller's
    transaction. The horizon row stays locked until commit, so two prunes never overlap."""
    lock = (
        update(ChainHead)
        .where(ChainHead.name == PRUNED)
        .values(last_seq=ChainHead.last_seq)
        .returning(ChainHead.last_seq)
    )
    before = (await session.execute(lock)).scalar_one_or_none()
    if before is None:
        raise RuntimeError(f"chain head {PRUNED!r} missing: run the migrations")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    table: Any = ChangeEntry.__table__
    newest_old = (
        await session.execute(
            select(func.max(table.c.seq)).where(table.c.occurred_at < cutoff).execution_options(**_ALL)
        )
    ).scalar_one_or_none()
    if newest_old is None or newest_old <= before:
        return PruneReport(int(before), int(before), 0, None)
    through = int(newest_old)
    result: Any = await session.execute(delete(table).where(table.c.seq <= through).execution_options(**_ALL))
    deleted = int(result.rowcount or 0)
    await session.execute(
        update(ChainHead).where(ChainHead.name == PRUNED).values(last_seq=through).returning(ChainHead.last_seq)
    )
    seq = await chain.record(
        session,
        actor=actor,
        action=PRUNED_ACTION,
        entity_type="change_feed",
        entity_id=None,
        region_code=None,
        changes={
            "pruned_through": [int(before), through],
            "deleted": [None, deleted],
            "retention_days": [None, retention_days],
        },
        feed=False,
    )
    return PruneReport(int(before), through, deleted, seq)
