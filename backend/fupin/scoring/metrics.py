"""The measured facts an indicator scores, one statement per metric.

Every metric is one statement of fact rows `(region_code, record_key, numerator, denominator, flags)`, the
finest region a record counts for (a household's village, a finding's responsible region, a project's area):

- a *ratio* metric has a row per record it is measured on (a household, a village) with its share met
  (`numerator` of `denominator`: 1 of 1 visited, 120 of 200 days resident); its value is Σ numerator / Σ denominator;
- a *count* metric has a row per record that counts against the unit (an overdue finding, a delayed milestone).

The same statement gives the figures (grouped by region, `aggregate`), the records behind a shortfall (`shortfall`:
the rows not fully met, the drill-down) and what a frozen period keeps (`assessment_fact_records`), so a score,
its figures and its records cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope
from fupin.cadres.models import Assignment, ResidencyDay, Visit
from fupin.findings.models import OPEN_STATES, Finding
from fupin.households.models import Assessment, Household, Income
from fupin.measures.models import Measure
from fupin.poverty_lines.models import PovertyLine
from fupin.poverty_lines.repository import NATIONAL
from fupin.projects.models import Project, ProjectMilestone
from fupin.regions.models import Region
from fupin.views.queries import registered

RESIDENCY_DAYS_PER_YEAR = 200  # 第一书记 at least 200 days a year in the village
EXITED = ("exited_with_policy", "exited_no_policy")


@dataclass(frozen=True, slots=True)
class Window:
    """What a computation reads: the period's year and days, up to `as_of` (its end, or today if earlier)."""

    year: int
    starts_on: date
    as_of: date

    @property
    def required_days(self) -> int:
        """Residency days due by `as_of`: 200 a year, pro rata to the days of the period passed."""
        days = (self.as_of - self.starts_on).days + 1
        year_days = (date(self.year, 12, 31) - date(self.year, 1, 1)).days + 1
        return max(1, round(RESIDENCY_DAYS_PER_YEAR * days / year_days))


# register completeness: what a household record must carry (flags of the missing parts, in this order)
COMPLETENESS_PARTS: tuple[tuple[str, str], ...] = (
    ("head", "户主"),
    ("phone", "联系电话"),
    ("address", "住址"),
    ("housing_safety", "住房安全等级"),
    ("safe_drinking_water", "饮水安全"),
    ("income", "收入记录"),
    ("assessment", "两不愁三保障评估"),
)


@dataclass(frozen=True, slots=True)
class Metric:
    code: str
    label: str
    kind: Literal["ratio", "count"]
    record_type: Literal["household", "village", "finding", "milestone"]
    unit: str  # what the figures count, for explanations: 户, 天, 个
    facts: Callable[[Window], Any]
    describe: str  # what is measured, for the documentation and the drill-down


def _key(column: Any) -> Any:
    return cast(column, String())


def _flag(condition: Any, bit: int) -> Any:
    return case((condition, bit), else_=0)


# ---------------------------------------------------------------- 精准帮扶


def _covered(condition: Any) -> Any:
    """One row per registered household: numerator 1 where `condition` (an EXISTS) holds, else 0. Written as the
    union of a semi-join and an anti-join: PostgreSQL hashes both over the whole city (an EXISTS in the select list
    would probe once per household), and a unit's drill-down still probes only its own households."""

    def part(where: Any, numerator: int) -> Any:
        return select(
            Household.village_code.label("region_code"),
            _key(Household.public_id).label("record_key"),
            literal(numerator, Integer()).label("numerator"),
            literal(1, Integer()).label("denominator"),
            literal(0, Integer()).label("flags"),
        ).where(registered(), where)

    return union_all(part(condition, 1), part(not_(condition), 0))


def _visit_coverage(window: Window) -> Any:
    return _covered(
        exists().where(
            Visit.household_id == Household.id,
            Visit.visited_on >= window.starts_on,
            Visit.visited_on <= window.as_of,
        )
    )


