"""The one way to record a change: a hash-chained audit event and a change-feed entry, in the caller's transaction.

Numbers come from a counter row bumped with UPDATE ... RETURNING: the row lock is held until commit, so
sequence numbers follow commit order on PostgreSQL and SQLite alike and a reader never sees a gap fill later.
Every writer takes the audit number first, then the feed numbers, so two writers never wait on each other crosswise.

`build_event` and `feed_entries` put every row together, for `record` (request path), `record_sync` (command
line) and the bulk loader alike; an event's hash covers the feed entries it wrote (`feed_digest`), so the feed is
inside the chain. `verify` walks it against the signed checkpoints of `fupin.audit.anchor` (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, event, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from fupin.audit import anchor
from fupin.audit.feed import FEED_FIELDS, FeedItem, canonical, digest, digest_with, feed_digest, feed_entries, items_for
from fupin.audit.models import AuditEvent, ChainHead, ChangeEntry
from fupin.audit.values import PLAIN_TYPES as _PLAIN
from fupin.audit.values import to_jsonable
from fupin.core import bulk
from fupin.core.context import Actor, current_request_context
from fupin.core.models import utcnow

__all__ = [
    "FEED_FIELDS",
    "Actor",
    "FeedItem",
    "Target",
    "feed_digest",
    "feed_entries",
    "record",
    "record_many",
    "record_on",
    "record_sync",
    "to_jsonable",
    "tracked",
]


class Changes(dict[str, list[Any]]):
    """What `diff` answers: field-level pairs already in the audit's JSON values (an event built from it is not
    converted again)."""


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level [before, after] pairs for the fields that changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    out = Changes()
    for key in keys:
        b, a = before.get(key), after.get(key)
        if type(b) not in _PLAIN:
            b = to_jsonable(b)
        if type(a) not in _PLAIN:
            a = to_jsonable(a)
        if b != a:
            out[key] = [b, a]
    return out


HASHED_FIELDS_V1 = (
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_name",
    "client_ip",
    "request_id",
    "action",
    "entity_type",
    "entity_id",
    "region_code",
    "subject_id",
    "changes",
    "prev_hash",
)
# Since migration 0004 an event also covers the version it produced and the change-feed entries it wrote.
HASHED_FIELDS = (*HASHED_FIELDS_V1, "version", "feed_seq", "feed_count", "feed_digest")
AUDIT, CHANGES = "audit", "changes"  # the chain heads


def event_hash(fields: Mapping[Any, Any]) -> str:
    """SHA-256 over every column of the event (and so over the previous event's hash and its feed entries).
    Events stored before migration 0004 (feed_count NULL) are hashed over the columns they had then."""
    names = HASHED_FIELDS_V1 if fields.get("feed_count") is None else HASHED_FIELDS
    return digest([fields[name] for name in names])


_CHANGES_AT = HASHED_FIELDS.index("changes")


def build_event(
    *,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    actor: Actor,
    client_ip: str | None,
    request_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str | None,
    region_code: str | None,
    subject_id: str | None,
    changes: dict[str, Any],
    version: int | None,
    feed: Sequence[Mapping[str, Any]],
    changes_as_text: bool = False,
) -> dict[str, Any]:
    """The audit_events row, hash included: the one place an event is put together (request path, CLI, bulk).
    `changes_as_text`: the changes as the JSON text the hash covers (`bulk.JsonText`, for COPY), encoded once."""
    fields: dict[str, Any] = dict(
        seq=seq,
        occurred_at=occurred_at,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        client_ip=client_ip,
        request_id=request_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        region_code=region_code,
        subject_id=subject_id or entity_id,
        changes=changes if type(changes) is Changes else to_jsonable(changes),
        version=version,
        feed_seq=feed[0]["seq"] if feed else None,
        feed_count=len(feed),
        feed_digest=feed_digest(feed) if feed else None,
        prev_hash=prev_hash,
    )
    if not changes_as_text:
        fields["hash"] = event_hash(fields)
        return fields
    text = canonical(fields["changes"])
    fields["hash"] = digest_with([fields[name] for name in HASHED_FIELDS], at=_CHANGES_AT, text=text)
    fields["changes"] = bulk.JsonText(text)
    return fields


def _bump(name: str, by: int = 1) -> Any:
    """Take `by` numbers from a chain head; the row stays locked until commit."""
    return (
        update(ChainHead)
        .where(ChainHead.name == name)
        .values(last_seq=ChainHead.last_seq + by)
        .returning(ChainHead.last_seq, ChainHead.last_hash)
    )


def _set_head(head_hash: str) -> Any:
    return update(ChainHead).where(ChainHead.name == AUDIT).values(last_hash=head_hash)


def _taken(row: Any, name: str, by: int) -> tuple[int, str]:
    """(first number taken, the head's hash before)."""
    if row is None:
        raise RuntimeError(f"chain head {name!r} missing: run the migrations")
    return int(row[0]) - by + 1, str(row[1])


_PENDING_HEAD = "fupin.audit.pending_head"


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | None,
    region_code: str | None,
    changes: dict[str, Any],
    subject_id: str | None = None,
    version: int | None = None,
    feed: bool = True,
    summary: str | None = None,
    external_id: str | None = None,
    source_system: str | None = None,
    tombstone: bool = False,
    moved_from: str | None = None,
) -> int:
    """Append one audit event and (for data writes) its change-feed entries (`fupin.audit.feed.items_for`: one,
    or a `moved_out` tombstone for `moved_from` and one). Returns the audit seq."""
    ctx = current_request_context()
    now = utcnow()
    seq, prev_hash = _taken((await session.execute(_bump(AUDIT))).one_or_none(), AUDIT, 1)
    entries: list[dict] = []
    if feed and entity_id is not None:
        items = items_for(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            region_code=region_code,
            version=version,
            summary=summary,
            external_id=external_id,
            source_system=source_system,
            tombstone=tombstone,
            moved_from=moved_from,
        )
        change_seq, _ = _taken((await session.execute(_bump(CHANGES, len(items)))).one_or_none(), CHANGES, len(items))
        entries = feed_entries(items, first_seq=change_seq, audit_seq=seq, occurred_at=now)
    fields = build_event(
        seq=seq,
        prev_hash=prev_hash,
        occurred_at=now,
        actor=actor,
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        region_code=region_code,
        subject_id=subject_id,
        changes=changes,
        version=version,
        feed=entries,
    )
    session.add(AuditEvent(**fields))
    session.add_all(ChangeEntry(**entry) for entry in entries)
    await session.execute(_set_head(fields["hash"]))
    await session.flush()
    session.info[_PENDING_HEAD] = (seq, fields["hash"])  # checkpointed after commit (anchor.Anchorer)
    return seq


def record_sync(
    conn: Connection,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | None,
    region_code: str | None,
    changes: dict[str, Any],
    subject_id: str | None = None,
    version: int | None = None,
    feed: Sequence[FeedItem] = (),
    insert_feed: Callable[[list[dict]], None] | None = None,
    request_id: str | None = "cli",
) -> int:
    """`record` on a synchronous connection (command line, bulk loads): one event, any number of feed entries
    (`insert_feed` writes them, e.g. with COPY). Same builders, same numbering and lock order as `record`."""
    now = utcnow()
    seq, prev_hash = _taken(conn.execute(_bump(AUDIT)).one_or_none(), AUDIT, 1)
    entries: list[dict] = []
    if feed:
        first, _ = _taken(conn.execute(_bump(CHANGES, len(feed))).one_or_none(), CHANGES, len(feed))
        entries = feed_entries(feed, first_seq=first, audit_seq=seq, occurred_at=now)
    fields = build_event(
        seq=seq,
        prev_hash=prev_hash,
        occurred_at=now,
        actor=actor,
        client_ip=None,
        request_id=request_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        region_code=region_code,
        subject_id=subject_id,
        changes=changes,
        version=version,
        feed=entries,
    )
    conn.execute(AuditEvent.__table__.insert().values(**fields))  # type: ignore[attr-defined]
    if entries:
        if insert_feed is not None:
            insert_feed(entries)
        else:
            conn.execute(ChangeEntry.__table__.insert(), entries)  # type: ignore[attr-defined]
    conn.execute(_set_head(fields["hash"]))
    return seq


@dataclass(frozen=True, slots=True)
class Entry:
    """One event of `record_many`: what `record_on` takes, for one target."""

    target: Target
    action: str
    changes: dict[str, Any]
    summary: str | None = None
    moved_from: str | None = None  # the target's region before the write (a move writes a tombstone there)


async def record_many(session: AsyncSession, entries: Sequence[Entry], *, actor: Actor) -> list[int]:
    """`record_on` for many events at once (bulk writes: an import's batch of households): the audit and feed
    numbers are taken in one statement each (audit first, as `record`), the events are chained in order by the
    same builders and inserted together. Returns the audit seqs in order."""
    if not entries:
        return []
    ctx = current_request_context()
    now = utcnow()
    seq, prev_hash = _taken((await session.execute(_bump(AUDIT, len(entries)))).one_or_none(), AUDIT, len(entries))
    items = [
        items_for(
            entity_type=e.target.entity_type,
            entity_id=e.target.entity_id,
            action=e.action,
            region_code=e.target.region_code,
            version=e.target.version,
            summary=e.summary,
            external_id=e.target.external_id,
            source_system=e.target.source_system,
            tombstone=e.target.tombstone,
            moved_from=e.moved_from,
        )
        for e in entries
    ]
    count = sum(len(i) for i in items)
    change_seq, _ = _taken((await session.execute(_bump(CHANGES, count))).one_or_none(), CHANGES, count)
    events: list[dict[str, Any]] = []
    feed_rows: list[dict[str, Any]] = []
    copied = session.get_bind().dialect.name == "postgresql"  # bulk.insert_rows: COPY takes the text as it is
    for offset, (entry, entry_items) in enumerate(zip(entries, items, strict=True)):
        rows = feed_entries(entry_items, first_seq=change_seq, audit_seq=seq + offset, occurred_at=now)
        change_seq += len(rows)
        fields = build_event(
            seq=seq + offset,
            prev_hash=prev_hash,
            occurred_at=now,
            actor=actor,
            client_ip=ctx.client_ip,
            request_id=ctx.request_id,
            action=entry.action,
            entity_type=entry.target.entity_type,
            entity_id=entry.target.entity_id,
            region_code=entry.target.region_code,
            subject_id=entry.target.subject_id,
            changes=entry.changes,
            version=entry.target.version,
            feed=rows,
            changes_as_text=copied,
        )
        prev_hash = fields["hash"]
        events.append(fields)
        feed_rows.extend(rows)
    # COPY on PostgreSQL: a chunk's events are one statement whose text the driver need not parse
    await bulk.insert_rows(session, cast(Table, AuditEvent.__table__), events)
    await bulk.insert_rows(session, cast(Table, ChangeEntry.__table__), feed_rows)
    await session.execute(_set_head(prev_hash))
    last = seq + len(entries) - 1
    session.info[_PENDING_HEAD] = (last, prev_hash)
    return list(range(seq, last + 1))


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a released savepoint: nothing is committed yet
    head = session.info.pop(_PENDING_HEAD, None)
    if head is not None:
        anchor.current().note_commit(*head)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    # also a rolled-back savepoint: never checkpoint a head that may not be committed
    session.info.pop(_PENDING_HEAD, None)


@dataclass(frozen=True, slots=True)
class Target:
    """What an event is about: the entity, its area, the trail it joins (`subject_id`, e.g. its household's id,
    so measures, visits and findings show on the household's 操作记录) and the entity's version; for the change
    feed also the identifiers a partner system knows it by (its household's `external_id` / `source_system`) and
    whether the write took it out of every scope (`tombstone`: see `fupin.audit.feed`)."""

    entity_type: str
    entity_id: str
    region_code: str | None
    subject_id: str | None = None
    version: int | None = None
    external_id: str | None = None
    source_system: str | None = None
    tombstone: bool = False


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


async def record_on(
    session: AsyncSession,
    target: Target,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, Any],
    feed: bool = True,
    summary: str | None = None,
    moved_from: str | None = None,
) -> int:
    """`record` for a `Target`; `moved_from`: the target's region before the write (a move writes a tombstone)."""
    return await record(
        session,
        actor=actor,
        action=action,
        entity_type=target.entity_type,
        entity_id=target.entity_id,
        region_code=target.region_code,
        subject_id=target.subject_id,
        version=target.version,
        changes=changes,
        feed=feed,
        summary=summary,
        external_id=target.external_id,
        source_system=target.source_system,
        tombstone=target.tombstone,
        moved_from=moved_from,
    )


