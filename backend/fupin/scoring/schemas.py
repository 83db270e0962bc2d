"""Request and response models of the assessment (考核): indicator sets, periods, rankings, scores, records."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, model_validator

from fupin.core.schemas import OutModel, StrictModel, error_at
from fupin.scoring.indicators import DIMENSIONS
from fupin.scoring.metrics import METRICS

PERIOD_PATTERN = r"^\d{4}(H[12]|Q[1-4])?$"
PeriodCode = Annotated[
    str,
    Field(
        pattern=PERIOD_PATTERN,
        description="考核期: a year (2026), a half year (2026H1, 2026H2) or a quarter (2026Q1 … 2026Q4)",
        examples=["2026"],
    ),
]
Level = Literal["township", "village"]
Dimension = Literal["减贫成效", "精准识别", "精准帮扶", "扶贫资金"]
MetricCode = Literal[
    "visit_coverage",
    "measure_coverage",
    "residency",
    "register_completeness",
    "wrong_exit_candidates",
    "overdue_findings",
    "reopened_findings",
    "milestone_delays",
]
assert set(MetricCode.__args__) == set(METRICS)  # type: ignore[attr-defined]
assert set(Dimension.__args__) == set(DIMENSIONS)  # type: ignore[attr-defined]

Points = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
DecimalOut = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]


def period_dates(code: str) -> tuple[int, date, date]:
    """The year and first and last day of a period code."""
    match = re.fullmatch(PERIOD_PATTERN, code)
    if match is None:
        raise ValueError(code)
    year = int(code[:4])
    part = match.group(1)
    if part is None:
        return year, date(year, 1, 1), date(year, 12, 31)
    if part[0] == "H":
        half = int(part[1])
        return year, date(year, 1 + 6 * (half - 1), 1), date(year, 6, 30) if half == 1 else date(year, 12, 31)
    quarter = int(part[1])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return year, first, date.fromordinal(last.toordinal() - 1)


class IndicatorIn(StrictModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="Unique within the set")
    dimension: Dimension
    metric: MetricCode = Field(description="The measured fact it scores (docs/assessment.md)")
    name: str = Field(min_length=2, max_length=60)
    weight: Points = Field(description="Points of the indicator (分值)")
    rule: Literal["ratio", "deduction"] = Field(
        description="ratio: full weight at target, nothing at floor, linear between (ratio metrics); deduction: "
        "weight less per_item per record counted (count metrics)"
    )
    target: Share | None = None
    floor: Share | None = None
    per_item: Points | None = None

    @model_validator(mode="after")
    def _rule_fits(self) -> IndicatorIn:
        kind = METRICS[self.metric].kind
        if kind == "ratio" and self.rule != "ratio":
            raise error_at("rule", "assessment.rule_mismatch", f"{self.metric} 为比率指标，计分规则须为 ratio")
        if kind == "count" and self.rule != "deduction":
            raise error_at("rule", "assessment.rule_mismatch", f"{self.metric} 为计数指标，计分规则须为 deduction")
        if self.rule == "ratio":
            if self.per_item is not None:
                raise error_at("per_item", "assessment.rule_field", "ratio 规则不使用 per_item")
            target = self.target if self.target is not None else Decimal(1)
            floor = self.floor if self.floor is not None else Decimal(0)
            if floor >= target:
                raise error_at("floor", "assessment.floor_not_below_target", "floor 须低于 target")
        else:
            for name in ("target", "floor"):
                if getattr(self, name) is not None:
                    raise error_at(name, "assessment.rule_field", f"deduction 规则不使用 {name}")
            if self.per_item is None:
                raise error_at("per_item", "assessment.per_item_required", "deduction 规则须给出每项扣分 per_item")
        return self


class IndicatorSetIn(StrictModel):
    name: str = Field(min_length=2, max_length=100)
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _distinct_codes(self) -> IndicatorSetIn:
        seen: set[str] = set()
        for i, indicator in enumerate(self.indicators):
            if indicator.code in seen:
                raise error_at(f"indicators/{i}/code", "assessment.duplicate_indicator", "指标代码重复")
            seen.add(indicator.code)
        return self


class IndicatorOut(BaseModel):
    code: str
    dimension: str
    metric: str
    name: str
    weight: str
    rule: str
    target: str | None = None
    floor: str | None = None
    per_item: str | None = None


class IndicatorSetOut(BaseModel):
    year: int
    name: str
    stored: bool = Field(
        description="False: the year has no set of its own yet; this is the example a computation uses"
    )
    indicators: list[IndicatorOut]
    total_weight: str
    version: int | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


class MetricOut(BaseModel):
    code: str
    label: str
    kind: Literal["ratio", "count"]
    record_type: str
    unit: str
    description: str


class PeriodIn(StrictModel):
    period: PeriodCode
    name: str | None = Field(None, min_length=2, max_length=100, description="Defaults to e.g. 2026年度考核")


class PeriodOut(OutModel):
    period: str
    year: int
    name: str
    starts_on: date
    ends_on: date
    state: Literal["open", "computed", "frozen"] = Field(
        description="open: not computed yet; computed: figures of the last computation (may be recomputed); "
        "frozen: published, never recomputed"
    )
    as_of: date | None = Field(description="The day the facts were read up to")
    computed_at: datetime | None
    computed_by: str | None
    frozen_at: datetime | None
    frozen_by: str | None
    indicators: list[IndicatorOut] | None = Field(description="The indicators of the computation")
    version: int


class PeriodList(BaseModel):
    items: list[PeriodOut]


class RankingItem(BaseModel):
    region_code: str
    region_name: str
    parent_code: str | None
    parent_name: str | None
    level: Level
    score: DecimalOut
    rank: int = Field(description="1 = best; equal scores share a rank")
    ranked: int = Field(description="Units of the level ranked in the period")
    bottom_three: bool = Field(description="Among the last three of the level (末三位)")
    dimensions: dict[str, str] = Field(description="Points per dimension")


class RankingPage(BaseModel):
    period: str
    level: Level
    state: str
    as_of: date | None
    total: int = Field(
        description="Units of the level in the caller's area that were scored and ranked (one with nothing to "
        "assess is not)"
    )
    items: list[RankingItem]


class ScoreItem(BaseModel):
    code: str
    name: str
    dimension: str
    metric: str
    rule: str
    weight: str
    numerator: int
    denominator: int
    count: int
    value: str | None = Field(description="ratio: Σ numerator / Σ denominator; deduction: the records counted")
    score: str
    explanation: str


class ScoreOut(RankingItem):
    period: str
    state: str
    as_of: date | None
    items: list[ScoreItem]


class FactRecordOut(BaseModel):
    record_type: str
    id: str = Field(description="The record's id (a household, finding or milestone id; a village's code)")
    region_code: str
    region_name: str | None
    label: str
    detail: str | None
    numerator: int
    denominator: int
    reasons: list[str]
    household_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


class FactRecordPage(BaseModel):
    period: str
    region_code: str
    indicator: str
    metric: str
    frozen: bool = Field(description="True: the records kept when the period was frozen; False: read now")
    total: int
    next_cursor: str | None
    items: list[FactRecordOut]


class RankingExportQuery(BaseModel):
    level: Level = Field("township", description="township or village")
    format: Literal["csv", "xlsx"] = Field("xlsx", description="xlsx (default) or csv")
    encoding: Literal["utf-8", "gb18030"] | None = Field(None, description="CSV only: utf-8 (BOM) or gb18030")

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> RankingExportQuery:
        if self.encoding is not None and self.format != "csv":
            raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")
        return self
