"""`assessments.compute`: a period's scores for every township and village of the job's area, as one job.

One aggregate statement per metric the indicators use (grouped by the finest region), rolled up in Python to
villages and townships; each unit scored by the year's indicators, ranked per level (equal scores share a rank,
the last three flagged); the period's score rows replaced in one statement. Freezing (`freeze`) does the same
and keeps the records behind every shortfall (`assessment_fact_records`), then never recomputes again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, String, delete, func, insert, literal, select

from fupin.audit import chain as audit
from fupin.authz.deps import job_owner
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.authz.scope import AreaScope
from fupin.core.errors import ProblemError
from fupin.core.models import utcnow
from fupin.findings import clock
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, register
from fupin.regions.models import Region
from fupin.scoring import repository as repo
from fupin.scoring.indicators import DIMENSIONS, Figures, score
from fupin.scoring.metrics import METRICS, Window, aggregate, shortfall
from fupin.scoring.models import FactRecord, Period, Score

KIND = "assessments.compute"
CENT = Decimal("0.01")


@dataclass(slots=True)
class Unit:
    code: str
    level: str
    figures: dict[str, list[int]] = field(default_factory=dict)  # metric → [numerator, denominator, rows]


def unit_codes(region_code: str) -> tuple[str | None, str | None]:
    """The village and the township a fact of `region_code` counts for (None above that level)."""
    village = region_code if region_code[9:] != "000" else None
    township = region_code[:9] + "000" if region_code[6:9] != "000" else None
    return village, township


def window_of(period: Period, today: date) -> Window:
    return Window(year=period.year, starts_on=period.starts_on, as_of=min(period.ends_on, today))


async def _units(ctx_session: Any, scope: AreaScope) -> dict[str, Unit]:
    stmt = scope.select(Region.code, Region.level, area_of=Region).where(Region.level.in_((4, 5)))
    rows = (await ctx_session.execute(stmt)).all()
    return {code: Unit(code, "township" if level == 4 else "village") for code, level in rows}


def rank(scored: list[tuple[str, Decimal]]) -> dict[str, tuple[int, bool]]:
    """Competition ranks (equal scores share one, 1 = best) and the bottom three: the units with fewer than three
    units scoring below them, so a tie at the boundary flags all who share it."""
    ordered = sorted(scored, key=lambda item: (-item[1], item[0]))
    totals = [total for _, total in ordered]
    ranks: dict[str, tuple[int, bool]] = {}
    for code, total in ordered:
        position = totals.index(total) + 1
        below = sum(1 for other in totals if other < total)
        ranks[code] = (position, below < 3)
    return ranks


async def compute(
    session: Any, scope: AreaScope, *, period: Period, indicators: list[dict[str, Any]], freeze: bool
) -> dict[str, int]:
    """Score and rank the units of `scope` for `period`, replacing the period's scores; `freeze` also keeps the
    records behind each shortfall. Returns counts for the job's report."""
    window = window_of(period, clock.today())
    units = await _units(session, scope)
    metrics = list(dict.fromkeys(indicator["metric"] for indicator in indicators))
    for code in metrics:
        rows = (await session.execute(aggregate(METRICS[code], window, scope))).all()
        for region_code, numerator, denominator, count in rows:
            for unit_code in unit_codes(region_code):
                unit = units.get(unit_code) if unit_code else None
                if unit is None:
                    continue
                sums = unit.figures.setdefault(code, [0, 0, 0])
                sums[0] += int(numerator or 0)
                sums[1] += int(denominator or 0)
                sums[2] += int(count)
    # a unit with nothing to assess (no household, no first secretary, no finding, no milestone) is not ranked:
    # full marks for nothing would put it above every unit that works
    units = {code: unit for code, unit in units.items() if any(sums[2] for sums in unit.figures.values())}
    scored: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    results: dict[str, tuple[Decimal, dict[str, str], list[dict[str, Any]]]] = {}
    for unit in units.values():
        items = []
        dims = {dimension: Decimal(0) for dimension in DIMENSIONS}
        for indicator in indicators:
            metric = METRICS[indicator["metric"]]
            numerator, denominator, rows_counted = unit.figures.get(metric.code, [0, 0, 0])
            item = score(
                indicator, kind=metric.kind, unit=metric.unit, figures=Figures(numerator, denominator, rows_counted)
            )
            items.append(item)
            dims[indicator["dimension"]] += Decimal(item["score"])
        total = sum(dims.values(), Decimal(0)).quantize(CENT)
        results[unit.code] = (total, {k: str(v.quantize(CENT)) for k, v in dims.items()}, items)
        scored[unit.level].append((unit.code, total))
    ranked = {level: rank(entries) for level, entries in scored.items()}
    await session.execute(delete(Score).where(Score.period_id == period.id))
    rows_out = []
    for unit in units.values():
        total, dims_out, items = results[unit.code]
        position, bottom = ranked[unit.level][unit.code]
        rows_out.append(
            {
                "period_id": period.id,
                "region_code": unit.code,
                "level": unit.level,
                "total": total,
                "rank": position,
                "ranked": len(scored[unit.level]),
                "bottom_three": bottom,
                "dimensions": dims_out,
                "items": items,
            }
        )
    if rows_out:
        await session.execute(insert(Score), rows_out)
    kept = 0
    if freeze:
        await session.execute(delete(FactRecord).where(FactRecord.period_id == period.id))
        for code in metrics:
            metric = METRICS[code]
            source = shortfall(
                metric,
                window,
                scope,
                columns=(literal(period.id, Integer()), literal(code, String())),
            )
            target = ["period_id", "metric", "region_code", "record_key", "numerator", "denominator", "flags"]
            await session.execute(insert(FactRecord).from_select(target, source))
        counted = select(func.count()).select_from(FactRecord).where(FactRecord.period_id == period.id)
        kept = int((await session.execute(counted.execution_options(**repo.FROZEN_READ))).scalar_one())
    period.as_of = window.as_of
    period.indicators = indicators
    return {
        "townships": len(scored.get("township", [])),
        "villages": len(scored.get("village", [])),
        "records_kept": kept,
    }