@dataclass
class Tracked:
    """Filled when the `tracked` block ends: the field-level changes that were recorded (empty: nothing was)."""

    changes: dict[str, list[Any]] = field(default_factory=dict)


@asynccontextmanager
async def tracked(
    session: AsyncSession,
    obj: Any,
    *,
    actor: Actor,
    action: str,
    fields: tuple[str, ...],
    target: Callable[[], Target],
    extra: dict[str, list[Any]] | None = None,
    created: bool = False,
    touch: bool = False,
    when_changed: Callable[[], Awaitable[None]] | None = None,
) -> AsyncIterator[Tracked]:
    """Snapshot `obj`, let the block change it, diff, and, when anything changed, record the event and its
    change-feed entry. `target` is called after the flush, so it sees the new version and area.
    `created`: the object is new (empty before-image). `touch`: set `updated_at` when anything changed;
    `when_changed`: run (e.g. to refresh a parent's summary) before the event is recorded, only if anything did.
    When the target's region differs after the block, the feed gets a tombstone for the old one."""
    before = {} if created else snapshot(obj, fields)
    region_before = None if created else target().region_code
    result = Tracked()
    yield result
    result.changes = diff(before, snapshot(obj, fields))
    if result.changes and touch:
        obj.updated_at = utcnow()
    await session.flush()
    if result.changes and when_changed is not None:
        await when_changed()
    if result.changes:
        await record_on(
            session,
            target(),
            actor=actor,
            action=action,
            changes={**(extra or {}), **result.changes},
            moved_from=region_before,
        )
