"""Fund views over many projects on the shared read path (`core.readpath`): per county and per source, for the
projects lying within the caller's area (a township sees the projects of its area only). Each figure is the sum
of the projects': allocated, net disbursed (corrections included), available, the disbursement rate and the idle
amount (资金闲置: allocated more than 12 months before today and not disbursed, the source's disbursements filling
its allocations oldest first; see `projects.funds`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, String, and_, bindparam, case, func, select, union
from sqlalchemy.sql import Subquery

from fupin.authz.scope import AreaScope
from fupin.core.readpath import ReadPath, query_family
from fupin.projects import clock
from fupin.projects.funds import ZERO, idle_cutoff, rate
from fupin.projects.models import FundAllocation, FundDisbursement, Project
from fupin.regions.models import Region

CENT = Decimal("0.01")
FILTERS = ("year", "category")
_TYPES: dict[str, Any] = {"year": Integer(), "category": String()}


def net_by_source() -> Subquery:
    """Net disbursed per project and source (payments and their corrections)."""
    return (
        select(
            FundDisbursement.project_id.label("project_id"),
            FundDisbursement.source.label("source"),
            func.sum(FundDisbursement.amount).label("net"),
        )
        .group_by(FundDisbursement.project_id, FundDisbursement.source)
        .subquery("net_by_source")
    )


def allocation_facts() -> Subquery:
    """Each allocation with the part of it still not disbursed (`remaining`): the source's net disbursements
    fill its allocations oldest first (allocated_on, id)."""
    net = net_by_source()
    before = func.coalesce(
        func.sum(FundAllocation.amount).over(
            partition_by=(FundAllocation.project_id, FundAllocation.source),
            order_by=(FundAllocation.allocated_on, FundAllocation.id),
            rows=(None, -1),
        ),
        0,
    )
    ordered = (
        select(
            FundAllocation.id.label("id"),
            FundAllocation.public_id.label("public_id"),
            FundAllocation.project_id.label("project_id"),
            FundAllocation.source.label("source"),
            FundAllocation.amount.label("amount"),
            FundAllocation.allocated_on.label("allocated_on"),
            (func.coalesce(net.c.net, 0) - before).label("reach"),
        )
        .select_from(FundAllocation)
        .outerjoin(net, and_(net.c.project_id == FundAllocation.project_id, net.c.source == FundAllocation.source))
        .subquery("allocation_reach")
    )
    used = case(
        (ordered.c.reach <= 0, 0), (ordered.c.reach >= ordered.c.amount, ordered.c.amount), else_=ordered.c.reach
    )
    return select(*ordered.c, (ordered.c.amount - used).label("remaining")).subquery("allocation_facts")


def _idle_sum(facts: Subquery) -> Any:
    cutoff = bindparam("cutoff", type_=Date())
    return func.sum(case((facts.c.allocated_on < cutoff, facts.c.remaining), else_=0))


def conditions(present: tuple[str, ...]) -> list[Any]:
    return [getattr(Project, name) == bindparam(name, type_=_TYPES[name]) for name in present]


def _county_statement(present: tuple[str, ...]) -> Any:
    facts = allocation_facts()
    allocated = (
        select(
            facts.c.project_id.label("project_id"),
            func.sum(facts.c.amount).label("allocated"),
            _idle_sum(facts).label("idle"),
        )
        .group_by(facts.c.project_id)
        .subquery("project_allocated")
    )
    disbursed = (
        select(FundDisbursement.project_id.label("project_id"), func.sum(FundDisbursement.amount).label("disbursed"))
        .group_by(FundDisbursement.project_id)
        .subquery("project_disbursed")
    )
    return (
        select(
            Project.county_code.label("county_code"),
            func.max(Region.name).label("county_name"),
            func.count(Project.id).label("projects"),
            func.sum(allocated.c.allocated).label("allocated"),
            func.sum(disbursed.c.disbursed).label("disbursed"),
            func.sum(allocated.c.idle).label("idle"),
        )
        .select_from(Project)
        .join(Region, Region.code == Project.county_code)
        .outerjoin(allocated, allocated.c.project_id == Project.id)
        .outerjoin(disbursed, disbursed.c.project_id == Project.id)
        .where(*conditions(present))
        .group_by(Project.county_code)
        .order_by(Project.county_code)
    )


def _source_statement(present: tuple[str, ...]) -> Any:
    facts = allocation_facts()
    allocated = (
        select(
            facts.c.project_id.label("project_id"),
            facts.c.source.label("source"),
            func.sum(facts.c.amount).label("allocated"),
            _idle_sum(facts).label("idle"),
        )
        .group_by(facts.c.project_id, facts.c.source)
        .subquery("source_allocated")
    )
    net = net_by_source()
    keys = union(
        select(FundAllocation.project_id.label("project_id"), FundAllocation.source.label("source")),
        select(FundDisbursement.project_id.label("project_id"), FundDisbursement.source.label("source")),
    ).subquery("project_sources")
    return (
        select(
            keys.c.source.label("source"),
            func.count(Project.id).label("projects"),
            func.sum(allocated.c.allocated).label("allocated"),
            func.sum(net.c.net).label("disbursed"),
            func.sum(allocated.c.idle).label("idle"),
        )
        .select_from(keys)
        .join(Project, Project.id == keys.c.project_id)
        .outerjoin(allocated, and_(allocated.c.project_id == keys.c.project_id, allocated.c.source == keys.c.source))
        .outerjoin(net, and_(net.c.project_id == keys.c.project_id, net.c.source == keys.c.source))
        .where(*conditions(present))
        .group_by(keys.c.source)
    )


def area() -> Any:
    return Project.area_code


BY_COUNTY = query_family("fund-view-county", _county_statement, area)
BY_SOURCE = query_family("fund-view-source", _source_statement, area)


def _amount(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    allocated, disbursed = _amount(row["allocated"]), _amount(row["disbursed"])
    return {
        "projects": int(row["projects"]),
        "allocated": str(allocated),
        "disbursed": str(disbursed),
        "available": str(allocated - disbursed),
        "rate": rate(disbursed, allocated),
        "idle": str(_amount(row["idle"])),
    }


def _bind(filters: Any, today: date) -> tuple[tuple[str, ...], dict[str, Any]]:
    present = tuple(name for name in FILTERS if getattr(filters, name, None) is not None)
    return present, {**{name: getattr(filters, name) for name in present}, "cutoff": idle_cutoff(today)}


async def by_county(read: ReadPath, scope: AreaScope, filters: Any) -> dict[str, Any]:
    present, values = _bind(filters, clock.today())
    rows = await read.fetch(BY_COUNTY(present), scope, values)
    items = [{"county_code": r["county_code"], "county_name": r["county_name"], **_figures(r)} for r in rows]
    total = {
        "projects": sum(int(r["projects"]) for r in rows),
        "allocated": sum((_amount(r["allocated"]) for r in rows), ZERO),
        "disbursed": sum((_amount(r["disbursed"]) for r in rows), ZERO),
        "idle": sum((_amount(r["idle"]) for r in rows), ZERO),
    }
    return {"items": items, "total": _figures(total)}


async def by_source(read: ReadPath, scope: AreaScope, filters: Any) -> dict[str, Any]:
    from fupin.core.code_tables import TABLES

    order = {code: i for i, (code, _, _) in enumerate(TABLES["fund_source"])}
    present, values = _bind(filters, clock.today())
    rows = await read.fetch(BY_SOURCE(present), scope, values)
    rows.sort(key=lambda r: order.get(r["source"], len(order)))
    return {"items": [{"source": r["source"], **_figures(r)} for r in rows]}
