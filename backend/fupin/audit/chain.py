"""The one way to record a change: a hash-chained audit event and a change-feed entry, in the caller's transaction.

Numbers come from a counter row bumped with UPDATE ... RETURNING: the row lock is held until commit, so
sequence numbers follow commit order on PostgreSQL and SQLite alike and a reader never sees a gap fill later.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.models import GENESIS_HASH, AuditEvent, ChainHead, ChangeEntry
from fupin.core.context import current_request_context
from fupin.core.models import utcnow


@dataclass(frozen=True)
class Actor:
    """Who does a write. Principals convert themselves with `as_actor()`; the CLI uses `system_actor`."""

    type: str
    id: str | None
    name: str | None


SYSTEM_ACTOR = Actor("system", None, "system")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level [before, after] pairs for the fields that changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    out: dict[str, list[Any]] = {}
    for key in keys:
        b, a = to_jsonable(before.get(key)), to_jsonable(after.get(key))
        if b != a:
            out[key] = [b, a]
    return out


HASHED_FIELDS = (
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


def event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over every column of the event (and so over the previous event's hash)."""
    body = json.dumps(
        [to_jsonable(fields[name]) for name in HASHED_FIELDS],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


async def _next(session: AsyncSession, name: str) -> tuple[int, str]:
    row = (
        await session.execute(
            update(ChainHead)
            .where(ChainHead.name == name)
            .values(last_seq=ChainHead.last_seq + 1)
            .returning(ChainHead.last_seq, ChainHead.last_hash)
        )
    ).one_or_none()
    if row is None:
        raise RuntimeError(f"chain head {name!r} missing: run the migrations")
    return int(row[0]), str(row[1])


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
) -> int:
    """Append one audit event and (for data writes) one change-feed entry. Returns the audit seq."""
    ctx = current_request_context()
    now = utcnow()
    changes = to_jsonable(changes)
    seq, prev_hash = await _next(session, "audit")
    fields = dict(
        seq=seq,
        occurred_at=now,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        region_code=region_code,
        subject_id=subject_id or entity_id,
        changes=changes,
        prev_hash=prev_hash,
    )
    digest = event_hash(fields)
    session.add(AuditEvent(**fields, hash=digest))
    await session.execute(update(ChainHead).where(ChainHead.name == "audit").values(last_hash=digest))
    if feed and entity_id is not None:
        change_seq, _ = await _next(session, "changes")
        session.add(
            ChangeEntry(
                seq=change_seq,
                occurred_at=now,
                entity_type=entity_type,
                entity_id=entity_id,
                action=action.rsplit(".", 1)[-1],
                region_code=region_code,
                version=version,
                audit_seq=seq,
                summary=summary,
            )
        )
    await session.flush()
    return seq


@dataclass(frozen=True, slots=True)
class Target:
    """What an event is about: the entity, its area, the trail it joins (`subject_id`, e.g. its household's id,
    so measures, visits and findings show on the household's 操作记录) and the entity's version."""

    entity_type: str
    entity_id: str
    region_code: str | None
    subject_id: str | None = None
    version: int | None = None


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
) -> int:
    """`record` for a `Target`."""
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
    `when_changed`: run (e.g. to refresh a parent's summary) before the event is recorded, only if anything did."""
    before = {} if created else snapshot(obj, fields)
    result = Tracked()
    yield result
    result.changes = diff(before, snapshot(obj, fields))
    if result.changes and touch:
        obj.updated_at = utcnow()
    await session.flush()
    if result.changes and when_changed is not None:
        await when_changed()
    if result.changes:
        await record_on(session, target(), actor=actor, action=action, changes={**(extra or {}), **result.changes})


@dataclass
class VerifyResult:
    checked: int
    first_bad_seq: int | None
    reason: str | None


async def verify_chain(session: AsyncSession, batch: int = 5000) -> VerifyResult:
    prev = GENESIS_HASH
    checked = 0
    last_seq = 0
    expected_seq = 1
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(checked, expected_seq, "missing event (gap in sequence)")
            if ev.prev_hash != prev:
                return VerifyResult(checked, ev.seq, "chain link broken (prev_hash mismatch)")
            digest = event_hash({name: getattr(ev, name) for name in HASHED_FIELDS})
            if digest != ev.hash:
                return VerifyResult(checked, ev.seq, "content altered (hash mismatch)")
            prev = ev.hash
            checked += 1
            expected_seq += 1
            last_seq = ev.seq
        session.expunge_all()
    head = (await session.execute(text("SELECT last_seq, last_hash FROM chain_heads WHERE name='audit'"))).one()
    if int(head[0]) != last_seq:
        return VerifyResult(checked, last_seq + 1, "events deleted after the last one kept")
    if checked and head[1] != prev:
        return VerifyResult(checked, last_seq, "chain head does not match the last event")
    return VerifyResult(checked, None, None)
