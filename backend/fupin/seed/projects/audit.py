"""The audit events of the demo projects (`seed.projects`): one per project and kind of record written, on the
project's trail, with its change-feed entries; the measures created or linked in one event of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem

if TYPE_CHECKING:
    from fupin.seed.projects.seeder import Rows

SEED_ACTOR = Actor("system", None, "fupin seed")


def record(conn: Connection, rows: Rows) -> None:
    # one event per project and kind of record written (a change-feed entry names its event's entity type), on the
    # project's trail; the measures created or linked in one event of their own
    measures: list[FeedItem] = []
    for event in rows.events:
        groups: dict[str, list[FeedItem]] = {}
        for item in event["feed"]:
            if item.entity_type == "measure":
                measures.append(item)
            else:
                groups.setdefault(item.entity_type, []).append(item)
        for entity_type, items in groups.items():
            chain.record_sync(
                conn,
                actor=SEED_ACTOR,
                action="seed.projects",
                entity_type=entity_type,
                entity_id=None,
                subject_id=event["entity_id"],
                region_code=event["region_code"],
                changes=event["changes"] if entity_type == "project" else {f"{entity_type}s": [None, len(items)]},
                feed=items,
            )
    if measures:
        chain.record_sync(
            conn,
            actor=SEED_ACTOR,
            action="seed.projects",
            entity_type="measure",
            entity_id=None,
            region_code=None,
            changes={
                "measures_created": [None, len(rows.new_measures)],
                "measures_linked": [None, len(rows.linked_measures)],
            },
            feed=measures,
        )
