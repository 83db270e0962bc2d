"""The records behind a unit's shortfall on one indicator (the drill-down from a figure to the records).

A frozen period answers with the records it kept when it was frozen; a computed one reads them now with the
same statement its figures came from (`metrics.shortfall`) for the same days, so a record list may differ from
the figures only by what changed since the computation (`frozen: false` says so). Pages in (region, record)
order with a signed cursor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope, unscoped
from fupin.cadres.models import Assignment, Cadre
from fupin.core.errors import ProblemError, field_error
from fupin.core.pagination import decode_cursor, encode_cursor
from fupin.findings.models import Finding
from fupin.households.models import Household
from fupin.projects.models import Project, ProjectMilestone
from fupin.regions.models import Region
from fupin.scoring.metrics import METRICS, Metric, Window, flag_labels, shortfall
from fupin.scoring.models import FactRecord, Period, Score
from fupin.scoring.schemas import FactRecordOut, FactRecordPage

CURSOR_KIND = "assessment-records"
# the records were chosen by the caller's scope (or kept by a frozen period for a unit the caller sees): their
# labels are read wherever the record is now (a household may have moved since)
LABELS = unscoped("labels of assessment records chosen within the caller's area")

SHORT_REASONS: dict[str, str] = {
    "visit_coverage": "考核期内未走访",
    "measure_coverage": "本年度无帮扶措施",
    "residency": "驻村天数不足",
}


def _indicator(period: Period, code: str) -> dict[str, Any]:
    for indicator in period.indicators or []:
        if indicator["code"] == code:
            return indicator
    raise field_error("/query/indicator", "assessment.unknown_indicator", f"本考核期没有指标 {code}")


async def _frozen_rows(
    session: AsyncSession, scope: AreaScope, *, period: Period, metric: Metric, after: list[str] | None, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    base = scope.select(FactRecord).where(FactRecord.period_id == period.id, FactRecord.metric == metric.code)
    counted = scope.select(func.count(), area_of=FactRecord).select_from(FactRecord)
    counted = counted.where(FactRecord.period_id == period.id, FactRecord.metric == metric.code)
    total = int((await session.execute(counted)).scalar_one())
    if after is not None:
        region, key = after
        base = base.where(
            or_(
                FactRecord.region_code > region,
                and_(FactRecord.region_code == region, FactRecord.record_key > key),
            )
        )
    stmt = base.order_by(FactRecord.region_code, FactRecord.record_key).limit(limit + 1)
    rows = [
        {
            "region_code": r.region_code,
            "record_key": r.record_key,
            "numerator": r.numerator,
            "denominator": r.denominator,
            "flags": r.flags,
        }
        for r in (await session.execute(stmt)).scalars()
    ]
    return total, rows


async def _live_rows(
    session: AsyncSession, scope: AreaScope, *, window: Window, metric: Metric, after: list[str] | None, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    rows = shortfall(metric, window, scope).subquery("shortfall")
    counted = scope.apply_on(select(func.count()).select_from(rows), rows.c.region_code)
    total = int((await session.execute(counted)).scalar_one())
    stmt = select(rows)
    if after is not None:
        region, key = after
        stmt = stmt.where(or_(rows.c.region_code > region, and_(rows.c.region_code == region, rows.c.record_key > key)))
    stmt = scope.apply_on(stmt.order_by(rows.c.region_code, rows.c.record_key).limit(limit + 1), rows.c.region_code)
    return total, [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def _region_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = select(Region.code, Region.name).where(Region.code.in_(codes)).execution_options(**LABELS)
    return {code: name for code, name in (await session.execute(stmt)).all()}


async def _household_labels(session: AsyncSession, keys: list[str]) -> dict[str, dict[str, Any]]:
    key = cast(Household.public_id, String())
    stmt = select(key, Household.public_id, Household.household_number, Household.head_name).where(key.in_(keys))
    rows = (await session.execute(stmt.execution_options(**LABELS))).all()
    return {
        k: {"label": f"{number} {head or ''}".strip(), "detail": None, "household_id": public_id}
        for k, public_id, number, head in rows
    }


async def _finding_labels(session: AsyncSession, keys: list[str]) -> dict[str, dict[str, Any]]:
    key = cast(Finding.public_id, String())
    stmt = select(key, Finding.year, Finding.number, Finding.description, Finding.deadline, Finding.closed_on)
    out: dict[str, dict[str, Any]] = {}
    for k, year, number, description, deadline, closed_on in (
        await session.execute(stmt.where(key.in_(keys)).execution_options(**LABELS))
    ).all():
        text = description if len(description) <= 60 else description[:59] + "…"
        closed = f"，{closed_on} 销号" if closed_on else "，未销号"
        out[k] = {"label": f"{year}年第{number}号 {text}", "detail": f"整改时限 {deadline}{closed}"}
    return out


async def _milestone_labels(session: AsyncSession, keys: list[str]) -> dict[str, dict[str, Any]]:
    key = cast(ProjectMilestone.public_id, String())
    stmt = (
        select(
            key,
            ProjectMilestone.name,
            ProjectMilestone.due_on,
            ProjectMilestone.done_on,
            Project.code,
            Project.name,
            Project.public_id,
        )
        .join(Project, Project.id == ProjectMilestone.project_id)
        .where(key.in_(keys))
        .execution_options(**LABELS)
    )
    out: dict[str, dict[str, Any]] = {}
    for k, name, due_on, done_on, code, project_name, project_id in (await session.execute(stmt)).all():
        done = f"，{done_on} 完成" if done_on else "，未完成"
        out[k] = {"label": f"{code} {project_name}：{name}", "detail": f"计划 {due_on}{done}", "project_id": project_id}
    return out


async def _village_labels(session: AsyncSession, keys: list[str]) -> dict[str, dict[str, Any]]:
    stmt = (
        select(Assignment.village_code, Cadre.name)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .where(
            Assignment.village_code.in_(keys),
            Assignment.household_id.is_(None),
            Assignment.kind == "first_secretary",
        )
        .order_by(Assignment.starts_on)
        .execution_options(**LABELS)
    )
    secretaries: dict[str, list[str]] = {}
    for village, name in (await session.execute(stmt)).all():
        secretaries.setdefault(village, []).append(name)
    names = await _region_names(session, set(keys))
    return {
        k: {"label": names.get(k, k), "detail": f"第一书记：{'、'.join(secretaries.get(k, [])) or '无'}"} for k in keys
    }


LABELLERS = {
    "household": _household_labels,
    "finding": _finding_labels,
    "milestone": _milestone_labels,
    "village": _village_labels,
}


async def _labels(session: AsyncSession, metric: Metric, keys: list[str]) -> dict[str, dict[str, Any]]:
    """label, detail and the household or project a record leads to, per record key."""
    return await LABELLERS[metric.record_type](session, keys) if keys else {}


def _record_id(record_type: str, key: str) -> str:
    return key if record_type == "village" else str(uuid.UUID(key))


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    period: Period,
    unit: Score,
    indicator_code: str,
    cursor: str | None,
    limit: int,
) -> FactRecordPage:
    indicator = _indicator(period, indicator_code)
    metric = METRICS[indicator["metric"]]
    scope = principal.scope.narrowed_to(unit.region_code)
    after = decode_cursor(cursor, CURSOR_KIND) if cursor else None
    if after is not None and (len(after) != 2 or not all(isinstance(v, str) for v in after)):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    frozen = period.state == "frozen"
    if frozen:
        total, rows = await _frozen_rows(session, scope, period=period, metric=metric, after=after, limit=limit)
    else:
        window = Window(year=period.year, starts_on=period.starts_on, as_of=period.as_of or period.ends_on)
        total, rows = await _live_rows(session, scope, window=window, metric=metric, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    labels = await _labels(session, metric, [r["record_key"] for r in rows])
    names = await _region_names(session, {r["region_code"] for r in rows})
    items = []
    for r in rows:
        label = labels.get(r["record_key"], {"label": "（记录已不存在）", "detail": None})
        reasons = flag_labels(metric.code, r["flags"])
        if metric.code in SHORT_REASONS and not reasons:
            reasons = [SHORT_REASONS[metric.code]]
        detail = label.get("detail")
        if metric.code == "residency":
            detail = f"{detail}；驻村 {r['numerator']} 天 / 应驻 {r['denominator']} 天"
        items.append(
            FactRecordOut(
                record_type=metric.record_type,
                id=_record_id(metric.record_type, r["record_key"]),
                region_code=r["region_code"],
                region_name=names.get(r["region_code"]),
                label=label["label"],
                detail=detail,
                numerator=r["numerator"],
                denominator=r["denominator"],
                reasons=reasons,
                household_id=label.get("household_id"),
                project_id=label.get("project_id"),
            )
        )
    next_cursor = encode_cursor(CURSOR_KIND, [rows[-1]["region_code"], rows[-1]["record_key"]]) if more else None
    return FactRecordPage(
        period=period.code,
        region_code=unit.region_code,
        indicator=indicator_code,
        metric=metric.code,
        frozen=frozen,
        total=total,
        next_cursor=next_cursor,
        items=items,
    )
