"""The assessment's writes: a year's indicator set, a period, and the computation and freezing (as jobs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.concurrency import check_replace
from fupin.core.errors import ProblemError, field_error
from fupin.findings import clock
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.scoring import repository as repo
from fupin.scoring.compute import KIND
from fupin.scoring.models import IndicatorSet, Period
from fupin.scoring.schemas import IndicatorSetIn, PeriodIn, period_dates

SET_FIELDS = ("name", "indicators")


async def put_indicator_set(
    session: AsyncSession,
    principal: Principal,
    *,
    year: int,
    data: IndicatorSetIn,
    expected_version: int | None,
    if_match_sent: bool,
) -> tuple[IndicatorSet, bool]:
    """Create or replace a year's indicators. Periods computed before keep the indicators they were computed with."""
    existing = await repo.indicator_set(session, year)
    check_replace(existing.version if existing else None, expected_version, if_match_sent, "indicator set")
    indicators = [repo.indicator_dict(indicator) for indicator in data.indicators]
    record = existing or IndicatorSet(year=year, name=data.name, indicators=indicators)
    if existing is None:
        session.add(record)
    async with audit.tracked(
        session,
        record,
        actor=principal.as_actor(),
        action="assessment_indicators.updated",
        fields=SET_FIELDS,
        created=existing is None,
        target=lambda: audit.Target("assessment_indicators", str(year), None, version=record.version),
    ):
        record.name, record.indicators = data.name, indicators
        record.updated_by = principal.as_actor().name
    return record, existing is None


async def create_period(session: AsyncSession, principal: Principal, *, data: PeriodIn) -> Period:
    year, starts_on, ends_on = period_dates(data.period)
    taken = await session.execute(select(Period.id).where(Period.code == data.period))
    if taken.scalar_one_or_none() is not None:
        raise field_error("/period", "assessment.period_exists", f"考核期 {data.period} 已存在", status=409)
    part = data.period[4:]
    parts = {"": "年度", "H1": "年上半年", "H2": "年下半年"}
    default_name = f"{year}{parts.get(part) or '年第' + part[1:] + '季度'}考核"
    period = Period(
        code=data.period,
        year=year,
        starts_on=starts_on,
        ends_on=ends_on,
        name=data.name or default_name,
        state="open",
    )
    session.add(period)
    await session.flush()
    await audit.record_on(
        session,
        repo.period_target(period, region_code=principal.scope.region_code),
        actor=principal.as_actor(),
        action="assessment_period.created",
        changes={"period": [None, period.code], "name": [None, period.name], "state": [None, "open"]},
    )
    return period


CITY_LEVEL = 2  # AreaScope.level of a city (市); 0 is the whole system


async def submit_computation(session: AsyncSession, principal: Principal, *, code: str, freeze: bool) -> Job:
    """Queue the computation (or the freezing) of a period for the caller's area: 409 when the period is frozen,
    has not begun, or a computation of it is already waiting or running."""
    if principal.scope.level > CITY_LEVEL:
        # ranks are the city's: a county's computation would replace the period's scores with its own units only
        raise ProblemError(403, "assessment.city_only", "考核排名按全市计算，只有市级管理员可以计算或冻结考核期")
    period = await repo.period_for_update(session, code)
    if period.state == "frozen":
        raise ProblemError(409, "assessment.frozen", f"考核期 {code} 已冻结，排名已发布，不再重新计算")
    if clock.today() < period.starts_on:
        raise ProblemError(409, "assessment.not_started", f"考核期 {code} 尚未开始（{period.starts_on} 起）")
    # any area's computation of the period (a city's and the whole system's would race on its rows)
    waiting = (
        select(Job.params)
        .where(Job.kind == KIND, Job.state.in_(("queued", "running")))
        .execution_options(**unscoped("computations of a period queued by anyone"))
    )
    pending: list[Any] = list((await session.execute(waiting)).scalars())
    if any(str(params.get("period")) == code for params in pending):
        raise ProblemError(409, "assessment.computing", f"考核期 {code} 正在计算，请等待完成")
    return await jobs.submit(
        session, principal, kind=KIND, params={"period": code, "freeze": freeze}, scope=principal.scope
    )
