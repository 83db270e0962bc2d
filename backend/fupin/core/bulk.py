"""Many rows into one table, in the caller's transaction: COPY on PostgreSQL (the ids drawn from the table's own
sequence first, so concurrent writers never collide), one multi-row INSERT on SQLite. The rows are completed
with the columns' own defaults first, so what is stored is what an ORM insert would store."""

from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.values import json_default


def completed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with every column: what the ORM would fill from the column's Python-side default, else null."""
    for column in table.columns:
        if column.key in row or column.primary_key:
            continue
        default: Any = column.default
        if default is not None and default.is_scalar:
            row[column.key] = default.arg
        elif default is not None and default.is_callable:
            row[column.key] = default.arg(None)
        else:
            row[column.key] = None
    return row


class JsonText(str):
    """A JSON column's value as JSON text already: COPY writes it as it is (PostgreSQL only)."""

    __slots__ = ()


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, default=json_default, ensure_ascii=False)
    return value


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], *, with_ids: bool = False
) -> list[int]:
    """Insert the rows (every dict with the same keys); with_ids: set and return the new primary keys in order."""
    if not rows:
        return []
    for row in rows:
        completed(table, row)
    if session.get_bind().dialect.name != "postgresql":
        if with_ids:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = [int(r[0]) for r in (await session.execute(stmt, list(rows))).all()]
            for row, new_id in zip(rows, ids, strict=True):
                row["id"] = new_id
            return ids
        await session.execute(insert(table), list(rows))
        return []
    ids = []
    if with_ids:
        ids = [
            int(i)
            for i in (
                await session.execute(
                    text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                    {"table": table.name, "n": len(rows)},
                )
            ).scalars()
        ]
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
    columns = list(rows[0])
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    values = operator.itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    # only JSON columns hold dicts and lists (as text for COPY); every other value goes as it is
    documents = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    try:
        async with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                if documents:
                    cells = list(values(row))
                    for i in documents:
                        cells[i] = _copy_value(cells[i])
                    await copy.write_row(cells)
                else:
                    await copy.write_row(values(row))
    except psycopg.errors.IntegrityError as exc:
        # as SQLAlchemy reports a refused INSERT, so a unique index answers with its registered problem
        # (core.errors.constraint_problem) and callers catch one kind of error on both databases
        raise IntegrityError(sql, None, exc) from exc
    return ids