def _measure_coverage(window: Window) -> Any:
    return _covered(
        exists().where(
            Measure.household_id == Household.id,
            Measure.year == window.year,
            Measure.status != literal("cancelled", String()),
        )
    )


def _residency(window: Window) -> Any:
    """Per village with a first secretary in the period (or a poor village without one): the days its first
    secretaries were present or on duty there, capped at the days due."""
    held = and_(
        Assignment.village_code == Region.code,
        Assignment.household_id.is_(None),
        Assignment.kind == literal("first_secretary", String()),
        Assignment.starts_on <= window.as_of,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= window.starts_on),
    )
    days = (
        select(func.count(ResidencyDay.id))
        .select_from(Assignment)
        .join(ResidencyDay, ResidencyDay.cadre_id == Assignment.cadre_id)
        .where(
            held,
            ResidencyDay.day >= window.starts_on,
            ResidencyDay.day <= window.as_of,
            ResidencyDay.day >= Assignment.starts_on,
            or_(Assignment.ends_on.is_(None), ResidencyDay.day <= Assignment.ends_on),
            ResidencyDay.kind.in_(("present", "duty")),
        )
        .correlate(Region)
        .scalar_subquery()
    )
    due = window.required_days
    has_secretary = exists().where(held)
    return select(
        Region.code.label("region_code"),
        Region.code.label("record_key"),
        case((days >= due, due), else_=days).label("numerator"),
        literal(due, Integer()).label("denominator"),
        _flag(not_(has_secretary), 1).label("flags"),
    ).where(Region.level == 5, or_(Region.is_poor_village, has_secretary))


# ---------------------------------------------------------------- 精准识别


def _register_completeness(window: Window) -> Any:
    has_income = exists().where(Income.household_id == Household.id, Income.year <= window.year)
    has_assessment = exists().where(Assessment.household_id == Household.id, Assessment.year <= window.year)
    missing = [
        Household.head_member_id.is_(None),
        or_(Household.phone.is_(None), Household.phone == ""),
        or_(Household.address.is_(None), Household.address == ""),
        Household.housing_safety.is_(None),
        Household.safe_drinking_water.is_(None),
        not_(has_income),
        not_(has_assessment),
    ]
    flags = sum((_flag(condition, 1 << bit) for bit, condition in enumerate(missing)), literal(0, Integer()))
    return select(
        Household.village_code.label("region_code"),
        _key(Household.public_id).label("record_key"),
        case((or_(*missing), 0), else_=1).label("numerator"),
        literal(1, Integer()).label("denominator"),
        flags.label("flags"),
    ).where(registered())


# ---------------------------------------------------------------- 减贫成效


def _latest(model: Any, year: int) -> Any:
    """Per household, the latest year of `model` (incomes or 两不愁三保障) up to `year`."""
    return (
        select(model.household_id.label("household_id"), func.max(model.year).label("year"))
        .where(model.year <= year)
        .group_by(model.household_id)
        .subquery()
    )


