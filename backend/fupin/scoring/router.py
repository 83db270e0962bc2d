"""Assessment (考核) routes: indicator sets, periods, computing and freezing (jobs), rankings, scores, records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse

from fupin.authz.deps import AssessmentManager, AssessmentReader
from fupin.core.concurrency import IfMatch, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.exports.router import export_responses, streamed
from fupin.jobs.router import ACCEPTED
from fupin.jobs.schemas import JobOut
from fupin.jobs.service import job_out
from fupin.scoring import export, listing, records, service
from fupin.scoring import repository as repo
from fupin.scoring.metrics import METRICS
from fupin.scoring.models import IndicatorSet, Period, Score
from fupin.scoring.schemas import (
    PERIOD_PATTERN,
    FactRecordPage,
    IndicatorOut,
    IndicatorSetIn,
    IndicatorSetOut,
    Level,
    MetricOut,
    PeriodIn,
    PeriodList,
    PeriodOut,
    RankingExportQuery,
    RankingItem,
    RankingPage,
    ScoreItem,
    ScoreOut,
)

router = APIRouter(prefix="/api/v1", tags=["assessment-ranking"])
Year = Annotated[int, Path(ge=2010, le=2100)]
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="考核期: 2026, 2026H1, 2026Q3 …")]
export_query, EXPORT_QUERY_DOCS = query_model(RankingExportQuery)
RegionPath = Annotated[str, Path(pattern=r"^\d{12}$", description="A township's or village's 12-digit code")]


def _set_out(year: int, record: IndicatorSet | None) -> IndicatorSetOut:
    from decimal import Decimal

    from fupin.scoring.indicators import EXAMPLE_NAME

    indicators = record.indicators if record is not None else repo.example_indicators()
    return IndicatorSetOut(
        year=year,
        name=record.name if record is not None else EXAMPLE_NAME,
        stored=record is not None,
        indicators=[IndicatorOut.model_validate(item) for item in indicators],
        total_weight=str(sum((Decimal(item["weight"]) for item in indicators), Decimal(0))),
        version=record.version if record is not None else None,
        updated_by=record.updated_by if record is not None else None,
        updated_at=record.updated_at if record is not None else None,
    )


def _period_out(period: Period) -> PeriodOut:
    return PeriodOut(
        period=period.code,
        year=period.year,
        name=period.name,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        state=period.state,
        as_of=period.as_of,
        computed_at=period.computed_at,
        computed_by=period.computed_by,
        frozen_at=period.frozen_at,
        frozen_by=period.frozen_by,
        indicators=[IndicatorOut.model_validate(i) for i in period.indicators] if period.indicators else None,
        version=period.version,
    )


def _ranking_item(score: Score, name: str, parent_code: str | None, parent_name: str | None) -> RankingItem:
    return RankingItem(
        region_code=score.region_code,
        region_name=name,
        parent_code=parent_code,
        parent_name=parent_name,
        level=score.level,
        score=score.total,
        rank=score.rank,
        ranked=score.ranked,
        bottom_three=score.bottom_three,
        dimensions=score.dimensions,
    )


@router.get(
    "/assessment-metrics", response_model=list[MetricOut], operation_id="assessment-metrics", responses=problems(403)
)
async def list_metrics(principal: AssessmentReader) -> list[MetricOut]:
    """The measured facts an indicator may score, with what each counts."""
    return [
        MetricOut(
            code=m.code, label=m.label, kind=m.kind, record_type=m.record_type, unit=m.unit, description=m.describe
        )
        for m in METRICS.values()
    ]


@router.get(
    "/assessment-indicator-sets/{year}",
    response_model=IndicatorSetOut,
    operation_id="assessment-indicators-get",
    responses=problems(403),
)
async def get_indicator_set(
    year: Year, session: DbSession, principal: AssessmentReader, response: Response
) -> IndicatorSetOut:
    """A year's indicators (指标体系), or the example set (`stored: false`) a computation uses while the year has
    none of its own."""
    record = await repo.indicator_set(session, year)
    if record is not None:
        response.headers["ETag"] = etag(record.version)
    return _set_out(year, record)


@router.put(
    "/assessment-indicator-sets/{year}",
    response_model=IndicatorSetOut,
    operation_id="assessment-indicators-put",
    responses={**problems(*UPDATE), 201: {"model": IndicatorSetOut, "description": "Created"}},
)
async def put_indicator_set(
    year: Year,
    body: IndicatorSetIn,
    session: DbSession,
    principal: AssessmentManager,
    response: Response,
    if_match: IfMatch = None,
) -> IndicatorSetOut:
    """Set a year's indicators, weights and scoring rules (city office). Replacing needs If-Match. Periods
    computed before keep the indicators they were computed with."""
    record, created = await service.put_indicator_set(
        session,
        principal,
        year=year,
        data=body,
        expected_version=parse_if_match(if_match, required=False),
        if_match_sent=if_match_sent(if_match),
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(record.version)
    return _set_out(year, record)


@router.get("/assessments", response_model=PeriodList, operation_id="assessment-periods-list", responses=problems(403))
async def list_periods(session: DbSession, principal: AssessmentReader) -> PeriodList:
    """Assessment periods (考核期), newest first."""
    return PeriodList(items=[_period_out(p) for p in await repo.periods(session)])


@router.post(
    "/assessments",
    response_model=PeriodOut,
    status_code=201,
    operation_id="assessment-periods-create",
    responses=problems(403, 409, 422),
)
async def create_period(body: PeriodIn, session: DbSession, principal: AssessmentManager) -> PeriodOut:
    """Open an assessment period (city office): a year, a half year or a quarter."""
    return _period_out(await service.create_period(session, principal, data=body))


@router.get(
    "/assessments/{period}",
    response_model=PeriodOut,
    operation_id="assessment-periods-get",
    responses=problems(403, 404),
)
async def get_period(period: PeriodPath, session: DbSession, principal: AssessmentReader) -> PeriodOut:
    return _period_out(await repo.period(session, period))


async def _submit(
    session: DbSession, principal: AssessmentManager, response: Response, *, code: str, freeze: bool
) -> JobOut:
    job = await service.submit_computation(session, principal, code=code, freeze=freeze)
    response.headers["Location"] = f"/api/v1/jobs/{job.public_id}"
    return job_out(job)


@router.post(
    "/assessments/{period}/compute",
    response_model=JobOut,
    status_code=202,
    operation_id="assessment-periods-compute",
    responses={**problems(403, 404, 409), **ACCEPTED},
)
async def compute_period(
    period: PeriodPath, session: DbSession, principal: AssessmentManager, response: Response
) -> JobOut:
    """Compute the period's scores and rankings for the caller's area from the facts as they are now, as a job
    (202 + Location). Replaces the previous computation; a frozen period is a 409 `assessment.frozen`."""
    return await _submit(session, principal, response, code=period, freeze=False)


@router.post(
    "/assessments/{period}/freeze",
    response_model=JobOut,
    status_code=202,
    operation_id="assessment-periods-freeze",
    responses={**problems(403, 404, 409), **ACCEPTED},
)
async def freeze_period(
    period: PeriodPath, session: DbSession, principal: AssessmentManager, response: Response
) -> JobOut:
    """Compute the period once more and freeze it (publish), as a job: the scores, rankings and the records behind
    every shortfall are kept as they are, and no later edit or computation changes them."""
    return await _submit(session, principal, response, code=period, freeze=True)


@router.get(
    "/assessments/{period}/rankings",
    response_model=RankingPage,
    operation_id="assessment-rankings",
    responses=problems(403, 404, 422),
)
async def get_rankings(
    period: PeriodPath,
    read: ReadDb,
    principal: AssessmentReader,
    level: Annotated[Level, Query(description="township or village")] = "township",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The ranking of a level in the caller's area, best first; ranks are among every scored unit of the level
    the period was computed for (the city), the last three flagged (末三位)."""
    body = await listing.page_json(read, principal.scope, code=period, level=level, limit=limit, offset=offset)
    return Response(body, media_type="application/json")


