"""Tables of the audit trail (hash-chained events), its chain heads and the gap-free change feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, JSONType

GENESIS_HASH = "0" * 64


PRUNED = "feed_pruned"  # the chain head whose last_seq is the highest change-feed entry pruned (0: none)


class ChainHead(Base):
    __tablename__ = "chain_heads"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)


class AuditEvent(AreaScoped, Base):
    __tablename__ = "audit_events"
    __area_column__ = "region_code"
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
    # The version of the entity the write produced, and the change-feed entries it wrote (first seq, how many and
    # a digest of them), all hashed into the event. feed_count NULL: recorded before the feed was linked into the
    # chain (migration 0004); such events are hashed over the columns above only.
    version: Mapped[int | None] = mapped_column(BigInteger)
    feed_seq: Mapped[int | None] = mapped_column(BigInteger)
    feed_count: Mapped[int | None] = mapped_column(Integer)
    feed_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "seq"),)


class ChangeEntry(AreaScoped, Base):
    __tablename__ = "change_feed"
    __area_column__ = "region_code"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    version: Mapped[int | None] = mapped_column(BigInteger)
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str | None] = mapped_column(Text)
    # since migration 0006 (NULL tombstone: an entry from before, digested without these columns)
    external_id: Mapped[str | None] = mapped_column(String(80))
    source_system: Mapped[str | None] = mapped_column(String(40))
    tombstone: Mapped[bool | None] = mapped_column(Boolean)
