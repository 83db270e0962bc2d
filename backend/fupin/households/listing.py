"""The household list (the busiest request of the register) on the shared read path (`core.readpath`): one
compiled statement per filter shape, keyset pages, JSON bytes straight from the rows."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Integer, Select, String, bindparam, exists, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope
from fupin.core.errors import ProblemError
from fupin.core.pagination import decode_cursor, encode_cursor
from fupin.core.pii import sql_masked
from fupin.core.readpath import ReadPath, ReadQuery
from fupin.households.models import Household, Member
from fupin.regions.models import Region

_HEAD = aliased(Member)
_UPDATED_AT_TYPE = Household.__table__.c.updated_at.type


@dataclass(frozen=True)
class HouseholdFilters:
    status: list[str] | None = None
    attribute: str | None = None
    main_cause: str | None = None
    identified_year: int | None = None
    exit_year: int | None = None
    q: str | None = None
    member_health: str | None = None
    member_labour: str | None = None


def _columns() -> Select[Any]:
    stmt: Any = (
        select(
            Household.public_id.label("id"),
            Household.household_number,
            Household.village_code,
            Region.name.label("village_name"),
            Household.head_name,
            # lists always mask: full numbers are read one household at a time, audited
            sql_masked("id_number", _HEAD.id_number).label("head_id_number"),
            Household.member_count,
            Household.status,
            Household.attribute,
            Household.main_cause,
            Household.first_identified_on,
            Household.exit_year,
            Household.updated_at,
            Household.version,
            Household.id.label("pk"),
        )
        .join(Region, Region.code == Household.village_code)
        .outerjoin(_HEAD, _HEAD.id == Household.head_member_id)
    )
    return stmt


def _member_exists(*conditions: Any) -> Any:
    return exists(select(Member.id).where(Member.household_id == Household.id, Member.active.is_(True), *conditions))


@dataclass(frozen=True)
class Shape:
    """What a list request's statement depends on: which filters are present (not their values), the sort,
    whether a cursor is given."""

    statuses: int
    filters: tuple[str, ...]
    sort: str
    cursor: bool


def filter_conditions(statuses: int, filters: tuple[str, ...]) -> list[Any]:
    """The WHERE conditions of the list's filters (`statuses` status values, the other filters present), with
    the bind parameters `bind_filters` fills: the household list and the household export filter alike."""
    conditions: list[Any] = []
    if statuses:
        conditions.append(Household.status.in_([bindparam(f"status_{i}") for i in range(statuses)]))
    present = set(filters)
    if "attribute" in present:
        conditions.append(Household.attribute == bindparam("attribute"))
    if "main_cause" in present:
        conditions.append(Household.main_cause == bindparam("main_cause"))
    if "identified_year" in present:
        conditions.append(Household.identified_year == bindparam("identified_year", type_=Integer))
    if "exit_year" in present:
        conditions.append(Household.exit_year == bindparam("exit_year", type_=Integer))
    if "q" in present:
        conditions.append(_member_exists(or_(Member.name == bindparam("q"), Member.id_number == bindparam("q_id"))))
    if "member_health" in present:
        conditions.append(_member_exists(Member.health == bindparam("member_health")))
    if "member_labour" in present:
        conditions.append(_member_exists(Member.labour == bindparam("member_labour")))
    return conditions


def bind_filters(filters: HouseholdFilters) -> tuple[int, tuple[str, ...], dict[str, Any]]:
    """What a statement of `filter_conditions` depends on (how many statuses, which other filters are present)
    and the values to bind."""
    present = tuple(
        f.name for f in fields(filters) if f.name != "status" and getattr(filters, f.name) not in (None, "")
    )
    values: dict[str, Any] = {name: getattr(filters, name) for name in present}
    if filters.q:
        values["q_id"] = filters.q.upper()
    for i, status in enumerate(filters.status or ()):
        values[f"status_{i}"] = status
    return len(filters.status or ()), present, values


def _filtered(shape: Shape) -> Select[Any]:
    return _columns().where(*filter_conditions(shape.statuses, shape.filters))


def _keys(sort: str) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    if sort.lstrip("-") == "household_number":
        return (Household.village_code, Household.household_number), (
            bindparam("after_1", type_=String()),
            bindparam("after_2", type_=String()),
        )
    return (Household.updated_at, Household.id), (
        bindparam("after_1", type_=_UPDATED_AT_TYPE),
        bindparam("after_2", type_=Integer()),
    )


def _page_statement(shape: Shape) -> Select[Any]:
    stmt = _filtered(shape)
    keys, after = _keys(shape.sort)
    descending = shape.sort.startswith("-")
    if shape.cursor:
        stmt = stmt.where(tuple_(*keys) < tuple_(*after) if descending else tuple_(*keys) > tuple_(*after))
    order = [k.desc() for k in keys] if descending else list(keys)
    return stmt.order_by(*order).limit(bindparam("limit", type_=Integer()))


def _count_over(scoped: Select[Any]) -> Select[Any]:
    return select(func.count().label("total")).select_from(scoped.with_only_columns(Household.id).subquery())


_PAGE_QUERIES: dict[Shape, ReadQuery] = {}
_COUNT_QUERIES: dict[Shape, ReadQuery] = {}


def _queries(shape: Shape) -> tuple[ReadQuery, ReadQuery]:
    page = _PAGE_QUERIES.get(shape)
    if page is None:
        page = _PAGE_QUERIES[shape] = ReadQuery(
            ("households", shape), lambda: _page_statement(shape), lambda: Household.village_code
        )
        count_shape = Shape(shape.statuses, shape.filters, "household_number", False)
        _COUNT_QUERIES[shape] = ReadQuery(
            ("households-count", count_shape),
            lambda: _filtered(count_shape),
            lambda: Household.village_code,
            wrap=_count_over,
        )
    return page, _COUNT_QUERIES[shape]


def _cursor_kind(sort: str) -> str:
    base = "hh_number" if sort.lstrip("-") == "household_number" else "hh_updated"
    return base + ("_desc" if sort.startswith("-") else "_asc")


def _cursor_values(cursor: str, kind: str) -> list[Any]:
    values = decode_cursor(cursor, kind)
    try:
        if len(values) != 2:
            raise ValueError
        if kind.startswith("hh_updated"):
            return [datetime.fromisoformat(str(values[0])), int(values[1])]
        return [str(values[0]), str(values[1])]
    except (TypeError, ValueError):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")


async def page_json(
    read: ReadPath,
    scope: AreaScope,
    filters: HouseholdFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    include_total: bool,
) -> bytes:
    """One keyset page as the JSON of `HouseholdPage`: the cursor is the sort key of the last row, so a deep page
    costs what page 1 costs. `scope` is the caller's, narrowed to the region filter."""
    statuses, present, values = bind_filters(filters)
    shape = Shape(statuses, present, sort, bool(cursor))
    kind = _cursor_kind(sort)
    if cursor:
        values["after_1"], values["after_2"] = _cursor_values(cursor, kind)
    page_query, count_query = _queries(shape)
    rows = await read.fetch(page_query, scope, {**values, "limit": limit + 1})
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if kind.startswith("hh_number"):
            next_cursor = encode_cursor(kind, [last["village_code"], last["household_number"]])
        else:
            next_cursor = encode_cursor(kind, [last["updated_at"].isoformat(), last["pk"]])
    total = None
    if include_total:
        total = int(await read.scalar(count_query, scope, values) or 0)
    for row in rows:
        del row["pk"]  # the last column, used for the cursor only: the rest are HouseholdSummary's fields in order
    return to_json({"items": rows, "next_cursor": next_cursor, "total": total})
