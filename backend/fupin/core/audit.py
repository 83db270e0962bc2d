"""Hash-chained audit trail and the gap-free change feed, written in the caller's transaction.

Numbers come from a counter row bumped with UPDATE ... RETURNING: the row lock is held until commit, so
sequence numbers follow commit order on PostgreSQL and SQLite alike and a reader never sees a gap fill later.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fupin.core.context import current_request_context
from fupin.core.models import Base, JSONType, utcnow

GENESIS_HASH = "0" * 64


class ChainHead(Base):
    __tablename__ = "chain_heads"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    actor_type: Mapped[str] = mapped_column(String(12), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(12))
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "seq"),)


class ChangeEntry(Base):
    __tablename__ = "change_feed"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    version: Mapped[int | None] = mapped_column(BigInteger)
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str | None] = mapped_column(Text)


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
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | None,
    region_code: str | None,
    changes: dict[str, Any],
    *,
    feed: bool = True,
    version: int | None = None,
    summary: str | None = None,
    subject_id: str | None = None,
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