def _wrong_exit(window: Window) -> Any:
    """Exited households whose latest income since the exit is at or below that year's line (its standard's line,
    else the national one: flag 1), or whose latest 两不愁三保障 since the exit has an item not met (flag 2):
    candidates for a wrong exit (错退). Joined to the latest records rather than probing per household."""
    income_year = _latest(Income, window.year)
    assessment_year = _latest(Assessment, window.year)
    own = aliased(PovertyLine)
    national = aliased(PovertyLine)
    poor_income = and_(
        Income.year >= Household.exit_year,
        Income.per_capita_net_income <= func.coalesce(own.amount, national.amount),
    )
    unmet = and_(
        Assessment.year >= Household.exit_year,
        or_(
            not_(Assessment.food_clothing),
            not_(Assessment.compulsory_education),
            not_(Assessment.basic_medical),
            not_(Assessment.safe_housing),
            not_(Assessment.safe_drinking_water),
        ),
    )
    return (
        select(
            Household.village_code.label("region_code"),
            _key(Household.public_id).label("record_key"),
            literal(1, Integer()).label("numerator"),
            literal(0, Integer()).label("denominator"),
            (_flag(poor_income, 1) + _flag(unmet, 2)).label("flags"),
        )
        .select_from(Household)
        .outerjoin(income_year, income_year.c.household_id == Household.id)
        .outerjoin(Income, and_(Income.household_id == Household.id, Income.year == income_year.c.year))
        .outerjoin(own, and_(own.year == Income.year, own.scope == Household.identification_standard))
        .outerjoin(national, and_(national.year == Income.year, national.scope == NATIONAL))
        .outerjoin(assessment_year, assessment_year.c.household_id == Household.id)
        .outerjoin(Assessment, and_(Assessment.household_id == Household.id, Assessment.year == assessment_year.c.year))
        .where(
            Household.status.in_(EXITED),
            Household.exit_year.is_not(None),
            Household.exit_year <= window.year,
            or_(poor_income, unmet),
        )
    )


# ---------------------------------------------------------------- findings (整改)


def _overdue_findings(window: Window) -> Any:
    """Findings whose deadline passed in or before the period without being closed by it: still open and overdue
    (the daily deadline job's days, pauses excluded: flag 1), or closed after the deadline within the period
    (flag 2). Counted for the responsible region."""
    still_open = and_(Finding.state.in_(OPEN_STATES), Finding.overdue_days > 0)
    closed_late = and_(
        Finding.closed_on.is_not(None),
        Finding.closed_on > Finding.deadline,
        Finding.closed_on >= window.starts_on,
        Finding.closed_on <= window.as_of,
    )
    return select(
        Finding.region_code.label("region_code"),
        _key(Finding.public_id).label("record_key"),
        literal(1, Integer()).label("numerator"),
        literal(0, Integer()).label("denominator"),
        (_flag(still_open, 1) + _flag(closed_late, 2)).label("flags"),
    ).where(Finding.raised_on <= window.as_of, Finding.deadline <= window.as_of, or_(still_open, closed_late))


def _reopened_findings(window: Window) -> Any:
    """Closed findings a 回头看 found again in the period: they count against the region whose unit had them
    closed (the closed finding's responsible region), not the re-inspection's."""
    again = aliased(Finding)
    return (
        select(
            Finding.region_code.label("region_code"),
            _key(Finding.public_id).label("record_key"),
            literal(1, Integer()).label("numerator"),
            literal(0, Integer()).label("denominator"),
            literal(0, Integer()).label("flags"),
        )
        .join(again, again.id == Finding.reopened_by_id)
        .where(Finding.reopened == true(), again.raised_on >= window.starts_on, again.raised_on <= window.as_of)
    )


# ---------------------------------------------------------------- 扶贫资金 (项目)


