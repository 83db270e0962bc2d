"""The project list, its export and the project overview on the shared read path (`core.readpath`): one compiled
statement per filter shape, newest first, keyset pages by row key. Each row carries the project's allocated and
disbursed totals, read from the fund tables with grouped subqueries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import Integer, String, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.functions import FunctionElement

from fupin.authz.scope import AreaScope
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath, query_family
from fupin.projects.models import FundAllocation, FundDisbursement, Project, ProjectRegion
from fupin.projects.schemas import ProjectFilters

FILTERS = ("category", "level", "stage", "health", "year", "county", "q")
_TYPES: dict[str, Any] = {
    "category": String(),
    "level": String(),
    "stage": String(),
    "health": String(),
    "year": Integer(),
    "county": String(),
    "q": String(),
}
CENT = Decimal("0.01")
SHARE = Decimal("0.0001")


def fund_sums(model: Any, name: str) -> Subquery:
    return (
        select(model.project_id.label("project_id"), func.sum(model.amount).label(name))
        .group_by(model.project_id)
        .subquery(f"{name}_sums")
    )


class joined_codes(FunctionElement[str]):
    """The region codes of a group joined by commas (string_agg on PostgreSQL, group_concat on SQLite), with the
    separator written into the SQL (the read path compiles statements once, without post-compile parameters)."""

    type = String()
    inherit_cache = True
    name = "joined_codes"


@compiles(joined_codes, "postgresql")
def _string_agg(element: joined_codes, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(joined_codes)
def _group_concat(element: joined_codes, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def region_lists() -> Subquery:
    return (
        select(
            ProjectRegion.project_id.label("project_id"),
            joined_codes(ProjectRegion.region_code).label("region_codes"),
        )
        .group_by(ProjectRegion.project_id)
        .subquery("project_region_codes")
    )


def columns(allocated: Subquery, disbursed: Subquery, regions: Subquery) -> list[Any]:
    """The columns of `ProjectRow`, in its order, and the row key last."""
    return [
        Project.public_id.label("id"),
        Project.code,
        Project.name,
        Project.category,
        Project.level,
        Project.nature,
        Project.year,
        Project.county_code,
        Project.area_code,
        regions.c.region_codes,
        Project.responsible_unit,
        Project.responsible_person,
        Project.planned_start_on,
        Project.due_on,
        Project.benefit_mechanism,
        Project.stage,
        Project.stage_reason,
        Project.entered_library_on,
        Project.completed_on,
        Project.removed_on,
        Project.health,
        Project.progress,
        Project.source_system,
        Project.external_id,
        Project.version,
        Project.created_at,
        Project.updated_at,
        allocated.c.allocated,
        disbursed.c.disbursed,
        Project.id.label("pk"),
    ]


def conditions(present: tuple[str, ...]) -> list[Any]:
    where: list[Any] = []
    for name in present:
        param = bindparam(name, type_=_TYPES[name])
        if name == "county":
            where.append(Project.county_code == param)
        elif name == "q":
            where.append(Project.code.like(param, escape="\\") | Project.name.like(param, escape="\\"))
        else:
            where.append(getattr(Project, name) == param)
    return where


def joined(selected: Callable[[Subquery, Subquery, Subquery], list[Any]]) -> Any:
    """A select of projects with their fund sums and region lists: `selected(allocated, disbursed, regions)` names
    the columns (the list's, or the export's cells)."""
    allocated = fund_sums(FundAllocation, "allocated")
    disbursed = fund_sums(FundDisbursement, "disbursed")
    regions = region_lists()
    return (
        select(*selected(allocated, disbursed, regions))
        .select_from(Project)
        .outerjoin(regions, regions.c.project_id == Project.id)
        .outerjoin(allocated, allocated.c.project_id == Project.id)
        .outerjoin(disbursed, disbursed.c.project_id == Project.id)
    )


def rows_statement() -> Any:
    return joined(columns)


def _page_statement(present: tuple[str, ...], after: bool) -> Any:
    stmt = rows_statement().where(*conditions(present))
    if after:
        stmt = stmt.where(Project.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Project.id.desc()).limit(bindparam("limit", type_=Integer()))


def _count_statement(present: tuple[str, ...]) -> Any:
    return select(func.count().label("total")).select_from(Project).where(*conditions(present))


def _export_statement(present: tuple[str, ...]) -> Any:
    return rows_statement().where(*conditions(present)).order_by(Project.id)


def _overview_statement(present: tuple[str, ...]) -> Any:
    return (
        select(Project.category, Project.stage, Project.health, func.count().label("count"))
        .select_from(Project)
        .where(*conditions(present))
        .group_by(Project.category, Project.stage, Project.health)
    )


@dataclass(frozen=True, slots=True)
class Bound:
    present: tuple[str, ...]
    values: dict[str, Any]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def bind(filters: BaseModel) -> Bound:
    present = tuple(name for name in FILTERS if getattr(filters, name, None) is not None)
    values = {name: getattr(filters, name) for name in present}
    if "q" in values:
        values["q"] = _like(values["q"])
    return Bound(present, values)


def area() -> Any:
    return Project.area_code


PAGE = query_family("projects", _page_statement, area)
COUNT = query_family("projects-count", _count_statement, area)
EXPORT = query_family("projects-export", _export_statement, area)
OVERVIEW = query_family("projects-overview", _overview_statement, area)
CURSOR_KIND = "projects"


def _money(value: Any) -> str:
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def present_row(row: dict[str, Any]) -> dict[str, Any]:
    """A fetched row as `ProjectRow` JSON values: the regions as a sorted list, money and the progress share as
    exact decimal strings; the row key dropped."""
    row.pop("pk", None)
    row["region_codes"] = sorted(row["region_codes"].split(",")) if row["region_codes"] else []
    row["allocated"] = _money(row["allocated"])
    row["disbursed"] = _money(row["disbursed"])
    if row["progress"] is not None:
        row["progress"] = str(Decimal(row["progress"]).quantize(SHARE, rounding=ROUND_HALF_UP))
    return row


async def page_json(
    read: ReadPath,
    scope: AreaScope,
    filters: ProjectFilters,
    *,
    limit: int,
    cursor: str | None,
    include_total: bool,
) -> bytes:
    """One page, newest first, as the JSON of `ProjectPage`; `scope` is the caller's, narrowed to the region
    filter (projects lying within it)."""
    bound = bind(filters)
    before = decode_key_cursor(cursor, CURSOR_KIND)
    values = {**bound.values, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    rows = await read.fetch(PAGE(bound.present, before is not None), scope, values)
    items, next_cursor = key_page(rows, limit, CURSOR_KIND)
    total = int(await read.scalar(COUNT(bound.present), scope, bound.values) or 0) if include_total else None
    return to_json({"items": [present_row(r) for r in items], "next_cursor": next_cursor, "total": total})


async def overview(read: ReadPath, scope: AreaScope, filters: BaseModel) -> dict[str, Any]:
    """Counts by category, by stage, by health and by category × health (the city overview, 项目总览)."""
    bound = bind(filters)
    rows = await read.fetch(OVERVIEW(bound.present), scope, bound.values)
    by: dict[str, dict[str, int]] = {"category": {}, "stage": {}, "health": {}}
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        n = int(row["count"])
        for key in by:
            by[key][row[key]] = by[key].get(row[key], 0) + n
        pair = (row["category"], row["health"])
        pairs[pair] = pairs.get(pair, 0) + n

    def counts(key: str) -> list[dict[str, Any]]:
        return [{"code": code, "count": n} for code, n in sorted(by[key].items())]

    return {
        "total": sum(by["stage"].values()),
        "by_category": counts("category"),
        "by_stage": counts("stage"),
        "by_health": counts("health"),
        "by_category_health": [{"category": c, "health": h, "count": n} for (c, h), n in sorted(pairs.items())],
    }
