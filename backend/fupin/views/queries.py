"""The statements of the failure views on the shared read path (`core.readpath`): one compiled statement per
shape (which filters are present, a cursor or not, a page or every row), bind parameters for the values, the
caller's scope applied by the read path on the row's region column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import aliased

from fupin.cadres.models import Assignment, Cadre, ResidencyDay, Visit
from fupin.core.models import Money
from fupin.core.readpath import query_family
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.regions.models import Region
from fupin.views.models import OPEN_MEASURES

# households still on the register: not removed (注销) and not exited with policies ended
OUT_OF_VIEW_STATUSES = ("removed", "exited_no_policy")
MEASURE_STATUSES = ("planned", "in_progress", "done", "cancelled")


def _today() -> Any:
    return bindparam("today", type_=Date())


def registered() -> Any:
    return and_(*(Household.status != literal(s, String()) for s in OUT_OF_VIEW_STATUSES))


def _household_columns() -> list[Any]:
    return [
        Household.public_id.label("id"),
        Household.household_number,
        Household.village_code,
        Region.name.label("village_name"),
        Household.head_name,
        Household.member_count,
        Household.status,
    ]


def _household_page(stmt: Any, *, paged: bool, after: bool) -> Any:
    """Newest household first (row key), keyset pages; every row oldest first for an export."""
    stmt = stmt.add_columns(Household.id.label("pk"))
    if not paged:
        return stmt.order_by(Household.id)
    if after:
        stmt = stmt.where(Household.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Household.id.desc()).limit(bindparam("limit", type_=Integer()))


def household_area() -> Any:
    return Household.village_code


# ---------------------------------------------------------------- households without measures in a year


def _without_measures_condition() -> Any:
    has = exists().where(
        Measure.household_id == Household.id,
        Measure.year == bindparam("year", type_=Integer()),
        Measure.status != literal("cancelled", String()),
    )
    return and_(registered(), not_(has))


def _without_measures(paged: bool, after: bool) -> Any:
    stmt = (
        select(*_household_columns())
        .select_from(Household)
        .join(Region, Region.code == Household.village_code)
        .where(_without_measures_condition())
    )
    return _household_page(stmt, paged=paged, after=after)


def _without_measures_count() -> Any:
    return select(func.count().label("total")).select_from(Household).where(_without_measures_condition())


WITHOUT_MEASURES = query_family("views-without-measures", _without_measures, household_area)
WITHOUT_MEASURES_COUNT = query_family("views-without-measures-count", _without_measures_count, household_area)


# ---------------------------------------------------------------- households not visited in N days


def _not_visited_condition() -> Any:
    recent = exists().where(Visit.household_id == Household.id, Visit.visited_on >= bindparam("since", type_=Date()))
    return and_(registered(), not_(recent))


def _current_pairing() -> Any:
    """The household's current paired cadre (帮扶责任人): the latest pairing begun by today and not ended."""
    return (
        select(Assignment.cadre_id)
        .where(
            Assignment.household_id == Household.id,
            Assignment.kind == literal("paired", String()),
            Assignment.starts_on <= _today(),
            or_(Assignment.ends_on.is_(None), Assignment.ends_on > _today()),
        )
        .order_by(Assignment.starts_on.desc(), Assignment.id.desc())
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )


def _not_visited(paged: bool, after: bool) -> Any:
    paired = aliased(Cadre)
    last = (
        select(func.max(Visit.visited_on))
        .where(Visit.household_id == Household.id)
        .correlate(Household)
        .scalar_subquery()
    )
    stmt = (
        select(
            *_household_columns(),
            type_coerce(last, Date()).label("last_visited_on"),
            paired.public_id.label("paired_cadre_id"),
            paired.name.label("paired_cadre_name"),
        )
        .select_from(Household)
        .join(Region, Region.code == Household.village_code)
        .outerjoin(paired, paired.id == _current_pairing())
        .where(_not_visited_condition())
    )
    return _household_page(stmt, paged=paged, after=after)


def _not_visited_count() -> Any:
    return select(func.count().label("total")).select_from(Household).where(_not_visited_condition())


NOT_VISITED = query_family("views-not-visited", _not_visited, household_area)
NOT_VISITED_COUNT = query_family("views-not-visited-count", _not_visited_count, household_area)


