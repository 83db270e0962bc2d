"""Checking the audit chain (`fupin audit verify`): every event's hash and link, the change-feed entries each
event wrote, and the signed checkpoints of the anchor file. What it proves and what it does not: docs/audit.md."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import anchor
from fupin.audit.chain import AUDIT, CHANGES, event_hash, feed_digest, to_jsonable
from fupin.audit.feed import MOVED_OUT
from fupin.audit.feed_retention import PRUNED_ACTION, horizon_of
from fupin.audit.models import GENESIS_HASH, PRUNED, AuditEvent, ChainHead, ChangeEntry
from fupin.authz.scope import unscoped
from fupin.config import Settings


@dataclass
class VerifyResult:
    """`reason` is None when everything checked out; otherwise the first problem (at event `first_bad_seq` when it
    is about one)."""

    checked: int
    first_bad_seq: int | None
    reason: str | None
    feed_checked: int = 0
    checkpoints: int = 0
    anchored_seq: int | None = None  # the newest checkpointed event
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    legacy_events: int = 0  # recorded before the feed was linked into the chain (migration 0004)
    pruned_through: int = 0  # change-feed entries up to this one were removed by `fupin changes prune`

    @property
    def ok(self) -> bool:
        return self.reason is None


class _Broken(Exception):
    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


_VERIFYING = unscoped("verifying the whole audit chain")


class _Feed:
    """The change feed in seq order, read in batches."""

    def __init__(self, session: AsyncSession, batch: int) -> None:
        self.session, self.batch = session, batch
        self.rows: deque[Any] = deque()
        self.after = 0
        self.exhausted = False

    async def peek(self) -> Any:
        if not self.rows and not self.exhausted:
            table = ChangeEntry.__table__
            stmt = select(table).where(table.c.seq > self.after).order_by(table.c.seq).limit(self.batch)
            rows = (await self.session.execute(stmt.execution_options(**_VERIFYING))).all()
            self.rows.extend(rows)
            self.exhausted = len(rows) < self.batch
            if rows:
                self.after = rows[-1].seq
        return self.rows[0] if self.rows else None

    async def take(self) -> Any:
        row = await self.peek()
        if row is not None:
            self.rows.popleft()
        return row


def _entry_mismatch(ev: Any, entry: Any) -> str | None:
    expected: list[tuple[str, Any]] = [
        ("audit_seq", ev.seq),
        ("entity_type", ev.entity_type),
        ("occurred_at", ev.occurred_at),
    ]
    if ev.entity_id is not None and entry.action == MOVED_OUT and entry.tombstone:
        # the tombstone a move writes for the region left (its value is covered by the digest)
        expected += [("entity_id", ev.entity_id), ("version", ev.version)]
    elif ev.entity_id is not None:  # an event about one entity: its entry says the same (bulk loads: the digest)
        expected += [
            ("entity_id", ev.entity_id),
            ("action", ev.action.rsplit(".", 1)[-1]),
            ("region_code", ev.region_code),
            ("version", ev.version),
        ]
    for name, value in expected:
        if getattr(entry, name) != value:
            return (
                f"change-feed entry {entry.seq} does not match its audit event: "
                f"{name} is {to_jsonable(getattr(entry, name))!r}, the event has {to_jsonable(value)!r}"
            )
    return None


async def verify_chain(
    session: AsyncSession, batch: int = 5000, checkpoints: Sequence[anchor.Checkpoint] = ()
) -> VerifyResult:
    """Walk the chain: numbering, links, hashes, every change-feed entry against its event, every checkpoint
    (already signature-checked: `verify`) against the event it names, and the chain heads. Change-feed entries
    up to the pruning horizon (chain head `feed_pruned`) may be gone, as long as the horizon is the one the last
    `changes.pruned` event recorded; every entry above it must be there."""
    by_seq: dict[int, list[anchor.Checkpoint]] = {}
    for cp in checkpoints:
        by_seq.setdefault(cp.seq, []).append(cp)
    result = VerifyResult(0, None, None, checkpoints=len(checkpoints))
    feed = _Feed(session, batch)
    feed_next = 1  # the next change-feed entry an event must claim
    linked = False  # seen an event that records its feed entries
    anchored = 0
    pruned = (
        await session.execute(select(ChainHead.last_seq).where(ChainHead.name == PRUNED))
    ).scalar_one_or_none() or 0
    result.pruned_through = int(pruned)
    attested = 0  # the horizon the last `changes.pruned` event recorded

    def past_pruned(upto: int) -> None:
        """Entries before `upto` (at most up to the horizon) were pruned: the feed continues after them."""
        nonlocal feed_next
        if feed_next <= pruned:
            feed_next = max(feed_next, min(upto, pruned + 1))

    async def legacy_feed(before: int | None) -> None:
        """Feed entries written before the feed was linked: numbered without gaps, pointing at old events."""
        nonlocal feed_next
        while (row := await feed.peek()) is not None and (before is None or row.seq < before):
            past_pruned(row.seq)
            if row.seq != feed_next:
                raise _Broken(None, f"change-feed entry {feed_next} is missing (gap in the feed)")
            if row.audit_seq is not None and row.audit_seq > result.last_seq:
                raise _Broken(row.audit_seq, f"change-feed entry {row.seq} names an event that did not record it")
            await feed.take()
            feed_next += 1
            result.feed_checked += 1

    async def claimed_feed(ev: Any) -> None:
        nonlocal feed_next
        past_pruned(ev.feed_seq)
        if ev.feed_seq != feed_next:
            raise _Broken(
                ev.seq, f"its change-feed entries start at {ev.feed_seq}, but the previous ones end at {feed_next - 1}"
            )
        entries = []
        gone = False
        for seq in range(ev.feed_seq, ev.feed_seq + ev.feed_count):
            row = await feed.peek()
            if (row is None or row.seq > seq) and seq <= pruned:
                gone = True  # pruned: nothing left to compare
                continue
            if row is None or row.seq > seq:
                raise _Broken(ev.seq, f"its change-feed entry {seq} is missing (deleted)")
            if row.seq < seq:
                raise _Broken(ev.seq, f"change-feed entry {row.seq} has no audit event")
            await feed.take()
            if (problem := _entry_mismatch(ev, row)) is not None:
                raise _Broken(ev.seq, problem)
            entries.append(row._mapping)
        if not gone and feed_digest(entries) != ev.feed_digest:
            span = f"{ev.feed_seq}" if ev.feed_count == 1 else f"{ev.feed_seq}-{ev.feed_seq + ev.feed_count - 1}"
            raise _Broken(ev.seq, f"change-feed entry {span} altered (differs from what the event recorded)")
        feed_next += ev.feed_count
        result.feed_checked += ev.feed_count

    try:
        table = AuditEvent.__table__
        while True:
            stmt = select(table).where(table.c.seq > result.last_seq).order_by(table.c.seq).limit(batch)
            rows = (await session.execute(stmt.execution_options(**_VERIFYING))).all()
            if not rows:
                break
            for ev in rows:
                if ev.seq != result.last_seq + 1:
                    raise _Broken(result.last_seq + 1, "missing event (gap in sequence)")
                if ev.prev_hash != result.last_hash:
                    raise _Broken(ev.seq, "chain link broken (prev_hash mismatch)")
                if event_hash(ev._mapping) != ev.hash:
                    raise _Broken(ev.seq, "content altered (hash mismatch)")
                if ev.feed_count is None:
                    if linked:
                        raise _Broken(ev.seq, "content altered (an event in the format from before migration 0004)")
                    result.legacy_events += 1
                elif ev.feed_count:
                    if not linked and result.legacy_events:
                        await legacy_feed(before=ev.feed_seq)
                    linked = True
                    await claimed_feed(ev)
                else:
                    linked = True
                if ev.action == PRUNED_ACTION:
                    attested = horizon_of(ev.changes)
                for cp in by_seq.get(ev.seq, ()):
                    if cp.hash != ev.hash:
                        since = f" (after event {anchored}, the last one that matches a checkpoint)" if anchored else ""
                        raise _Broken(
                            ev.seq,
                            f"differs from the checkpoint of {cp.time} (line {cp.line} of the anchor file): "
                            f"the chain was rewritten at or before this event{since}",
                        )
                    anchored = ev.seq
                result.last_seq, result.last_hash = ev.seq, ev.hash
                result.checked += 1
        if not linked and result.legacy_events:
            await legacy_feed(before=None)
        past_pruned(pruned + 1)
        if attested != pruned:
            raise _Broken(
                None,
                f"the change feed is pruned up to entry {pruned}, but the last `{PRUNED_ACTION}` event recorded "
                f"{attested} (entries removed without `fupin changes prune`)",
            )
        if (row := await feed.peek()) is not None:
            raise _Broken(None, f"change-feed entry {row.seq} has no audit event (inserted)")
        head_rows = await session.execute(select(ChainHead.name, ChainHead.last_seq, ChainHead.last_hash))
        heads = {name: (int(seq), str(digest)) for name, seq, digest in head_rows.tuples()}
        head_seq, head_hash = heads.get(AUDIT, (0, GENESIS_HASH))
        if head_seq != result.last_seq:
            raise _Broken(result.last_seq + 1, "events deleted after the last one kept")
        if result.checked and head_hash != result.last_hash:
            raise _Broken(result.last_seq, "chain head does not match the last event")
        beyond = [cp for cp in checkpoints if cp.seq > result.last_seq]
        if beyond:
            cp = min(beyond, key=lambda c: c.seq)
            raise _Broken(
                result.last_seq + 1,
                f"events {result.last_seq + 1}-{cp.seq} missing: the checkpoint of {cp.time} "
                f"(line {cp.line} of the anchor file) names event {cp.seq}, "
                f"but the chain ends at event {result.last_seq} (tail cut off, chain head wound back)",
            )
        feed_head = heads.get(CHANGES, (0, GENESIS_HASH))[0]
        if feed_head != feed_next - 1:
            raise _Broken(
                None,
                f"the change-feed head is at {feed_head}, but the last entry is {feed_next - 1} "
                "(entries deleted after the last one kept)",
            )
    except _Broken as broken:
        result.first_bad_seq, result.reason = broken.seq, broken.reason
    result.anchored_seq = anchored or None
    return result


async def verify(session: AsyncSession, settings: Settings, anchor_file: Path | None = None) -> VerifyResult:
    """The chain against the checkpoints of the anchor file (`fupin audit verify`)."""
    path = anchor_file or settings.anchor_file
    checkpoints, problem = anchor.read_checkpoints(path, anchor.anchor_key(settings))
    if problem is not None:
        return VerifyResult(0, None, f"checkpoint on line {problem.line} of {path}: {problem.reason}")
    return await verify_chain(session, checkpoints=checkpoints)
