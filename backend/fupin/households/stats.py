"""Maintenance of the per-village summary (household_stats) that the dashboard reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row, String, cast, delete, func, insert, literal, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.households.models import Household, HouseholdStat

EXITED = ("exited_with_policy", "exited_no_policy")
Key = tuple[str, str, str]  # village, dimension, value
Snapshot = tuple[tuple[Key, ...], int]


def snapshot(h: Household | Row[Any] | SimpleNamespace) -> Snapshot:
    keys: list[Key] = [
        (h.village_code, "status", h.status),
        (h.village_code, "attribute", h.attribute),
        (h.village_code, "main_cause", h.main_cause),
    ]
    if h.exit_year and h.status in EXITED:
        keys.append((h.village_code, "exit_year", str(h.exit_year)))
    return tuple(keys), h.member_count


_UPSERT_ARRAYS = text(
    "INSERT INTO household_stats (village_code, dimension, value, households, people) "
    "SELECT * FROM unnest(CAST(:villages AS varchar[]), CAST(:dimensions AS varchar[]), CAST(:values AS varchar[]), "
    "CAST(:households AS integer[]), CAST(:people AS integer[])) "
    "ON CONFLICT (village_code, dimension, value) DO UPDATE SET "
    "households = household_stats.households + excluded.households, people = household_stats.people + excluded.people"
)


async def _add(session: AsyncSession, deltas: list[tuple[Key, int, int]]) -> None:
    """Add the deltas to their summary rows in one statement (one round trip per household write, not one per
    dimension); the rows go in the order given, so concurrent writers lock them in the same order. On PostgreSQL
    the rows travel as arrays: the same short statement for an import's thousand villages as for one household."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(
            _UPSERT_ARRAYS,
            {
                "villages": [village for (village, _, _), _, _ in deltas],
                "dimensions": [dimension for (_, dimension, _), _, _ in deltas],
                "values": [value for (_, _, value), _, _ in deltas],
                "households": [households for _, households, _ in deltas],
                "people": [people for _, _, people in deltas],
            },
        )
        return
    upsert = sqlite_insert(HouseholdStat).values(
        [
            {
                "village_code": village,
                "dimension": dimension,
                "value": value,
                "households": households,
                "people": people,
            }
            for (village, dimension, value), households, people in deltas
        ]
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["village_code", "dimension", "value"],
            set_={
                "households": HouseholdStat.households + upsert.excluded.households,
                "people": HouseholdStat.people + upsert.excluded.people,
            },
        )
    )


async def move(session: AsyncSession, before: Snapshot | None, household: Household) -> None:
    """Account for one household's change from `before` (None when new) to its current state."""
    await move_many(session, [(before, snapshot(household))])


async def move_many(session: AsyncSession, moves: Sequence[tuple[Snapshot | None, Snapshot]]) -> None:
    """Account for many households' changes (before: None when new) in one statement."""
    delta_households: Counter[Key] = Counter()
    delta_people: Counter[Key] = Counter()
    for before, after in moves:
        if before == after:
            continue
        if before is not None:
            for key in before[0]:
                delta_households[key] -= 1
                delta_people[key] -= before[1]
        for key in after[0]:
            delta_households[key] += 1
            delta_people[key] += after[1]
    deltas = [
        (key, delta_households[key], delta_people[key])
        for key in sorted(set(delta_households) | set(delta_people))  # a fixed order: no lock-order deadlocks
        if delta_households[key] or delta_people[key]
    ]
    if deltas:
        await _add(session, deltas)


SUMMARY_COLUMNS = ["village_code", "dimension", "value", "households", "people"]


def summary_inserts(villages: Any = None) -> list[Any]:
    """The INSERT ... SELECTs that recompute the summary from the register, for the villages matched by the
    `villages` condition on `Household.village_code` (None: all). `rebuild` and the stats.rebuild job use them."""
    exited = Household.status.in_(EXITED) & Household.exit_year.isnot(None)
    statements = []
    for dimension, column, where in (
        ("status", Household.status, None),
        ("attribute", Household.attribute, None),
        ("main_cause", Household.main_cause, None),
        ("exit_year", cast(Household.exit_year, String), exited),
    ):
        query = select(
            Household.village_code, literal(dimension), column, func.count(), func.sum(Household.member_count)
        )
        for condition in (where, villages):
            if condition is not None:
                query = query.where(condition)
        query = query.group_by(Household.village_code, column)
        statements.append(insert(HouseholdStat).from_select(SUMMARY_COLUMNS, query))
    return statements


def rebuild(conn: Connection) -> None:
    """Recompute the whole summary from the register (after bulk loads, or to repair)."""
    conn.execute(delete(HouseholdStat))
    for statement in summary_inserts():
        conn.execute(statement)