# ---------------------------------------------------------------- never visited by the first secretary


def _first_secretary() -> Any:
    """The village's current first secretary: the latest village assignment begun by today and not ended."""
    return (
        select(Assignment.cadre_id)
        .where(
            Assignment.village_code == Household.village_code,
            Assignment.household_id.is_(None),
            Assignment.kind == literal("first_secretary", String()),
            Assignment.starts_on <= _today(),
            or_(Assignment.ends_on.is_(None), Assignment.ends_on > _today()),
        )
        .order_by(Assignment.starts_on.desc(), Assignment.id.desc())
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )


def _never_visited(paged: bool, after: bool) -> Any:
    secretary = aliased(Cadre)
    met = exists().where(Visit.household_id == Household.id, Visit.cadre_id == secretary.id)
    stmt = (
        select(
            *_household_columns(),
            secretary.public_id.label("first_secretary_id"),
            secretary.name.label("first_secretary_name"),
        )
        .select_from(Household)
        .join(Region, Region.code == Household.village_code)
        .outerjoin(secretary, secretary.id == _first_secretary())
        .where(registered(), or_(secretary.id.is_(None), not_(met)))
    )
    return _household_page(stmt, paged=paged, after=after)


def _never_visited_count() -> Any:
    secretary = aliased(Cadre)
    met = exists().where(Visit.household_id == Household.id, Visit.cadre_id == secretary.id)
    return (
        select(func.count().label("total"))
        .select_from(Household)
        .outerjoin(secretary, secretary.id == _first_secretary())
        .where(registered(), or_(secretary.id.is_(None), not_(met)))
    )


NEVER_VISITED = query_family("views-never-visited", _never_visited, household_area)
NEVER_VISITED_COUNT = query_family("views-never-visited-count", _never_visited_count, household_area)


# ---------------------------------------------------------------- residency shortfall


def _days(kind: str) -> Any:
    return (
        select(func.count())
        .where(
            ResidencyDay.cadre_id == Assignment.cadre_id,
            ResidencyDay.day >= bindparam("first", type_=Date()),
            ResidencyDay.day <= bindparam("last", type_=Date()),
            ResidencyDay.kind == literal(kind, String()),
        )
        .correlate(Assignment)
        .scalar_subquery()
    )


def _residency_conditions(present: tuple[str, ...]) -> list[Any]:
    where = [
        Assignment.household_id.is_(None),
        or_(*(Assignment.kind == literal(k, String()) for k in ("first_secretary", "work_team"))),
        # held in the year
        Assignment.starts_on <= bindparam("last", type_=Date()),
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= bindparam("first", type_=Date())),
        _days("present") + _days("duty") < bindparam("expected", type_=Integer()),
    ]
    if "kind" in present:
        where.append(Assignment.kind == bindparam("kind", type_=String()))
    return where


def _residency(present: tuple[str, ...], paged: bool, after: bool) -> Any:
    stmt = (
        select(
            Cadre.public_id.label("cadre_id"),
            Cadre.name.label("cadre_name"),
            Assignment.kind,
            Cadre.work_unit,
            Assignment.village_code,
            Region.name.label("village_name"),
            Assignment.starts_on,
            Assignment.ends_on,
            _days("present").label("present"),
            _days("leave").label("leave"),
            _days("duty").label("duty"),
            Assignment.id.label("pk"),
        )
        .select_from(Assignment)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .join(Region, Region.code == Assignment.village_code)
        .where(*_residency_conditions(present))
    )
    if not paged:
        return stmt.order_by(Assignment.id)
    if after:
        stmt = stmt.where(Assignment.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Assignment.id.desc()).limit(bindparam("limit", type_=Integer()))


def _residency_count(present: tuple[str, ...]) -> Any:
    return select(func.count().label("total")).select_from(Assignment).where(*_residency_conditions(present))


def assignment_area() -> Any:
    return Assignment.village_code


RESIDENCY = query_family("views-residency", _residency, assignment_area)
RESIDENCY_COUNT = query_family("views-residency-count", _residency_count, assignment_area)


# ---------------------------------------------------------------- measures overdue


OVERDUE_FILTERS = ("type", "department", "year")
_OVERDUE_TYPES: dict[str, Any] = {"type": String(), "department": String(), "year": Integer()}


