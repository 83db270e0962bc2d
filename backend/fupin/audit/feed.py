"""What the change feed says about a write: the entries an audit event writes, their columns and their digest
(hashed into the event, so the feed is inside the audit chain), and the one rule for tombstones.

Tombstones (docs/integration/changes.md): an entry with `tombstone: true` says "this entity is no longer in
`region_code`". It is written
- when an entity moves to another region (a household to another village): first a `moved_out` tombstone for
  the old region, then the write's own entry for the new one (readers of the old area see only the tombstone,
  readers of the new area the normal entry, readers of both see both, in that order);
- when a write takes the entity out of every scope while it stays in the register: the write's own entry is
  the tombstone (the target says so: a household 注销 `removed`, a member who left the household).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fupin.audit.values import json_default

# the columns digested into the event for entries written before migration 0006 (tombstone NULL) ...
FEED_FIELDS_V1 = (
    "seq",
    "occurred_at",
    "entity_type",
    "entity_id",
    "action",
    "region_code",
    "version",
    "audit_seq",
    "summary",
)
# ... and since
FEED_FIELDS = (*FEED_FIELDS_V1, "external_id", "source_system", "tombstone")
MOVED_OUT = "moved_out"


def canonical(value: Any) -> str:
    """The value as the canonical JSON the hashes cover (decimals and dates as strings: `to_jsonable`)."""
    return json.dumps(value, default=json_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(values: list[Any]) -> str:
    """SHA-256 of the values as canonical JSON. The dicts among them have text keys: an event's changes went
    through `to_jsonable` when the event was built, or come back from the database's JSON."""
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def digest_with(values: list[Any], *, at: int, text: str) -> str:
    """`digest` of the values with the one at `at` given as its canonical JSON already (`text`): the same hash,
    without encoding that value again (an event's changes, written as that text too)."""
    before = canonical(values[:at])[:-1]  # "[a,b" or "["
    after = canonical(values[at + 1 :])[1:]  # "c,d]" or "]"
    parts = [before, "," if at else "", text, "," if at + 1 < len(values) else "", after]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def entry_digest_fields(entry: Mapping[Any, Any]) -> tuple[str, ...]:
    """The columns of one entry its event's digest covers: all of them, but only the first nine for entries from
    before migration 0006 (they have no tombstone value; every entry written since has true or false)."""
    return FEED_FIELDS_V1 if entry["tombstone"] is None else FEED_FIELDS


def feed_digest(entries: Sequence[Mapping[Any, Any]]) -> str:
    """SHA-256 over the change-feed entries of one event, every column, in seq order."""
    return digest([[entry[name] for name in entry_digest_fields(entry)] for entry in entries])


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One change-feed entry to write, before it has its number."""

    entity_type: str
    entity_id: str
    action: str  # the feed's verb: created, updated, ..., moved_out
    region_code: str | None
    version: int | None
    summary: str | None = None
    external_id: str | None = None
    source_system: str | None = None
    tombstone: bool = False


def items_for(
    *,
    entity_type: str,
    entity_id: str,
    action: str,
    region_code: str | None,
    version: int | None,
    summary: str | None = None,
    external_id: str | None = None,
    source_system: str | None = None,
    tombstone: bool = False,
    moved_from: str | None = None,
) -> list[FeedItem]:
    """The entries of one write (the tombstone rule above): `action` is the audit action (`household.updated`),
    `moved_from` the entity's region before the write when it may have changed."""
    items: list[FeedItem] = []
    if moved_from is not None and moved_from != region_code:
        items.append(
            FeedItem(
                entity_type=entity_type,
                entity_id=entity_id,
                action=MOVED_OUT,
                region_code=moved_from,
                version=version,
                summary=summary,
                external_id=external_id,
                source_system=source_system,
                tombstone=True,
            )
        )
    verb = action.rsplit(".", 1)[-1]
    items.append(
        FeedItem(
            entity_type=entity_type,
            entity_id=entity_id,
            action=verb,
            region_code=region_code,
            version=version,
            summary=summary,
            external_id=external_id,
            source_system=source_system,
            tombstone=tombstone,
        )
    )
    return items


def feed_entries(
    items: Sequence[FeedItem], *, first_seq: int, audit_seq: int, occurred_at: datetime
) -> list[dict[str, Any]]:
    """The change_feed rows of `items`, numbered from `first_seq`, all belonging to audit event `audit_seq`."""
    return [
        {
            "seq": first_seq + offset,
            "occurred_at": occurred_at,
            "entity_type": item.entity_type,
            "entity_id": item.entity_id,
            "action": item.action,
            "region_code": item.region_code,
            "version": item.version,
            "audit_seq": audit_seq,
            "summary": item.summary,
            "external_id": item.external_id,
            "source_system": item.source_system,
            "tombstone": item.tombstone,
        }
        for offset, item in enumerate(items)
    ]