def _milestone_delays(window: Window) -> Any:
    """Milestones of projects due in the period and not reached by their due day: still open (flag 1) or
    reached late (flag 2). Counted for the project's area (a project over several townships counts for none of
    them alone). Removed projects (出库) do not count."""
    still_open = and_(ProjectMilestone.done_on.is_(None), ProjectMilestone.due_on < window.as_of)
    late = and_(ProjectMilestone.done_on.is_not(None), ProjectMilestone.done_on > ProjectMilestone.due_on)
    return (
        select(
            Project.area_code.label("region_code"),
            _key(ProjectMilestone.public_id).label("record_key"),
            literal(1, Integer()).label("numerator"),
            literal(0, Integer()).label("denominator"),
            (_flag(still_open, 1) + _flag(late, 2)).label("flags"),
        )
        .select_from(ProjectMilestone)
        .join(Project, Project.id == ProjectMilestone.project_id)
        .where(
            Project.stage != literal("removed", String()),
            ProjectMilestone.due_on >= window.starts_on,
            ProjectMilestone.due_on <= window.as_of,
            or_(still_open, late),
        )
    )


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            "visit_coverage",
            "走访覆盖率",
            "ratio",
            "household",
            "户",
            _visit_coverage,
            "在册贫困户中考核期内至少走访一次的户数占比",
        ),
        Metric(
            "measure_coverage",
            "帮扶措施覆盖率（一户一策）",
            "ratio",
            "household",
            "户",
            _measure_coverage,
            "在册贫困户中有本年度帮扶措施（未取消）的户数占比",
        ),
        Metric(
            "residency",
            "第一书记驻村天数达标率",
            "ratio",
            "village",
            "天",
            _residency,
            "第一书记在岗或驻村天数（按年200天折算至考核截止日，超出不计）之和占应驻天数之和",
        ),
        Metric(
            "register_completeness",
            "建档立卡信息完整率",
            "ratio",
            "household",
            "户",
            _register_completeness,
            "户主、联系电话、住址、住房安全、饮水安全、收入记录、两不愁三保障评估均齐全的户数占比",
        ),
        Metric(
            "wrong_exit_candidates",
            "疑似错退户",
            "count",
            "household",
            "户",
            _wrong_exit,
            "已脱贫户中脱贫后最近一年人均纯收入不高于当年贫困线，或最近一次两不愁三保障评估有未达标项的户数",
        ),
        Metric(
            "overdue_findings",
            "逾期未整改问题",
            "count",
            "finding",
            "个",
            _overdue_findings,
            "整改时限已到仍未销号（暂停天数不计），或考核期内超期后才销号的督查问题数",
        ),
        Metric(
            "reopened_findings",
            "回头看重新发现问题",
            "count",
            "finding",
            "个",
            _reopened_findings,
            "考核期内经回头看重新发现的已销号问题数，计入原销号单位",
        ),
        Metric(
            "milestone_delays",
            "项目节点延误",
            "count",
            "milestone",
            "个",
            _milestone_delays,
            "考核期内到期而未按期完成（仍未完成或逾期完成）的项目节点数，计入项目所在区域",
        ),
    )
}


FLAG_LABELS: dict[str, tuple[str, ...]] = {
    "register_completeness": tuple(f"缺{label}" for _, label in COMPLETENESS_PARTS),
    "residency": ("无第一书记",),
    "wrong_exit_candidates": ("收入不高于贫困线", "两不愁三保障未达标"),
    "overdue_findings": ("逾期未销号", "超期后销号"),
    "milestone_delays": ("逾期未完成", "逾期完成"),
}


def flag_labels(metric: str, flags: int) -> list[str]:
    return [label for bit, label in enumerate(FLAG_LABELS.get(metric, ())) if flags & (1 << bit)]


def _facts(metric: Metric, window: Window) -> Any:
    return metric.facts(window).subquery(f"facts_{metric.code}")


def aggregate(metric: Metric, window: Window, scope: AreaScope) -> Any:
    """Σ numerator, Σ denominator and the number of rows per finest region, within `scope`."""
    rows = _facts(metric, window)
    stmt = select(
        rows.c.region_code,
        func.sum(rows.c.numerator).label("numerator"),
        func.sum(rows.c.denominator).label("denominator"),
        func.count().label("rows"),
    ).group_by(rows.c.region_code)
    return scope.apply_on(stmt, rows.c.region_code)


def shortfall(metric: Metric, window: Window, scope: AreaScope, *, columns: tuple[Any, ...] = ()) -> Any:
    """The rows behind what a unit lost, within `scope`: not fully met (ratio) or counted (count). `columns` go
    first (a frozen period's id and the metric, for keeping them)."""
    rows = _facts(metric, window)
    stmt = select(*columns, rows.c.region_code, rows.c.record_key, rows.c.numerator, rows.c.denominator, rows.c.flags)
    if metric.kind == "ratio":
        stmt = stmt.where(rows.c.numerator < rows.c.denominator)
    return scope.apply_on(stmt, rows.c.region_code)