def _overdue_conditions(present: tuple[str, ...]) -> list[Any]:
    where = [
        Measure.planned_on < _today(),
        # written out (not bound): the partial index ix_measures_open_planned (views/models.py) has this predicate
        text(f"measures.{OPEN_MEASURES}"),
    ]
    for name in present:
        where.append(getattr(Measure, name) == bindparam(name, type_=_OVERDUE_TYPES[name]))
    return where


def _overdue(present: tuple[str, ...], paged: bool, after: bool) -> Any:
    """The longest overdue first: (planned_on, id) ascending, keyset pages on both."""
    stmt = (
        select(
            Measure.public_id.label("id"),
            Household.public_id.label("household_id"),
            Household.household_number,
            Household.head_name,
            Measure.village_code,
            Measure.type,
            Measure.content,
            Measure.year,
            Measure.department,
            Measure.amount,
            Measure.planned_on,
            Measure.status,
            Measure.id.label("pk"),
        )
        .select_from(Measure)
        .join(Household, Household.id == Measure.household_id)
        .where(*_overdue_conditions(present))
    )
    if after:
        on = bindparam("after_on", type_=Date())
        stmt = stmt.where(
            or_(Measure.planned_on > on, and_(Measure.planned_on == on, Measure.id > bindparam("after_id", Integer())))
        )
    stmt = stmt.order_by(Measure.planned_on, Measure.id)
    return stmt.limit(bindparam("limit", type_=Integer())) if paged else stmt


def _overdue_count(present: tuple[str, ...]) -> Any:
    return select(func.count().label("total")).select_from(Measure).where(*_overdue_conditions(present))


def measure_area() -> Any:
    return Measure.village_code


OVERDUE = query_family("views-overdue", _overdue, measure_area)
OVERDUE_COUNT = query_family("views-overdue-count", _overdue_count, measure_area)


# ---------------------------------------------------------------- measure coverage per village


def _year_measure() -> Any:
    return and_(Measure.year == bindparam("year", type_=Integer()), Measure.status != literal("cancelled", String()))


def _coverage(paged: bool) -> Any:
    has = exists().where(Measure.household_id == Household.id, _year_measure())
    stmt = (
        select(
            Household.village_code,
            Region.name.label("village_name"),
            func.count(Household.id).label("households"),
            func.sum(case((has, 1), else_=0)).label("households_with_measures"),
        )
        .select_from(Household)
        .join(Region, Region.code == Household.village_code)
        .where(registered())
        .group_by(Household.village_code, Region.name)
        .order_by(Household.village_code)
    )
    if paged:
        stmt = stmt.limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer()))
    return stmt


def _coverage_count() -> Any:
    return select(func.count(func.distinct(Household.village_code)).label("total")).where(registered())


def _coverage_types(ranged: bool) -> Any:
    stmt = (
        select(Measure.village_code, Measure.type, func.count().label("measures"))
        .select_from(Measure)
        .join(Household, Household.id == Measure.household_id)
        .where(registered(), _year_measure())
        .group_by(Measure.village_code, Measure.type)
    )
    if ranged:
        stmt = stmt.where(
            Measure.village_code >= bindparam("first_village", type_=String()),
            Measure.village_code <= bindparam("last_village", type_=String()),
        )
    return stmt


COVERAGE = query_family("views-coverage", _coverage, household_area)
COVERAGE_COUNT = query_family("views-coverage-count", _coverage_count, household_area)
COVERAGE_TYPES = query_family("views-coverage-types", _coverage_types, measure_area)


# ---------------------------------------------------------------- department workload


def _workload() -> Any:
    open_ = Measure.status != literal("cancelled", String())
    counts = [func.sum(case((Measure.status == literal(s, String()), 1), else_=0)).label(s) for s in MEASURE_STATUSES]
    return (
        select(
            Measure.department,
            *counts,
            func.count().label("total"),
            type_coerce(func.coalesce(func.sum(case((open_, Measure.amount), else_=None)), 0), Money).label("amount"),
            func.count(func.distinct(case((open_, Measure.household_id), else_=None))).label("households"),
        )
        .select_from(Measure)
        .where(Measure.year == bindparam("year", type_=Integer()))
        .group_by(Measure.department)
        .order_by(Measure.department)
    )


WORKLOAD = query_family("views-workload", _workload, measure_area)
