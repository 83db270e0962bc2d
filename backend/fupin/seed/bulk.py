"""Bulk loading for seeds and benchmarks: COPY on PostgreSQL, executemany on SQLite.

Each batch of a load is one audit event (who, when, how many) that writes the batch's change-feed entries, one per
household, through the same builders as every other write (`fupin.audit.chain.record_sync`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, create_engine, func, select, text
from sqlalchemy.engine import Engine

from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem, to_jsonable
from fupin.audit.models import ChangeEntry
from fupin.core.models import utcnow
from fupin.households import stats
from fupin.households.models import Assessment, Household, Income, Member, StatusChange, VillageSequence
from fupin.seed.generator import GeneratedHousehold

HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
MEMBERS: Table = Member.__table__  # type: ignore[assignment]
INCOMES: Table = Income.__table__  # type: ignore[assignment]
ASSESSMENTS: Table = Assessment.__table__  # type: ignore[assignment]
STATUS_CHANGES: Table = StatusChange.__table__  # type: ignore[assignment]
CHANGES: Table = ChangeEntry.__table__  # type: ignore[assignment]


def sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")


def sync_engine(url: str) -> Engine:
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return value


class Writer:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0].keys())
        if self.pg:
            pg: Any = self.conn.connection.dbapi_connection
            with (
                pg.cursor() as cur,
                cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(tuple(_copy_value(row[c]) for c in columns))
        else:
            # SQLite: the column types' own bind processors, then one plain executemany (several times faster
            # than the ORM-neutral path, and the stored text is exactly what SQLAlchemy would have written).
            dialect = self.conn.dialect
            processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
            params = [
                tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors, strict=True)) for row in rows
            ]
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            raw: Any = self.conn.connection.dbapi_connection
            raw.cursor().executemany(sql, params)

    def sync_sequences(self, *tables: Table) -> None:
        """PostgreSQL: move the tables' id sequences past the ids written with them (SQLite needs nothing)."""
        if not self.pg:
            return
        for table in tables:
            self.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                )
            )


def _max_id(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


@dataclass
class LoadReport:
    households: int
    members: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0


def load(
    conn: Connection,
    households: Iterable[GeneratedHousehold],
    batch_size: int = 5000,
    actor_name: str = "fupin seed",
) -> LoadReport:
    """Insert generated households in batches, inside the caller's transaction.

    Into an empty register the secondary indexes are dropped first and built once at the end (one sort instead
    of millions of index insertions); constraints stay in force throughout."""
    started = time.perf_counter()
    writer = Writer(conn)
    tables = (HOUSEHOLDS, MEMBERS, INCOMES, ASSESSMENTS, STATUS_CHANGES, CHANGES)
    empty = _max_id(conn, HOUSEHOLDS) == 0
    keep = {"ix_households_head_member_id"}  # needed while the deferred head-member checks resolve
    rebuild = [index for table in tables for index in table.indexes if index.name not in keep] if empty else []
    for index in rebuild:
        index.drop(conn)
    if writer.pg:
        conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    else:
        conn.execute(text("PRAGMA defer_foreign_keys = ON"))
    next_household = _max_id(conn, HOUSEHOLDS) + 1
    next_member = _max_id(conn, MEMBERS) + 1
    next_income = _max_id(conn, INCOMES) + 1
    next_assessment = _max_id(conn, ASSESSMENTS) + 1
    next_status = _max_id(conn, STATUS_CHANGES) + 1
    total_households = total_members = 0
    village_max: dict[str, int] = {}
    now = utcnow()
    batch: list[GeneratedHousehold] = []

    def flush(items: list[GeneratedHousehold]) -> None:
        nonlocal next_household, next_member, next_income, next_assessment, next_status
        nonlocal total_households, total_members
        hh_rows, member_rows, income_rows, assessment_rows, status_rows = [], [], [], [], []
        feed: list[FeedItem] = []
        for g in items:
            hid = next_household
            next_household += 1
            head_id = next_member
            for m in g.members:
                member_rows.append(
                    {
                        "id": next_member,
                        "household_id": hid,
                        **m,
                        "active": True,
                        "added_reason": "initial",
                        "added_on": g.values["first_identified_on"],
                        "removed_reason": None,
                        "removed_on": None,
                        "removal_note": None,
                        "version": 1,
                        "source_system": None,
                        "external_id": None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                next_member += 1
            hh_rows.append(
                {
                    "id": hid,
                    "public_id": g.public_id,
                    "household_number": g.household_number,
                    "village_code": g.village_code,
                    **g.values,
                    "head_member_id": head_id,
                    "head_name": g.members[0]["name"],
                    "version": 1,
                    "source_system": None,
                    "external_id": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for inc in g.incomes:
                income_rows.append(
                    {
                        "id": next_income,
                        "household_id": hid,
                        "transfer_details": {},
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        **inc,
                    }
                )
                next_income += 1
            for a in g.assessments:
                assessment_rows.append(
                    {
                        "id": next_assessment,
                        "household_id": hid,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        **a,
                    }
                )
                next_assessment += 1
            for sc in g.status_changes:
                status_rows.append(
                    {
                        "id": next_status,
                        "household_id": hid,
                        "evaluation": None,
                        "actor_name": actor_name,
                        "occurred_at": now,
                        **sc,
                    }
                )
                next_status += 1
            feed.append(FeedItem("household", str(g.public_id), "created", g.village_code, 1, "seed"))
            seq = int(g.household_number[12:])
            village_max[g.village_code] = max(village_max.get(g.village_code, 0), seq)
        writer.insert(HOUSEHOLDS, hh_rows)
        writer.insert(MEMBERS, member_rows)
        writer.insert(INCOMES, income_rows)
        writer.insert(ASSESSMENTS, assessment_rows)
        writer.insert(STATUS_CHANGES, status_rows)
        chain.record_sync(
            conn,
            actor=Actor("system", None, actor_name),
            action="seed.bulk_load",
            entity_type="household",
            entity_id=None,
            region_code=None,
            changes={"households": [None, len(hh_rows)], "members": [None, len(member_rows)]},
            feed=feed,
            insert_feed=lambda rows: writer.insert(CHANGES, rows),
        )
        total_households += len(hh_rows)
        total_members += len(member_rows)

    for g in households:
        batch.append(g)
        if len(batch) >= batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    seq_table: Table = VillageSequence.__table__  # type: ignore[assignment]
    existing = dict(conn.execute(select(seq_table.c.village_code, seq_table.c.last_value)).all())
    for village, value in village_max.items():
        if village in existing:
            conn.execute(
                seq_table.update()
                .where(seq_table.c.village_code == village)
                .values(last_value=max(value, existing[village]))
            )
        else:
            conn.execute(seq_table.insert().values(village_code=village, last_value=value))
    if rebuild and writer.pg:
        conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # run the deferred checks before building indexes
    for index in rebuild:
        index.create(conn)
    stats.rebuild(conn)
    writer.sync_sequences(HOUSEHOLDS, MEMBERS, INCOMES, ASSESSMENTS, STATUS_CHANGES)
    return LoadReport(total_households, total_members, time.perf_counter() - started)


def record_sync(
    conn: Connection,
    actor_name: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
    region_code: str | None,
    changes: dict[str, Any],
) -> int:
    """An audit event of command-line work (no change-feed entry): `fupin.audit.chain.record_sync`."""
    return chain.record_sync(
        conn,
        actor=Actor("system", None, actor_name),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        region_code=region_code,
        changes=changes,
    )
