"""The finding list on the shared read path (`core.readpath`): one compiled statement per filter shape, newest
first, keyset pages by row key. `overdue` is derived from the deadline and the configured day
(`findings.clock.today()`), in SQL for the filter and per row for the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Date, Integer, String, bindparam, func, not_, select

from fupin.authz.scope import AreaScope
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath, query_family
from fupin.findings import clock
from fupin.findings.models import Finding
from fupin.findings.schemas import FindingFilters

FILTERS = ("state", "source", "batch", "category", "responsible_unit", "warning", "year", "q")
_TYPES: dict[str, Any] = {
    "state": String(),
    "source": String(),
    "batch": String(),
    "category": String(),
    "responsible_unit": String(),
    "warning": String(),
    "year": Integer(),
    "q": String(),
}
CURSOR_KIND = "findings"


def columns() -> list[Any]:
    """The columns of `FindingFields`, in its order (overdue computed per row), and the row key last."""
    return [
        Finding.public_id.label("id"),
        Finding.year,
        Finding.number,
        Finding.source,
        Finding.batch,
        Finding.category,
        Finding.severity,
        Finding.timeframe,
        Finding.description,
        Finding.region_code,
        Finding.lead_unit,
        Finding.responsible_unit,
        Finding.responsible_person,
        Finding.raised_on,
        Finding.deadline,
        Finding.state,
        Finding.state_reason,
        Finding.rectification,
        Finding.closed_by,
        Finding.closed_on,
        Finding.reopened,
        Finding.overdue_days,
        Finding.warning,
        Finding.escalated_to,
        Finding.paused,
        Finding.source_system,
        Finding.external_id,
        Finding.version,
        Finding.created_at,
        Finding.updated_at,
        Finding.id.label("pk"),
    ]


def _overdue() -> Any:
    return (Finding.deadline < bindparam("today", type_=Date())) & (Finding.state != "closed")


def conditions(present: tuple[str, ...]) -> list[Any]:
    where: list[Any] = []
    for name in present:
        if name == "overdue":
            where.append(_overdue())
        elif name == "not_overdue":
            where.append(not_(_overdue()))
        elif name == "no_warning":
            where.append(Finding.warning.is_(None))
        elif name == "q":
            param = bindparam(name, type_=_TYPES[name])
            where.append(Finding.description.like(param, escape="\\") | Finding.batch.like(param, escape="\\"))
        else:
            where.append(getattr(Finding, name) == bindparam(name, type_=_TYPES[name]))
    return where


def _page_statement(present: tuple[str, ...], after: bool) -> Any:
    stmt = select(*columns()).select_from(Finding).where(*conditions(present))
    if after:
        stmt = stmt.where(Finding.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Finding.id.desc()).limit(bindparam("limit", type_=Integer()))


def _count_statement(present: tuple[str, ...]) -> Any:
    return select(func.count().label("total")).select_from(Finding).where(*conditions(present))


def area() -> Any:
    return Finding.region_code


PAGE = query_family("findings", _page_statement, area)
COUNT = query_family("findings-count", _count_statement, area)


@dataclass(frozen=True, slots=True)
class Bound:
    present: tuple[str, ...]
    values: dict[str, Any]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def bind(filters: FindingFilters, today: date) -> Bound:
    present = [name for name in FILTERS if getattr(filters, name, None) is not None]
    values: dict[str, Any] = {name: getattr(filters, name) for name in present}
    if values.get("warning") == "none":
        present.remove("warning")
        present.append("no_warning")
        del values["warning"]
    if "q" in values:
        values["q"] = _like(values["q"])
    if filters.overdue is not None:
        present.append("overdue" if filters.overdue else "not_overdue")
        values["today"] = today
    return Bound(tuple(present), values)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def present_row(row: dict[str, Any], today: date) -> dict[str, Any]:
    row.pop("pk", None)
    row["reopened"] = bool(row["reopened"])
    row["paused"] = bool(row["paused"])
    row["overdue"] = row["state"] != "closed" and _day(row["deadline"]) < today
    return row


async def page_json(
    read: ReadPath,
    scope: AreaScope,
    filters: FindingFilters,
    *,
    limit: int,
    cursor: str | None,
    include_total: bool,
) -> bytes:
    """One page, newest first, as the JSON of `FindingPage`; `scope` is the caller's, narrowed to the region
    filter."""
    today = clock.today()
    bound = bind(filters, today)
    before = decode_key_cursor(cursor, CURSOR_KIND)
    values = {**bound.values, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    rows = await read.fetch(PAGE(bound.present, before is not None), scope, values)
    items, next_cursor = key_page(rows, limit, CURSOR_KIND)
    total = int(await read.scalar(COUNT(bound.present), scope, bound.values) or 0) if include_total else None
    return to_json({"items": [present_row(r, today) for r in items], "next_cursor": next_cursor, "total": total})