async def run(session: Any, principal: Principal, scope: AreaScope, *, period: Period, freeze: bool) -> dict[str, int]:
    """Compute (or freeze) `period` for `scope` on behalf of `principal`, with the year's indicators (or the
    example), stamp the period and audit it. The job's work; the demo seed's too."""
    if period.state == "frozen":
        raise ProblemError(409, "assessment.frozen", f"考核期 {period.code} 已冻结，不再重新计算")
    indicator_set = await repo.indicator_set(session, period.year)
    indicators = indicator_set.indicators if indicator_set is not None else repo.example_indicators()
    before = period.state
    counts = await compute(session, scope, period=period, indicators=indicators, freeze=freeze)
    now, actor = utcnow(), principal.as_actor()
    period.computed_at, period.computed_by = now, actor.name
    if freeze:
        period.state, period.frozen_at, period.frozen_by = "frozen", now, actor.name
    else:
        period.state = "computed"
    changes: dict[str, Any] = {
        "state": [before, period.state],
        "as_of": [None, period.as_of],
        **{name: [None, value] for name, value in counts.items()},
    }
    await audit.record_on(
        session,
        repo.period_target(period, region_code=scope.region_code),
        actor=actor,
        action="assessment_period.frozen" if freeze else "assessment_period.computed",
        changes=changes,
    )
    return counts


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    session, job = ctx.session, ctx.job
    principal = await job_owner(
        session,
        owner_type=job.owner_type,
        owner_id=job.owner_id,
        region_code=job.region_code,
        needs=Permission.ASSESSMENTS_MANAGE,
    )
    period = await repo.period_for_update(session, str(job.params["period"]))
    counts = await run(session, principal, ctx.scope, period=period, freeze=bool(job.params.get("freeze")))
    done = counts["townships"] + counts["villages"]
    return Chunk(None, done, done, counts)


COMPUTE = register(
    JobKind(KIND, run_chunk, "Compute (or freeze) a period's assessment scores and rankings for the job's area")
)
