"""The measure list, the household's measures and the export on the shared read path (`core.readpath`): one
compiled statement per filter shape, newest first, keyset pages by row key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Date, Integer, String, Uuid, bindparam, func, select
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope
from fupin.cadres.models import Cadre
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath, query_family
from fupin.households.models import Household, Member
from fupin.measures import health
from fupin.measures.models import Measure
from fupin.measures.schemas import MeasureFilters
from fupin.projects.models import Project

_MEMBER = aliased(Member)
_CADRE = aliased(Cadre)
FILTERS = ("type", "department", "status", "year", "planned_from", "planned_to", "household_id", "cadre")
_TYPES: dict[str, Any] = {
    "type": String(),
    "department": String(),
    "status": String(),
    "year": Integer(),
    "planned_from": Date(),
    "planned_to": Date(),
    "household_id": Uuid(),
    "cadre": Uuid(),
}


def columns() -> list[Any]:
    """The columns of `MeasureOut`, in its order, and the row key last."""
    return [
        Measure.public_id.label("id"),
        Household.public_id.label("household_id"),
        _MEMBER.public_id.label("member_id"),
        Measure.village_code,
        Measure.type,
        Measure.content,
        Measure.year,
        Measure.department,
        _CADRE.public_id.label("cadre_id"),
        Project.public_id.label("project_id"),
        Measure.amount,
        Measure.planned_on,
        Measure.done_on,
        Measure.status,
        Measure.status_reason,
        Measure.source_system,
        Measure.external_id,
        Measure.created_at,
        Measure.updated_at,
        Measure.version,
        Measure.id.label("pk"),
    ]


def conditions(present: tuple[str, ...]) -> list[Any]:
    where: list[Any] = []
    for name in present:
        param = bindparam(name, type_=_TYPES[name])
        if name == "planned_from":
            where.append(Measure.planned_on >= param)
        elif name == "planned_to":
            where.append(Measure.planned_on <= param)
        elif name == "household_id":
            where.append(Household.public_id == param)
        elif name == "cadre":
            where.append(_CADRE.public_id == param)
        else:
            where.append(getattr(Measure, name) == param)
    return where


def joined(stmt: Any) -> Any:
    return (
        stmt.select_from(Measure)
        .join(Household, Household.id == Measure.household_id)
        .outerjoin(_MEMBER, _MEMBER.id == Measure.member_id)
        .outerjoin(_CADRE, _CADRE.id == Measure.cadre_id)
        .outerjoin(Project, Project.id == Measure.project_id)
    )


def _page_statement(present: tuple[str, ...], after: bool) -> Any:
    stmt = joined(select(*columns())).where(*conditions(present))
    if after:
        stmt = stmt.where(Measure.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Measure.id.desc()).limit(bindparam("limit", type_=Integer()))


def _count_statement(present: tuple[str, ...]) -> Any:
    return joined(select(func.count().label("total"))).where(*conditions(present))


def _export_statement(present: tuple[str, ...]) -> Any:
    return joined(select(*columns())).where(*conditions(present)).order_by(Measure.id)


@dataclass(frozen=True, slots=True)
class Bound:
    present: tuple[str, ...]
    values: dict[str, Any]


def bind(filters: MeasureFilters) -> Bound:
    present = tuple(name for name in FILTERS if getattr(filters, name) is not None)
    return Bound(present, {name: getattr(filters, name) for name in present})


def area() -> Any:
    return Measure.village_code


PAGE = query_family("measures", _page_statement, area)
COUNT = query_family("measures-count", _count_statement, area)
EXPORT = query_family("measures-export", _export_statement, area)
CURSOR_KIND = "measures"


async def page_json(
    read: ReadPath,
    scope: AreaScope,
    filters: MeasureFilters,
    *,
    limit: int,
    cursor: str | None,
    include_total: bool,
    health_shown: bool,
) -> bytes:
    """One page, newest first, as the JSON of `MeasurePage`: the cursor is the last row's key, so a deep page costs
    what page 1 costs. `scope` is the caller's, narrowed to the region filter; health measures without their health
    details unless `health_shown` (`measures.health`)."""
    bound = bind(filters)
    before = decode_key_cursor(cursor, CURSOR_KIND)
    values = {**bound.values, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    rows = await read.fetch(PAGE(bound.present, before is not None), scope, values)
    items, next_cursor = key_page(rows, limit, CURSOR_KIND)
    total = int(await read.scalar(COUNT(bound.present), scope, bound.values) or 0) if include_total else None
    for row in items:
        del row["pk"]
        health.withhold(row, shown=health_shown)
    return to_json({"items": items, "next_cursor": next_cursor, "total": total})