@router.get(
    "/assessments/{period}/rankings/export",
    operation_id="assessment-rankings-export",
    response_class=StreamingResponse,
    responses=export_responses("The ranking of the level (one row per unit, best first)"),
    openapi_extra=EXPORT_QUERY_DOCS,
)
async def export_rankings(
    period: PeriodPath,
    read: ReadDb,
    session: DbSession,
    principal: AssessmentReader,
    params: Annotated[RankingExportQuery, Depends(export_query)],
) -> StreamingResponse:
    """The ranking of a level in the caller's area as XLSX or CSV (UTF-8 with BOM, or GB18030), Chinese headers:
    rank, units ranked, region, total, each dimension's points, 末三位; audited (`export.created`)."""
    file = await export.direct(
        session, read, principal, code=period, level=params.level, format=params.format, encoding=params.encoding
    )
    return streamed(file)


@router.get(
    "/assessments/{period}/scores/{region_code}",
    response_model=ScoreOut,
    operation_id="assessment-scores-get",
    responses=problems(403, 404),
)
async def get_score(
    period: PeriodPath, region_code: RegionPath, session: DbSession, principal: AssessmentReader
) -> ScoreOut:
    """A unit's score explained: every indicator's figures (numerator, denominator, records counted), value,
    points and the sentence that explains them."""
    found = await repo.period(session, period)
    score, name, parent_code, parent_name = await repo.score(
        session, principal.scope, period=found, region_code=region_code
    )
    item = _ranking_item(score, name, parent_code, parent_name)
    return ScoreOut(
        **item.model_dump(),
        period=found.code,
        state=found.state,
        as_of=found.as_of,
        items=[ScoreItem.model_validate(i) for i in score.items],
    )


@router.get(
    "/assessments/{period}/scores/{region_code}/records",
    response_model=FactRecordPage,
    operation_id="assessment-score-records",
    responses=problems(400, 403, 404, 422),
)
async def get_score_records(
    period: PeriodPath,
    region_code: RegionPath,
    session: DbSession,
    principal: AssessmentReader,
    indicator: Annotated[str, Query(min_length=1, max_length=40, description="The indicator's code")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> FactRecordPage:
    """The records behind what the unit lost on one indicator: households not visited, findings overdue,
    milestones late … (a frozen period: as kept when it was frozen)."""
    found = await repo.period(session, period)
    score, *_ = await repo.score(session, principal.scope, period=found, region_code=region_code)
    return await records.page(
        session, principal, period=found, unit=score, indicator_code=indicator, cursor=cursor, limit=limit
    )
